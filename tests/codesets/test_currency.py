"""Code sets keep working past their newest release (issue 10): carry forward, flagged stale,
one source of procedure facts, imports that bring a system up to date, and `status --check`.

The clock is set past every release the bundled data has (2027-02-01): the therapy table ends
2026-12-31, ICD-10-CM FY2026 ends 2026-09-30, the NCCI/MUE quarter 2024-06-30.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.codesets import Status, clear_cache, default_registry, registry_for

runner = CliRunner()
LATE = date(2027, 2, 1)


def cli(*args: str):
    return runner.invoke(app, list(args))


def _demo_in_january_2027(demo_dir: Path, out: Path) -> Path:
    """The demo sessions moved to January 2027, each patient's sessions still on distinct days."""
    rows = [json.loads(ln) for ln in (demo_dir / "sessions.jsonl").read_text().splitlines() if ln.strip()]
    rows.sort(key=lambda r: r["date_of_service"])
    used: dict[str, set[int]] = {}
    for n, r in enumerate(rows):
        days = used.setdefault(r["patient"]["id"], set())
        day = next(d for d in range(n % 31, n % 31 + 31) if d % 31 not in days) % 31
        days.add(day)
        r["date_of_service"] = (date(2027, 1, 1) + timedelta(days=day)).isoformat()
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def _build(path: Path, practice, store: Path | None = None):
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import build_and_check

    return build_and_check(list(load_sessions(path)), practice, today=date.today(),
                           registry=registry_for(store) if store else None)


@freeze_time(LATE)
def test_demo_in_2027_builds_with_one_stale_warning_per_system(demo_dir, demo_practice, tmp_path):
    """CPT/HCPCS codes stay valid until a release deletes them (CMS HCPCS files carry add and
    termination dates, never a year-end expiry), so a build dated after the bundled table's end
    works and says, once per file and system, that its answers are carried forward."""
    outcome = _build(_demo_in_january_2027(demo_dir, tmp_path / "s.jsonl"), demo_practice)
    errors = [d for d in outcome.diagnostics if d.severity.value == "error"]
    assert errors == [], [(d.rule, d.message) for d in errors]
    assert not [d for d in outcome.diagnostics if d.rule == "CK-U002"]
    stale = [d for d in outcome.diagnostics if d.rule == "CK-C012"]
    systems = sorted(dict(d.values)["system"] for d in stale)
    assert systems == ["modifier", "pos", "procedure"]  # one each, not one per claim
    proc = next(d for d in stale if dict(d.values)["system"] == "procedure")
    assert "therapy-2026" in proc.message and "2026-12-31" in proc.message
    assert "claimkit codeset import procedure FILE" in proc.fix
    assert len(outcome.claims) > 20
    # ICD-10-CM really is replaced each October 1: no FY2027 release, so a warning, not a guess
    assert {d.severity.value for d in outcome.diagnostics if d.rule == "CK-C009"} == {"warning"}


@freeze_time(LATE)
def test_units_cli_carries_forward_and_says_so():
    result = cli("units", "--rule", "cms", "97110=30", "--on", "2027-03-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total_units"] == 2 and [ln["units"] for ln in data["lines"]] == [2]
    assert data["carried_forward"][0]["release"] == "therapy-2026"
    text = cli("units", "--rule", "cms", "97110=30", "--on", "2027-03-01")
    assert "97110    30 min  2 units" in text.stdout and "carried forward from therapy-2026" in text.stderr


def test_terminated_code_still_terminated_after_the_release_ends():
    """97001 was deleted 2017-01-01 for 97161-97163 (CPT 2017; domain.md sec. 3): a known
    termination still holds on a carried-forward date."""
    found = default_registry().lookup("procedure", "97001", date(2027, 3, 1))
    assert found.status is Status.TERMINATED and found.stale
    assert found.replacements == ("97161", "97162", "97163")


def test_lookup_says_which_release_answered_and_that_it_is_stale():
    reg = default_registry()
    late, early = reg.lookup("procedure", "97110", date(2027, 3, 1)), reg.lookup("procedure", "97110", date(2026, 3, 1))
    assert (late.status, late.release, late.stale) == (Status.BILLABLE, "therapy-2026", True)
    assert late.attrs["release_ended"] == "2026-12-31" and late.as_dict()["stale"] is True
    assert (early.release, early.stale) == ("therapy-2026", False)
    assert reg.time_model("97110", date(2027, 3, 1)) == "per15"
    for system, code in (("pos", "11"), ("modifier", "GP"), ("taxonomy", "225100000X")):
        assert reg.lookup(system, code, date(2027, 3, 1)).stale, system
    # ICD-10-CM does not carry forward (a new code set every October 1)
    assert reg.lookup("icd10cm", "M54.50", date(2026, 10, 1)).status is Status.NO_RELEASE


@freeze_time(LATE)
def test_status_check_names_the_files_then_an_import_clears_procedure(demo_dir, demo_practice, tmp_path,
                                                                       monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("CLAIMKIT_CODESET_STORE", str(store))
    clear_cache()
    result = cli("codeset", "status", "--check")
    assert result.exit_code == 1
    for system, hint in (("procedure", "claimkit codeset import procedure FILE"),
                         ("icd10cm", "icd10cm_order_2027.txt"), ("ncci-ptp", "claimkit codeset import ncci-ptp"),
                         ("mue", "claimkit codeset import mue")):
        assert system in result.stderr and hint in result.stderr, system
    # next year's procedure file, started from this year's table (the documented routine)
    exported = cli("codeset", "export", "procedure", "--on", "2026-12-31")
    assert exported.exit_code == 0 and exported.stdout.startswith("code,kind,time_model")
    csv_file = tmp_path / "procedure-2027.csv"
    csv_file.write_text(exported.stdout)
    imported = cli("codeset", "import", "procedure", str(csv_file))
    assert imported.exit_code == 0, imported.output
    after = cli("codeset", "status", "--check", "--format", "json")
    assert after.exit_code == 1  # ICD-10-CM FY2027 and the NCCI quarter are still missing
    rows = {r["system"]: r for r in json.loads(after.stdout)}
    assert rows["procedure"]["state"] == "current" and rows["procedure"]["answering"] == "procedure-2027"
    assert "procedure" not in after.stderr
    # the builder, the units calculator and the validator read the same store
    outcome = _build(_demo_in_january_2027(demo_dir, tmp_path / "s.jsonl"), demo_practice)
    assert "procedure" not in {dict(d.values)["system"] for d in outcome.diagnostics if d.rule == "CK-C012"}
    units = cli("units", "97110=30", "--on", "2027-03-01", "--format", "json")
    assert json.loads(units.stdout)["carried_forward"] == []
    clear_cache()


def test_status_check_passes_when_everything_is_current():
    """On 2024-05-01 every bundled system has a release covering the date (FY2024, NCCI/MUE 2024Q2)."""
    result = cli("codeset", "status", "--check", "--on", "2024-05-01")
    assert result.exit_code == 0, result.output
    assert "current" in result.stdout and "stale" not in result.stdout


def test_hcpcs_import_feeds_procedure_dates(tmp_path):
    """The HCPCS Level II file is CMS's word on a Level II code's add and termination dates
    (record layout: add date columns 269-276, termination 285-292): a termination there ends the
    code for claimkit too, while its time model still comes from the therapy table."""
    from claimkit.codesets import import_files

    rec = "G0283" + "00100" + "3" + "ELEC STIM OTHER THAN WOUND".ljust(80) + "E-STIM UNATTENDED".ljust(28)
    rec = rec.ljust(268) + "20030101" + "20270101" + "20270331" + "D"
    path = tmp_path / "HCPC2027_APR_ANWEB.txt"
    path.write_text(rec.ljust(320) + "\r\n", encoding="cp1252")
    store = tmp_path / "store"
    import_files(store, "hcpcs", [path])
    reg = registry_for(store)
    found = reg.lookup("procedure", "G0283", date(2027, 5, 1))
    assert found.status is Status.TERMINATED and found.release == "2027-APR"
    assert reg.time_model("G0283", date(2027, 5, 1)) == "untimed"
    assert reg.lookup("procedure", "G0283", date(2027, 3, 1)).status is Status.BILLABLE
    clear_cache()


@pytest.mark.parametrize("row,expected", [
    ("97110,fifteen,,always,,,,Exercise", "time_model one of"),
    ("97129,initial,,always,,,,Cognitive", "initial_minutes"),
    ("97110,per15,,maybe,,,,Exercise", "therapy one of"),
    ("9711,per15,,always,,,,Exercise", "a CPT"),
    ("97110,per15,,always,2027-13-01,,,Exercise", "effective_from as YYYY-MM-DD"),
])
def test_procedure_import_names_file_line_and_problem(tmp_path, row, expected):
    path = tmp_path / "procedure-2027.csv"
    path.write_text("code,time_model,initial_minutes,therapy,effective_from,effective_to,replacements,label\n"
                    "97112,per15,,always,,,,Balance\n" + row + "\n")
    result = cli("codeset", "import", "procedure", str(path), "--store", str(tmp_path / "store"))
    assert result.exit_code == 2
    assert "procedure-2027.csv" in result.stderr and "line 3" in result.stderr and expected in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "store" / "manifest.json").exists()
