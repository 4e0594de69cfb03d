"""`claimkit build` end to end: exit codes, stdout/stderr, clear errors, no half-written files."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_build_demo_to_stdout_passes_pyx12(tmp_path, demo_dir, pyx12_check):
    res = invoke("build", str(demo_dir / "sessions.jsonl"), "--config", str(demo_dir / "claimkit.toml"),
                 "--timestamp", "2026-01-05T09:30")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("ISA*") and "built 40 claim(s)" in res.stderr
    out = tmp_path / "out.x12"
    out.write_text(res.stdout)
    assert pyx12_check(out) == (True, [])


def test_build_json_output(tmp_path, demo_dir):
    out = tmp_path / "claims.json"
    res = invoke("build", str(demo_dir / "sessions.csv"), "-c", str(demo_dir / "claimkit.toml"),
                 "--to", "json", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    data = json.loads(out.read_text())
    assert len(data["claims"]) == 40 and data["envelope"]["usage_indicator"] == "T"


def test_console_script_runs_without_traceback(tmp_path, demo_dir):
    """The installed entry point itself (not only the Typer app object)."""
    out = tmp_path / "demo.x12"
    exe = Path(sys.executable).with_name("claimkit")
    proc = subprocess.run([str(exe), "build", str(demo_dir / "sessions.jsonl"), "--config",
                           str(demo_dir / "claimkit.toml"), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("ISA*") and proc.stdout == ""


def test_installed_package_carries_the_demo(tmp_path, monkeypatch, repo):
    """The wheel's own copy of the demo and codesets is used, from any directory."""
    import claimkit

    # tests run the installed wheel, not the checkout's claimkit/ folder
    assert (repo / "claimkit") not in Path(claimkit.__file__).resolve().parents
    monkeypatch.chdir(tmp_path)
    res = invoke("build", "--demo", "--timestamp", "2026-01-05T09:30")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == (repo / "tests" / "golden" / "demo-837p.x12").read_text()


def test_no_sessions_is_a_usage_error():
    res = invoke("build")
    assert res.exit_code == 2 and "--demo" in res.stderr


def _demo_csv_rows(demo_dir):
    text = (demo_dir / "sessions.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    return rows


def _write_csv(path, rows, fields=None):
    fields = fields or list(rows[0])
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def _broken(kind, rows):
    rows = [dict(r) for r in rows[:4]]
    if kind == "missing column":
        for r in rows:
            r.pop("patient_birth_date")
        return rows, "missing column(s) patient_birth_date", "line 1"
    if kind == "bad date":
        rows[1]["date_of_service"] = rows[0]["date_of_service"] = "2025-02-30"
        return rows, "date_of_service", "line 2"
    if kind == "negative minutes":
        rows[2]["service_minutes"] = "-5"
        return rows, "minutes", "line 4"
    if kind == "unknown code format":
        rows[0]["service_code"] = "97X"
        return rows, "code", "line 2"
    if kind == "separator in a name":
        for r in rows:
            if r["session_id"] == rows[0]["session_id"]:
                r["patient_last_name"] = "HAL*VORSEN"
        return rows, "patient_last_name: contains the X12 separator", "line 2"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing column", "bad date", "negative minutes",
                                  "unknown code format", "separator in a name"])
def test_malformed_sessions_exit_2_and_leave_no_file(tmp_path, demo_dir, kind):
    rows, needle, where = _broken(kind, _demo_csv_rows(demo_dir))
    src = tmp_path / "bad.csv"
    _write_csv(src, rows)
    out = tmp_path / "out.x12"
    res = invoke("build", str(src), "--config", str(demo_dir / "claimkit.toml"), "-o", str(out))
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert needle in res.stderr and where in res.stderr and "bad.csv" in res.stderr.replace("\n", "")
    assert "Traceback" not in res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_unknown_field_and_wrong_type_name_the_record(tmp_path, demo_dir):
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:3]]
    recs[1]["services"][0]["minuts"] = 10
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(recs))
    res = invoke("build", str(src), "--config", str(demo_dir / "claimkit.toml"))
    # the line and column of the misspelt key in the one-line JSON, with a suggestion
    col = src.read_text().index('"minuts"') + 1
    assert res.exit_code == 2 and f"line 1, column {col}" in res.stderr
    assert "services[1].minuts: unknown field (did you mean 'minutes'?)" in res.stderr
    recs[1]["services"][0].pop("minuts")
    recs[1]["services"][0]["minutes"] = "twenty"
    src.write_text(json.dumps(recs))
    res = invoke("build", str(src), "--config", str(demo_dir / "claimkit.toml"))
    assert res.exit_code == 2 and "services[1].minutes: expected a whole number of minutes, got 'twenty'" in res.stderr


def test_missing_config_and_file_exit_2(tmp_path, demo_dir):
    res = invoke("build", str(demo_dir / "sessions.jsonl"), "--config", str(tmp_path / "nope.toml"))
    assert res.exit_code == 2 and "nope.toml" in res.stderr
    res = invoke("build", str(tmp_path / "missing.csv"), "--config", str(demo_dir / "claimkit.toml"))
    assert res.exit_code == 2 and "missing.csv" in res.stderr


def test_findings_block_output_unless_clean_only(tmp_path, demo_dir):
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:3]]
    recs[0]["diagnoses"][0] = "M54.5"  # a header (not billable) since FY2022: an error finding
    src = tmp_path / "s.json"
    src.write_text(json.dumps(recs))
    out = tmp_path / "out.x12"
    res = invoke("build", str(src), "--config", str(demo_dir / "claimkit.toml"), "-o", str(out))
    assert res.exit_code == 1 and not out.exists()
    # the replacement hint, written with the dot
    assert "S0001" in res.stderr and "use one of M54.50, M54.51, M54.59" in res.stderr
    res = invoke("build", str(src), "--config", str(demo_dir / "claimkit.toml"), "-o", str(out), "--clean-only")
    assert res.exit_code == 1 and out.exists()
    text = out.read_text()
    assert "CLM*S0001*" not in text and "CLM*S0002*" in text and "CLM*S0003*" in text


def _with_bad_first_session(demo_dir, tmp_path):
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()]
    recs[0]["diagnoses"][0] = "M54.5"  # header since FY2022 -> CK-C002 error on this claim
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    return src, len(recs)


def test_rejects_file_splits_the_batch(tmp_path, demo_dir, pyx12_check):
    src, n = _with_bad_first_session(demo_dir, tmp_path)
    out, rej = tmp_path / "ok.x12", tmp_path / "rejects.json"
    res = invoke("build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out), "--rejects", str(rej))
    assert res.exit_code == 1, res.stderr
    report = json.loads(rej.read_text())
    assert report["summary"] == {"total": n, "accepted": n - 1, "rejected": 1}
    (entry,) = report["rejected"]
    assert entry["claim_id"] == "S0001" and {f["rule"] for f in entry["findings"]} == {"CK-C002"}
    assert out.read_text().count("\nCLM*") == n - 1
    assert pyx12_check(out) == (True, [])


def test_xml_output_validates_against_the_shipped_xsd(tmp_path, demo_dir):
    from lxml import etree

    import claimkit.xml as ckxml

    out = tmp_path / "claims.xml"
    res = invoke("build", "--demo", "--to", "xml", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    xsd_path = next(Path(ckxml.__file__).parent.glob("schema/*.xsd"))
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log


def test_control_file_gives_each_build_a_new_number(tmp_path):
    ctl = tmp_path / "control.json"
    isa13 = []
    for _ in range(2):
        res = invoke("build", "--demo", "--control-file", str(ctl))
        assert res.exit_code == 0, res.stderr
        isa13.append(res.stdout.split("~", 1)[0].split("*")[13])
    assert isa13[0] != isa13[1]


@pytest.mark.parametrize("content,suffix", [("[]", ".json"), ("", ".jsonl")])
def test_empty_input_is_unusable(tmp_path, demo_dir, content, suffix):
    src = tmp_path / f"s{suffix}"
    src.write_text(content)
    res = invoke("build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(tmp_path / "o.x12"))
    assert res.exit_code == 2 and "no session records" in res.stderr
    assert not (tmp_path / "o.x12").exists()


def test_a_service_that_cannot_be_billed_blocks_its_claim(tmp_path, demo_dir):
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:2]]
    recs[0]["services"].append({"code": "97129", "minutes": 30})  # initial+add-on: units needed
    src = tmp_path / "s.json"
    src.write_text(json.dumps(recs))
    out = tmp_path / "o.x12"
    res = invoke("build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out))
    assert res.exit_code == 1 and not out.exists() and "CK-U002" in res.stderr
    res = invoke("build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out), "--clean-only")
    assert res.exit_code == 1 and "CLM*S0001*" not in out.read_text() and "CLM*S0002*" in out.read_text()


def test_nothing_billable_writes_nothing(tmp_path, demo_dir):
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:1]]
    recs[0]["date_of_service"] = "2099-01-05"  # no codeset covers it, and it is in the future
    recs[0]["services"] = [{"code": "97129", "minutes": 30}]
    src = tmp_path / "s.json"
    src.write_text(json.dumps(recs))
    out, rej = tmp_path / "o.x12", tmp_path / "r.json"
    res = invoke("build", str(src), "-c", str(demo_dir / "claimkit.toml"), "-o", str(out), "--rejects", str(rej))
    assert res.exit_code == 1 and not out.exists()
    assert json.loads(rej.read_text())["summary"]["accepted"] == 0


def test_bad_timestamp_is_a_usage_error(tmp_path):
    res = invoke("build", "--demo", "--timestamp", "yesterday", "-o", str(tmp_path / "o.x12"))
    assert res.exit_code == 2 and "--timestamp" in res.stderr and not (tmp_path / "o.x12").exists()


def test_two_concurrent_builds_sharing_a_control_file_get_different_isa13(tmp_path):
    exe = Path(sys.executable).with_name("claimkit")
    ctl = tmp_path / "control.json"
    procs = [subprocess.Popen([str(exe), "build", "--demo", "--control-file", str(ctl), "-o",
                               str(tmp_path / f"{i}.x12")], stderr=subprocess.PIPE)
             for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    isa13 = {(tmp_path / f"{i}.x12").read_text().split("~", 1)[0].split("*")[13] for i in range(2)}
    assert len(isa13) == 2
