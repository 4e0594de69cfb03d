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
    ("2024-03-01", "header", "FY2024", ["M54.50", "M54.51", "M54.59"]),
    ("2022-05-01", "no-release", None, []),
])
def test_show_m545_acceptance(store, day, status, release, replacements):
    """M54.5 became a header on 2021-10-01 (CMS FY2022 ICD-10-CM: M54.50, M54.51, M54.59 added);
    replacements are written with the dot, the 837P form stays in code/replacement_codes."""
    result = run("show", "M54.5", "--on", day, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("system", "code", "display", "on", "status", "release", "replacements")} == {
        "system": "icd10cm", "code": "M545", "display": "M54.5", "on": day, "status": status,
        "release": release, "replacements": replacements}
    assert data["replacement_codes"] == [r.replace(".", "") for r in replacements]
    assert "label" in data


def test_show_json_keeps_code_undotted_and_adds_display(store):
    data = json.loads(run("show", "M5450", "--on", "2024-03-01", "--format", "json").stdout)
    assert (data["code"], data["display"], data["status"]) == ("M5450", "M54.50", "billable")


def test_show_text_writes_icd_codes_with_the_dot(store):
    out = run("show", "M545", "--on", "2024-03-01").stdout
    assert out.splitlines()[0].startswith("icd10cm M54.5 on 2024-03-01: header")
    assert "replaced by / use instead: M54.50, M54.51, M54.59" in out
    assert "M5450" not in out


def test_show_text_deleted_icd_code_successors_dotted(store):
    """T81.32XA was deleted for FY2025 (CMS FY2025 ICD-10-CM addenda: T81.320A-T81.329A added)."""
    out = run("show", "T81.32XA", "--on", "2025-03-01").stdout
    assert "terminated" in out and "T81.320A, T81.321A, T81.328A, T81.329A" in out


def test_show_non_icd_codes_unchanged(store):
    data = json.loads(run("show", "97001", "--on", "2017-01-01", "--system", "procedure", "--format", "json").stdout)
    assert data["display"] == "97001"
    assert data["replacements"] == data["replacement_codes"] == ["97161", "97162", "97163"]


def test_show_text_and_system_option(store):
    result = run("show", "97001", "--on", "2017-01-01", "--system", "procedure")
    assert result.exit_code == 0
    assert "terminated" in result.stdout and "97161, 97162, 97163" in result.stdout


def test_show_bad_date_exits_2_without_traceback(store):
    result = run("show", "M54.5", "--on", "2024-02-30")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr and "Traceback" not in result.output


def test_diff_json(store):
    """CMS FY2025 ICD-10-CM: 252 codes added, 36 deleted; M51.36/M51.37 became headers."""
    result = run("diff", "icd10cm", "FY2024", "FY2025", "--format", "json")
    data = json.loads(result.stdout)
    assert (len(data["added"]), len(data["deleted"])) == (252, 36)
    assert {"M51.36", "M51.37"} <= set(data["billability_changed"])
    assert "M51.360" in data["added"] and "M51360" not in data["added"]
    assert set(data) >= {"added", "deleted", "revised", "billability_changed", "codes"}
    for field in ("added", "deleted", "revised", "billability_changed"):  # machine form: as sent
        assert data["codes"][field] == [c.replace(".", "") for c in data[field]]
    assert {"M5136", "M5137"} <= set(data["codes"]["billability_changed"])


def test_diff_text_writes_icd_codes_with_the_dot(store):
    out = run("diff", "icd10cm", "FY2024", "FY2025").stdout
    assert "  deleted: 36  [C83.39, C86.0," in out
    assert "  revised: 13  [A77.41, F98.21," in out
    assert "C8339" not in out


def test_diff_non_icd_codes_unchanged(store):
    data = json.loads(run("diff", "procedure", "2016-12-31", "2017-01-01", "--format", "json").stdout)
    assert "97161" in data["added"] and "97001" in data["deleted"]


def test_diff_unknown_release_exits_2(store):
    result = run("diff", "icd10cm", "FY2022", "FY2025")
    assert result.exit_code == 2 and "FY2022" in result.stderr


def test_import_then_list_and_verify(store, samples):
    result = run("import", "mue", str(samples / "MCR_MUE_PractitionerServices_Eff_04-01-2099.csv"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["name"] == "2099Q2"
    listed = json.loads(run("list", "--format", "json").stdout)
    listed_ids = {(r["system"], r["name"], r["origin"]) for r in listed}
    assert listed_ids >= {("mue", "2099Q2", "user"), ("icd10cm", "FY2025", "bundled")}
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
