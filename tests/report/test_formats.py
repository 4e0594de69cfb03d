"""Report formats: JSON shape, SARIF against the OASIS schema, JUnit structure, GitHub workflow
commands, text; PHI stays out unless asked."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from claimkit.diagnostics import Severity
from claimkit.report import FORMATS, renderer
from claimkit.report.lines import segment_lines


def test_result_has_findings_of_each_input(result, inputs) -> None:
    files = {d.location.file for d in result.diagnostics}
    assert files == {str(inputs["x12"]), str(inputs["claims"])}
    rules = {d.rule for d in result.diagnostics}
    assert {"CK-D001", "CK-A002", "CK-C008"} <= rules


def test_json_shape(result, inputs) -> None:
    doc = json.loads(renderer("json")(result))
    assert set(doc) == {"findings", "summary"}
    assert len(doc["findings"]) == len(result.diagnostics)
    for f in doc["findings"]:
        assert {"rule", "severity", "message", "file", "location"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")
        assert f["file"] == f["location"]["file"]
    x12 = [f for f in doc["findings"] if f["file"] == str(inputs["x12"])]
    assert x12[0]["location"]["segment_id"] == "SV1" and x12[0]["location"]["element"] == "SV1-07"
    s = doc["summary"]
    assert s["claims"] == 5 and s["findings"] == len(doc["findings"])
    assert s["errors"] == sum(f["severity"] == "error" for f in doc["findings"])
    assert s["warnings"] == sum(f["severity"] == "warning" for f in doc["findings"])
    assert sum(s["by_rule"].values()) == len(doc["findings"])
    assert [f["file"] for f in s["files"]] == [str(inputs["x12"]), str(inputs["claims"]), str(inputs["clean"])]
    assert s["failed"] is True


def test_sarif_is_valid_against_the_oasis_schema(result, sarif_schema) -> None:
    import jsonschema

    doc = json.loads(renderer("sarif")(result))
    cls = jsonschema.validators.validator_for(sarif_schema)
    errors = sorted(cls(sarif_schema).iter_errors(doc), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {d.rule for d in result.diagnostics}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")


def test_sarif_points_at_the_segment_line(result, inputs) -> None:
    doc = json.loads(renderer("sarif")(result))
    res = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "CK-D001"
               and "broken" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    line = res["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert inputs["x12"].read_text().splitlines()[line - 1].startswith("SV1*HC:97110:GP*120*UN*2***1:4")
    uri = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "CK-A002")[
        "locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri and "%25" in uri  # a URI reference, percent-encoded


def test_junit_suite_per_file_case_per_claim(result, inputs) -> None:
    root = etree.fromstring(renderer("junit")(result).encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(inputs["x12"]), str(inputs["claims"]), str(inputs["clean"])]
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == sum(c.find("failure") is not None for c in cases)
    broken = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert broken["PT0001-20240110"].find("failure").get("type") == "CK-D001"
    assert broken["PT0002-20240111"].find("failure") is None
    clean = suites[2]
    assert clean.get("failures") == "0" and len(clean.findall("testcase")) == 3  # file + 2 claims
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites)


def test_junit_warnings_fail_only_with_fail_on_warning(result) -> None:
    text_err = renderer("junit")(result, fail_on=Severity.ERROR)
    text_warn = renderer("junit")(result, fail_on=Severity.WARNING)
    assert "CK-C008" in etree.fromstring(text_err.encode()).findtext(".//system-out")
    fails = etree.fromstring(text_warn.encode()).findall(".//failure")
    assert any("CK-C008" in (f.text or "") for f in fails)


def test_github_workflow_commands(result, inputs) -> None:
    out = renderer("github")(result).splitlines()
    assert len(out) == len(result.diagnostics)
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+)(,line=(\d+))?,title=([^:]+)::(.+)$")
    for line in out:
        assert pattern.match(line), line
    d001 = next(line for line in out if "CK-D001" in line and "broken" in line)
    n = int(pattern.match(d001).group(4))
    assert inputs["x12"].read_text().splitlines()[n - 1].startswith("SV1*")
    a002 = next(line for line in out if "CK-A002" in line)
    assert "claims%2C 100%25 synthetic.json" in a002  # property escaping of ',' and '%'
    assert any(line.startswith("::warning ") for line in out)


def test_text_lists_every_finding_with_a_summary(result) -> None:
    text = renderer("text")(result)
    for d in result.diagnostics:
        assert d.rule in text
    assert text.rstrip().splitlines()[-1].startswith(f"{result.counts()['error']} error(s)")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_phi_unless_asked(result, fmt, phi_strings) -> None:
    out = renderer(fmt)(result)
    for s in phi_strings:
        assert s not in out, (fmt, s)


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_phi_reveals_the_birth_date(result, fmt) -> None:
    assert "1980-03-15" in renderer(fmt)(result, show_phi=True)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        renderer("xml")


@pytest.mark.parametrize("text,expected", [
    ("ISA" + "*" * 2 + "x" * 100 + "~GS*1~ST*2~\nSE*3~", [1, 1, 1, 2]),
    ("\r\n\r\nISA" + "*" * 2 + "x" * 100 + "~\r\nGS*1~\r\n\r\nST*2~", [3, 4, 6]),
])
def test_segment_lines(text, expected) -> None:
    assert segment_lines(text) == expected
