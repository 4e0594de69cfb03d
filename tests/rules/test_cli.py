"""`claimkit validate` and `claimkit rules` end to end: exit codes, formats on stdout, messages
on stderr, configuration precedence, frozen clock for the date rules."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.models import edge

runner = CliRunner()
DATA = Path(__file__).resolve().parent / "data"
REF = DATA / "837p_reference.x12"


def invoke(*args: str, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def broken(tmp: Path, old: str, new: str, name: str = "broken.x12") -> Path:
    text = REF.read_text()
    assert old in text
    path = tmp / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder: no claimkit.toml or pyproject.toml is found (practice=None)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@freeze_time("2024-02-01")
def test_reference_is_clean() -> None:
    res = invoke("validate", REF)
    assert res.exit_code == 0, res.output
    # No error; the only warnings say that no NCCI/MUE quarter is installed for its January 2024
    # dates (the bundled edits start 2024-04-01), so those edits were not checked.
    assert "0 error(s), 2 warning(s), 0 info in 1 file(s), 2 claim(s) checked" in res.stdout
    assert res.stdout.count("CK-C011") == 2 and "NCCI PTP/MUE" in res.stdout


@freeze_time("2024-02-01")
def test_findings_exit_1_and_exit_zero(tmp_path: Path) -> None:
    bad = broken(tmp_path, "***1:2~", "***1:4~")
    res = invoke("validate", bad)
    assert res.exit_code == 1 and "CK-D001" in res.stdout
    assert invoke("validate", bad, "--exit-zero").exit_code == 0


@freeze_time("2024-02-01")
def test_fail_on_and_severity_overrides(tmp_path: Path) -> None:
    bad = broken(tmp_path, "SV1*HC:97110:GP*", "SV1*HC:97110:GP:ZZ*")  # CK-C008 is a warning
    assert invoke("validate", bad).exit_code == 0
    assert invoke("validate", bad, "--fail-on", "warning").exit_code == 1
    assert invoke("validate", bad, "--severity", "CK-C008=error").exit_code == 1
    # (CK-C011 also ignored: the reference's January 2024 dates precede the NCCI/MUE quarter)
    assert invoke("validate", bad, "--fail-on", "warning", "--ignore", "modifier.unknown",
                  "--ignore", "CK-C011").exit_code == 0
    res = invoke("validate", bad, "--select", "CK-D", "--fail-on", "info")
    assert res.exit_code == 0 and "CK-C008" not in res.stdout


@pytest.mark.parametrize("frozen,code", [("2024-01-05", 1), ("2024-01-31", 0)])
def test_future_service_date_with_frozen_clock(frozen: str, code: int) -> None:
    with freeze_time(frozen):
        res = invoke("validate", REF, "--format", "json")
    assert res.exit_code == code
    rules = {f["rule"] for f in json.loads(res.stdout)["findings"]}
    assert ("CK-A001" in rules) == (code == 1)


def test_timely_filing_from_config_with_frozen_clock(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "claimkit.toml"
    text = demo.read_text() + ('\n[payers.ehp]\nname = "EXAMPLE HEALTH PLAN"\npayer_id = "EHP01"\n'
                               'timely_filing_days = 90\n')
    cfg = tmp_path / "claimkit.toml"
    cfg.write_text(text)
    with freeze_time("2024-04-08"):  # 2024-01-10 + 90 days = 2024-04-09: in time
        assert invoke("validate", REF, "--config", cfg).exit_code == 0
    with freeze_time("2024-04-15"):  # late for the 2024-01-10/11 services, not for 2024-01-18
        res = invoke("validate", REF, "--config", cfg, "--format", "json")
    found = [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "CK-A003"]
    assert res.exit_code == 1 and len(found) == 6


@freeze_time("2024-02-01")
@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github", "text"])
def test_every_format_goes_to_stdout_or_file(fmt: str, tmp_path: Path) -> None:
    bad = broken(tmp_path, "***1:2~", "***1:4~")
    res = invoke("validate", bad, "--format", fmt)
    assert res.exit_code == 1 and "CK-D001" in res.stdout and res.stderr == ""
    out = tmp_path / f"report.{fmt}"
    res2 = invoke("validate", bad, "--format", fmt, "-o", out)
    assert res2.exit_code == 1 and res2.stdout == "" and out.read_text() == res.stdout


@freeze_time("2024-02-01")
def test_config_validate_table_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "claimkit.toml"
    bad = broken(tmp_path, "***1:2~", "***1:1~")  # CK-D003 duplicate pointer
    project = tmp_path / "project"
    project.mkdir()
    (project / "claimkit.toml").write_text(
        demo.read_text() + '\n[validate]\nignore = ["dx.duplicate-pointer"]\n')
    monkeypatch.chdir(project)
    assert invoke("validate", bad).exit_code == 0  # the found config ignores the rule
    other = tmp_path / "other.toml"
    other.write_text(demo.read_text() + '\n[validate]\nfail_on = "warning"\n')
    assert invoke("validate", bad, "--config", other).exit_code == 1  # --config replaces it
    res = invoke("validate", bad, "--severity", "CK-D003=warning")  # flag on top of the config
    assert res.exit_code == 0


@freeze_time("2024-02-01")
def test_pyproject_tool_claimkit_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "claimkit.toml"
    bad = broken(tmp_path, "***1:2~", "***1:1~")
    project = tmp_path / "py"
    (project / "sub").mkdir(parents=True)
    body = demo.read_text().replace("[", "[tool.claimkit.").replace("[tool.claimkit.[", "[[tool.claimkit.")
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.claimkit]\n" + body
                                            + '\n[tool.claimkit.validate]\nignore = ["CK-D003"]\n')
    monkeypatch.chdir(project / "sub")
    assert invoke("validate", bad).exit_code == 0


@pytest.mark.parametrize("content,expect", [
    (b"", "empty"),
    (b"ISA*00*short~", "ISA"),
    (b'{"claims": [{"claim_id": "X1"}]}', "claims[1]"),
    (b"\x00\x01\x02garbage\xff", ""),
    (b"{not json", ""),
])
def test_unusable_input_exits_2_with_file_and_problem(content: bytes, expect: str, tmp_path: Path) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    res = invoke("validate", path)
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert str(path) in res.stderr and expect in res.stderr
    assert "Traceback" not in res.output and res.stdout == ""


def test_missing_file_and_bad_options_exit_2(tmp_path: Path) -> None:
    res = invoke("validate", tmp_path / "nope.x12")
    assert res.exit_code == 2 and "nope.x12" in res.stderr
    assert invoke("validate", REF, "--select", "CK-Q999").exit_code == 2
    assert invoke("validate", REF, "--severity", "CK-D001").exit_code == 2
    assert invoke("validate", REF, "--severity", "CK-D001=fatal").exit_code == 2
    bad_cfg = tmp_path / "bad.toml"
    bad_cfg.write_text("this is = = not toml")
    res = invoke("validate", REF, "--config", bad_cfg)
    assert res.exit_code == 2 and "bad.toml" in res.stderr


def test_sessions_need_a_config(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    res = invoke("validate", demo / "sessions.csv")
    assert res.exit_code == 2 and "configuration" in res.stderr


@pytest.mark.parametrize("name", ["sessions.csv", "sessions.jsonl"])
def test_demo_sessions_validate_without_errors(name: str) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    with freeze_time("2026-10-01"):  # after the last demo session (2026-09-28)
        res = invoke("validate", demo / name, "--config", demo / "claimkit.toml", "--format", "json")
    assert res.exit_code == 0, res.stdout
    doc = json.loads(res.stdout)
    assert doc["summary"]["errors"] == 0 and doc["summary"]["claims"] == 40
    rows = [f["location"].get("row") for f in doc["findings"]]
    assert rows and all(isinstance(r, int) for r in rows)  # session findings name their row


def test_forced_kind(tmp_path: Path) -> None:
    copy = tmp_path / "ref.txt"
    copy.write_bytes(REF.read_bytes())
    with freeze_time("2024-02-01"):
        assert invoke("validate", copy, "--kind", "x12").exit_code == 0
        res = invoke("validate", copy, "--kind", "claims")
    assert res.exit_code == 2 and "not valid JSON" in res.stderr


def test_claims_json_roundtrip_from_x12(tmp_path: Path) -> None:
    """Claims read from the 837P, dumped as JSON with their stated totals, validate the same."""
    from datetime import date

    from claimkit.rules.engine import Selection  # noqa: F401  (import check of the public API)
    from claimkit.validation import validate_paths

    bad = broken(tmp_path, "CLM*PT0001-20240110*305*", "CLM*PT0001-20240110*300*")
    res = validate_paths([bad], today=date(2024, 2, 1), keep_claims=True)
    claims = [json.loads(edge.dump_json(c.claim)) for c in res.claims]
    for c in claims:
        c["total_charge"] = c.pop("stated_total")
    path = tmp_path / "claims.json"
    path.write_text(json.dumps({"claims": claims}))
    with freeze_time("2024-02-01"):
        out = invoke("validate", path, "--format", "json", "--ignore", "CK-C011")
    assert out.exit_code == 1
    assert [f["rule"] for f in json.loads(out.stdout)["findings"]] == ["CK-B001"]


def test_rules_list_and_explain() -> None:
    res = invoke("rules", "list", "--format", "json")
    assert res.exit_code == 0
    rules = json.loads(res.stdout)
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and "CK-D001" in ids and "CK-T004" in ids
    assert all({"id", "slug", "severity", "level", "summary", "doc"} <= set(r) for r in rules)
    text = invoke("rules", "list")
    assert text.exit_code == 0 and len(text.stdout.splitlines()) == len(rules)
    for key in ("CK-D001", "ck-d001", "dx.pointer-out-of-range"):
        res = invoke("rules", "explain", key)
        assert res.exit_code == 0 and "How to fix" in res.stdout and "CK-D001" in res.stdout
    res = invoke("rules", "explain", "CK-Z999")
    assert res.exit_code == 2 and "CK-Z999" in res.stderr


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "junk.x12"
    path.write_bytes(b"ISA" + bytes(range(256)) * 3)
    exe = Path(sys.executable).with_name("claimkit")
    proc = subprocess.run([str(exe), "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr


@pytest.mark.parametrize("to", ["json", "x12"])
def test_built_demo_claims_validate_clean(to: str, tmp_path: Path) -> None:
    """`claimkit build` output (claims JSON or 837P) validates with zero errors and warnings,
    with and without the practice configuration."""
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    res = invoke("build", demo / "sessions.jsonl", "--config", demo / "claimkit.toml", "--to", to,
                 "--timestamp", "2026-10-01T09:30")
    assert res.exit_code == 0, res.stderr
    out = tmp_path / f"demo.{to}"
    out.write_text(res.stdout)
    with freeze_time("2026-10-01"):
        for extra in ([], ["--config", demo / "claimkit.toml"]):
            check = invoke("validate", out, "--format", "json", "--fail-on", "warning", *extra)
            doc = json.loads(check.stdout)
            assert check.exit_code == 0, doc["findings"][:3]
            assert doc["summary"]["claims"] == 40


@freeze_time("2024-02-01")
def test_rules_only_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository that only validates 837P files needs no practice, only [validate]."""
    bad = broken(tmp_path, "***1:2~", "***1:1~")  # CK-D003
    project = tmp_path / "ci"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'claims'\n\n[tool.claimkit.validate]\nseverity = { 'CK-D003' = 'info' }\n")
    monkeypatch.chdir(project)
    res = invoke("validate", bad, "-v")  # (without --verbose info findings are counted by rule)
    assert res.exit_code == 0 and "info CK-D003" in res.stdout
    (project / "pyproject.toml").write_text("[tool.claimkit.validate]\nfail_on = 'sometimes'\n")
    res = invoke("validate", bad)
    assert res.exit_code == 2 and "pyproject.toml" in res.stderr
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    (project / "pyproject.toml").write_text("[tool.claimkit.validate]\nignore = ['CK-D003']\n")
    res = invoke("validate", demo / "sessions.csv")
    assert res.exit_code == 2 and "configuration" in res.stderr


def test_claims_xml_is_validated_with_xml_lines(tmp_path: Path) -> None:
    """Claims XML (claimkit's XSD) is detected by content; findings point at the XML line."""
    from datetime import date

    from claimkit.models.claim import ClaimBatch, Envelope, Party837
    from claimkit.validation import validate_paths
    from claimkit.xml import write_xml

    bad = broken(tmp_path, "***1:2~", "***1:4~")
    res = validate_paths([bad], today=date(2024, 2, 1), keep_claims=True)
    batch = ClaimBatch(submitter=Party837(name="S", id="S1"), receiver=Party837(name="R", id="R1"),
                       envelope=Envelope(sender_id="S1", receiver_id="R1"),
                       claims=[c.claim for c in res.claims])
    path = tmp_path / "claims.data"  # no telling suffix: detection is by content
    path.write_text(write_xml(batch))
    with freeze_time("2024-02-01"):
        out = invoke("validate", path, "--format", "json", "--ignore", "CK-C011")
    assert out.exit_code == 1
    [f] = json.loads(out.stdout)["findings"]
    assert f["rule"] == "CK-D001" and f["location"]["line"] == 1
    assert "<line" in path.read_text().splitlines()[f["location"]["row"] - 1]


def test_claims_jsonl(tmp_path: Path) -> None:
    from datetime import date

    from claimkit.validation import validate_paths

    bad = broken(tmp_path, "***1:2~", "***1:4~")
    res = validate_paths([bad], today=date(2024, 2, 1), keep_claims=True)
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(edge.dump_json(c.claim) + "\n" for c in res.claims))
    with freeze_time("2024-02-01"):
        out = invoke("validate", path, "--format", "json")
    assert out.exit_code == 1 and json.loads(out.stdout)["summary"]["claims"] == 2
    path.write_text(edge.dump_json(res.claims[0].claim) + "\n{broken\n")
    out = invoke("validate", path)
    assert out.exit_code == 2 and "line 2" in out.stderr


def _redated(tmp: Path, days: tuple[str, str, str], name: str) -> Path:
    text = REF.read_text()
    for old, new in zip(("D8*20240110", "D8*20240111", "D8*20240118"), days):
        text = text.replace(old, f"D8*{new}")
    path = tmp / name
    path.write_text(text)
    return path


def test_no_icd_release_after_the_newest_names_the_cms_file(tmp_path: Path) -> None:
    """CMS ICD-10-CM FY2027 covers 2026-10-01..2027-09-30 and is not bundled: CK-C009 stays a
    warning (exit 0) and names the file of the CMS 2027 ICD-10-CM files and the import command."""
    path = _redated(tmp_path, ("20261005", "20261006", "20261013"), "fy2027.x12")
    with freeze_time("2026-10-20"):
        res = invoke("validate", path, "--format", "json")
    found = [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "CK-C009"]
    assert found and res.exit_code == 0, res.output
    assert {f["severity"] for f in found} == {"warning"}
    assert all("icd10cm_order_2027.txt from the CMS 2027 ICD-10-CM files: "
               "claimkit codeset import icd10cm icd10cm_order_2027.txt" in f["fix"] for f in found)


def test_no_icd_release_before_icd10_says_icd9_is_not_checked(tmp_path: Path) -> None:
    """45 CFR 162.1002: ICD-10-CM applies to services from 2015-10-01; before that diagnoses are
    ICD-9-CM, so CK-C009 suggests no import (there is no ICD-10-CM release for 2006)."""
    path = _redated(tmp_path, ("20061003", "20061004", "20061011"), "icd9era.x12")
    with freeze_time("2006-10-20"):
        res = invoke("validate", path, "--format", "json")
    found = [f for f in json.loads(res.stdout)["findings"]
             if f["rule"] == "CK-C009" and f["location"].get("segment_id") == "HI"]  # the diagnoses
    assert found and {f["severity"] for f in found} == {"warning"}
    for f in found:
        assert "ICD-10-CM does not apply to services before 2015-10-01" in f["message"]
        assert "claimkit does not check ICD-9-CM codes" in f["fix"] and "codeset import" not in f["fix"]
