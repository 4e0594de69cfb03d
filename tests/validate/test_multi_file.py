"""`claimkit validate` over several files, some unusable (issue 11 item 5): each unusable file
is one finding for that file in every report format, the others are still checked, exit 2
only when no file could be read (and then no report), --ack & co. still refuse in one line."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from freezegun import freeze_time
from lxml import etree
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()
REF = Path(__file__).resolve().parents[1] / "rules" / "data" / "837p_reference.x12"
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "ci" / "sarif-schema-2.1.0.json"
FORMATS = ["text", "json", "junit", "sarif", "github"]
CONFIG_WORDS = "practice configuration"


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No claimkit.toml is found: a file that is not X12 must not be taken for sessions."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    text = REF.read_text(encoding="latin-1")
    out = {
        "good": tmp_path / "good.x12",
        "notx12": tmp_path / "notx12.txt",
        "utf16": tmp_path / "utf16.x12",
        "truncated": tmp_path / "truncated.x12",
        "b": tmp_path / "b.x12",
    }
    out["good"].write_text(text, encoding="latin-1")
    out["notx12"].write_text("Meeting notes, not claims: call the payer on Monday\n")
    out["utf16"].write_text(text, encoding="utf-16")
    cut = text.index("DTP*472*D8*20240111")
    out["truncated"].write_text(text[:cut + 11], encoding="latin-1")
    out["b"].write_text(text.replace("***1:2~", "***1:4~", 1), encoding="latin-1")  # CK-D001
    return out


def invoke(*args):
    with freeze_time("2024-02-01"):
        return runner.invoke(app, ["validate", *map(str, args), "--ignore", "CK-C011"])


EXPECT = {  # file -> (rule, message part)
    "notx12": ("CK-I002", "no ISA segment: not an X12 file"),
    "utf16": ("CK-I002", "UTF-16 text: save as ASCII/UTF-8"),
    "truncated": ("CK-I003", "truncated: ends inside a DTP segment"),
}


def _findings(fmt: str, text: str) -> list[tuple[str, str, str]]:
    """(file name, rule, message) of each finding of a report, whatever its format."""
    if fmt == "json":
        return [(Path(f["file"]).name, f["rule"], f["message"]) for f in json.loads(text)["findings"]]
    if fmt == "sarif":
        run = json.loads(text)["runs"][0]
        return [(Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name,
                 r["ruleId"], r["message"]["text"]) for r in run["results"]]
    if fmt == "junit":
        root = etree.fromstring(text.encode())
        out = []
        for suite in root.iter("testsuite"):
            for el in suite.iter("failure", "system-out"):
                for line in el.text.splitlines():
                    rule = line.split()[1]
                    out.append((Path(suite.get("name")).name, rule, line))
        return out
    if fmt == "github":
        return [(Path(line.split("file=")[1].split(",")[0]).name, line.split("title=")[1].split()[0],
                 line) for line in text.splitlines()]
    text_line = re.compile(r"^(\S+?)(?::\d+)?[ :].*? (?:error|warning|info) (CK-[A-Z]\d{3}) ")
    return [(Path(m.group(1)).name, m.group(2), line) for line in text.splitlines()
            if (m := text_line.match(line))]


@pytest.mark.parametrize("exit_zero", [False, True], ids=["exit", "exit-zero"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_unusable_files_are_findings_in_every_format(files, tmp_path, fmt, exit_zero) -> None:
    out = tmp_path / f"r.{fmt}"
    res = invoke(*files.values(), "--format", fmt, "-o", out, *(["--exit-zero"] if exit_zero else []))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == (0 if exit_zero else 1), res.output
    assert CONFIG_WORDS not in res.output
    text = out.read_text()
    assert "Traceback" not in text
    found = _findings(fmt, text)
    assert not [f for f in found if CONFIG_WORDS in f[2]], found
    for key, (rule, message) in EXPECT.items():
        mine = [f for f in found if f[0] == files[key].name and f[1] == rule]
        assert mine and message in mine[0][2], (key, found)
    # the readable files were checked: b.x12's pointer error is there, good.x12 is clean
    assert any(f[0] == "b.x12" and f[1] == "CK-D001" for f in found), found
    assert not [f for f in found if f[0] == "good.x12"], found
    if fmt == "sarif":
        import jsonschema

        schema = json.loads(SCHEMA.read_text())
        doc = json.loads(text)
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
        assert not errors, [e.message for e in errors[:3]]
        uris = [a["location"]["uri"] for a in doc["runs"][0]["artifacts"]]
        assert [Path(u).name for u in uris] == [p.name for p in files.values()]
    if fmt == "json":
        summary = json.loads(text)["summary"]
        read = {Path(f["file"]).name: f["read"] for f in summary["files"]}
        assert read == {"good.x12": True, "notx12.txt": False, "utf16.x12": False,
                        "truncated.x12": True, "b.x12": True}
        assert summary["claims"] == 6  # 2 + 2 + both claims of the cut file (the second cut short)
    if fmt == "text":
        assert "in 5 file(s) (2 could not be read)" in text


def test_fail_on_decides_the_exit_code(files, tmp_path) -> None:
    """The input findings are errors: with only warnings elsewhere, --fail-on still applies."""
    args = (files["good"], files["notx12"])
    assert invoke(*args).exit_code == 1
    assert invoke(*args, "--severity", "CK-I002=warning").exit_code == 0
    assert invoke(*args, "--severity", "CK-I002=warning", "--fail-on", "warning").exit_code == 1
    assert invoke(*args, "--ignore", "CK-I002").exit_code == 0  # turned off like any rule


@pytest.mark.parametrize("exit_zero", [False, True], ids=["exit", "exit-zero"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_readable_exits_2_without_a_report(files, tmp_path, fmt, exit_zero) -> None:
    out = tmp_path / "r.out"
    missing = tmp_path / "missing.x12"
    res = invoke(files["notx12"], files["utf16"], missing, "--format", fmt, "-o", out,
                 *(["--exit-zero"] if exit_zero else []))
    assert res.exit_code == 2, res.output
    assert not out.exists() and not list(tmp_path.glob(".r.out*"))
    lines = res.stderr.strip().splitlines()
    assert lines == [f"error: {files['notx12']}: no ISA segment: not an X12 file",
                     f"error: {files['utf16']}: UTF-16 text: save as ASCII/UTF-8",
                     f"error: {missing}: no such file"]
    assert res.stdout == ""


def test_missing_and_unreadable_files_are_ci001(files, tmp_path, monkeypatch) -> None:
    import builtins

    from claimkit.validation import inputs

    locked = tmp_path / "locked.x12"
    locked.write_text(REF.read_text())
    real_open = builtins.open

    def fake_open(path, *a, **kw):  # chmod 000 does not stop root, who runs these tests in CI
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(inputs, "open", fake_open, raising=False)
    res = invoke(files["good"], locked, tmp_path / "missing.x12", "--format", "json")
    assert res.exit_code == 1, res.output
    found = {Path(f["file"]).name: (f["rule"], f["message"]) for f in json.loads(res.stdout)["findings"]}
    assert found == {"locked.x12": ("CK-I001", "cannot read: permission denied"),
                     "missing.x12": ("CK-I001", "no such file")}


def test_a_session_file_without_configuration_among_others(files, demo_dir) -> None:
    res = invoke(files["good"], demo_dir / "sessions.csv", "--format", "json")
    assert res.exit_code == 1
    [f] = json.loads(res.stdout)["findings"]
    assert f["rule"] == "CK-I002" and CONFIG_WORDS in f["message"]


def test_a_bad_configuration_still_stops_the_run(files, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    res = invoke(files["good"], files["notx12"], "--config", bad)
    assert res.exit_code == 2 and "bad.toml" in res.stderr and res.stdout == ""


@pytest.mark.parametrize("key", ["notx12", "utf16", "truncated_isa", "missing"])
@pytest.mark.parametrize("flag", [["--ack", "999"], ["--accepted", "ok.x12"], ["--rejects", "rej.json"]])
def test_single_file_modes_still_refuse_in_one_line(files, tmp_path, key, flag) -> None:
    if key == "truncated_isa":
        path = tmp_path / "cut.x12"
        path.write_text(REF.read_text()[:60])
    elif key == "missing":
        path = tmp_path / "missing.x12"
    else:
        path = files[key]
    res = invoke(path, *flag)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0], lines
    assert res.stdout == "" and not (tmp_path / "work" / "ok.x12").exists()
