"""`claimkit codeset ...` through Typer's runner: data on stdout, messages on stderr, exit codes."""
from __future__ import annotations

import json

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from claimkit.cli.codeset import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("day,status,release,replacements", [
    ("2021-09-30", "billable", "FY2021", []),
    ("2024-03-01", "header", "FY2024", ["M5450", "M5451", "M5459"]),
    ("2022-05-01", "no-release", None, []),
])
def test_show_m545_acceptance(store, day, status, release, replacements):
    result = run("show", "M54.5", "--on", day, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("system", "code", "on", "status", "release", "replacements")} == {
        "system": "icd10cm", "code": "M545", "on": day, "status": status, "release": release,
        "replacements": replacements}
    assert "label" in data


def test_show_text_and_system_option(store):
    result = run("show", "97001", "--on", "2017-01-01", "--system", "procedure")
    assert result.exit_code == 0
    assert "terminated" in result.stdout and "97161, 97162, 97163" in result.stdout


def test_show_bad_date_exits_2_without_traceback(store):
    result = run("show", "M54.5", "--on", "2024-02-30")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr and "Traceback" not in result.output


def test_diff_json(store):
    result = run("diff", "icd10cm", "FY2024", "FY2025", "--format", "json")
    data = json.loads(result.stdout)
    assert (len(data["added"]), len(data["deleted"])) == (252, 36)
    assert {"M5136", "M5137"} <= set(data["billability_changed"])
    assert set(data) >= {"added", "deleted", "revised", "billability_changed"}


def test_diff_unknown_release_exits_2(store):
    result = run("diff", "icd10cm", "FY2022", "FY2025")
    assert result.exit_code == 2 and "FY2022" in result.stderr


def test_import_then_list_and_verify(store, samples):
    result = run("import", "mue", str(samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["name"] == "2099Q2"
    listed = json.loads(run("list", "--format", "json").stdout)
    assert {(r["system"], r["name"], r["origin"]) for r in listed} >= {("mue", "2099Q2", "user"), ("icd10cm", "FY2025", "bundled")}
    verified = run("verify", "--format", "json")
    assert verified.exit_code == 0 and all(r["result"] == "ok" for r in json.loads(verified.stdout))


def test_verify_detects_tampering(store, samples):
    run("import", "mue", str(samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"))
    data = next(store.rglob("data.tsv*"))
    data.write_bytes(data.read_bytes() + b"x")
    result = run("verify")
    assert result.exit_code == 2 and "mismatch" in result.stdout


def test_import_malformed_exits_2_with_line(store, tmp_path):
    bad = tmp_path / "cpt_2099.csv"
    bad.write_text("code,long_descriptor\n97110,ok\nABC,bad\n")
    result = run("import", "cpt", str(bad))
    assert result.exit_code == 2 and "line 3" in result.stderr and "Traceback" not in result.output


@freeze_time("2026-10-02")
def test_status_warns_past_newest_icd_release(store):
    result = run("status", "--format", "json")
    rows = {r["system"]: r for r in json.loads(result.stdout)}
    assert rows["icd10cm"]["state"] == "expired" and "2026-10-02" in rows["icd10cm"]["warning"]
    assert rows["ncci-ptp"]["state"] == "stale"
    text = run("status")
    assert "warning: no icd10cm release installed covers 2026-10-02" in text.stderr
    assert "claimkit codeset import icd10cm FILE" in text.stderr


@freeze_time("2026-03-02")
def test_status_current_icd(store):
    rows = {r["system"]: r for r in json.loads(run("status", "--format", "json").stdout)}
    assert rows["icd10cm"]["state"] == "current" and rows["icd10cm"]["warning"] is None
