"""`claimkit fix`: each repair kind (CK-F0xx) on its cases, repairs that never change what is
billed, a listing of every repair, and output that never replaces the input."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.fix import fix_file, fix_text
from claimkit.loaders import load_sessions

CASES = Path(__file__).resolve().parent / "cases"
runner = CliRunner()


def _cases(prefix: str) -> list[Path]:
    return sorted(p for p in CASES.glob(f"CK-F*/{prefix}_*") if p.is_file())


@pytest.mark.parametrize("case", _cases("fail"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fail_case_is_repaired_and_then_loads(case, tmp_path) -> None:
    fixed = fix_file(case)
    assert case.parent.name in {r.rule for r in fixed.repairs}
    out = tmp_path / case.name
    out.write_text(fixed.text)
    assert load_sessions(out)  # the repaired file reads
    assert fix_file(out).repairs == []  # and needs no second round


@pytest.mark.parametrize("case", _cases("pass"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pass_case_needs_no_such_repair(case) -> None:
    fixed = fix_file(case)
    assert case.parent.name not in {r.rule for r in fixed.repairs}


def test_every_repair_rule_is_in_the_catalog() -> None:
    from claimkit.rules.catalog import load_catalog

    catalog = load_catalog()
    for rid in {p.parent.name for p in _cases("fail")}:
        assert catalog[rid].scope == "repair" and rid.startswith("CK-F")
    # every repair rule has cases here (and only repair rules are CK-F)
    assert {r.id for r in catalog.values() if r.scope == "repair"} == {p.parent.name for p in _cases("fail")}


def _damage(text: str) -> str:
    """The demo sessions with format-only changes an export might make."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        y, m, d = row["date_of_service"].split("-")
        row["date_of_service"] = f"{int(m)}/{int(d)}/{y}"
        row["service_code"] = row["service_code"].lower() + " "
        row["service_modifiers"] = row.get("service_modifiers", "").lower()
        if row.get("service_minutes"):
            row["service_minutes"] += " min"
        row["diagnoses"] = row["diagnoses"].replace(".", "").lower()
        row["patient_state"] = row["patient_state"].lower()
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def test_repairs_never_change_what_is_billed(tmp_path, demo_dir, demo_practice, registry) -> None:
    from claimkit.builder import build_claims

    original = (demo_dir / "sessions.csv").read_text()
    damaged = _damage(original)
    assert damaged != original
    fixed = fix_text(damaged, "damaged.csv")
    assert {r.rule for r in fixed.repairs} == {"CK-F001", "CK-F002", "CK-F003", "CK-F005"}
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(original)
    b.write_text(fixed.text)
    before = build_claims(load_sessions(a), demo_practice, registry).claims
    after = build_claims(load_sessions(b), demo_practice, registry).claims
    assert len(before) > 30  # the whole demo
    from claimkit.models import edge

    assert [edge.dump(c) for c in after] == [edge.dump(c) for c in before]


def test_yaml_layout_and_comments_are_kept() -> None:
    text = (CASES / "CK-F002" / "fail_minutes_with_unit.yaml").read_text()
    fixed = fix_text(text, "s.yaml")
    assert fixed.text == text.replace("minutes: 30 min   # as typed", "minutes: 30   # as typed")
    (r,) = fixed.repairs
    assert (r.rule, r.line, r.column, r.field, r.old, r.new) == (
        "CK-F002", 18, 18, "services[1].minutes", "30 min", "30")


def test_json_only_the_repaired_values_change() -> None:
    text = (CASES / "CK-F001" / "fail_us_date.json").read_text()
    fixed = fix_text(text, "s.json")
    assert fixed.text.splitlines()[0:2] == text.splitlines()[0:2]
    changed = [(a, b) for a, b in zip(text.splitlines(), fixed.text.splitlines()) if a != b]
    assert changed == [('    "date_of_service": "03/03/2025",', '    "date_of_service": "2025-03-03",'),
                       ('      "m5450"', '      "M54.50"'),
                       ('        "minutes": "30 minutes",', '        "minutes": 30,')]


def test_cli_lists_every_repair_and_hides_phi(tmp_path) -> None:
    src = CASES / "CK-F001" / "fail_us_birth_date.csv"
    out = tmp_path / "fixed.csv"
    res = runner.invoke(app, ["fix", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    assert f"{src}: line 2: patient_birth_date: (value hidden; --show-phi shows it) (CK-F001)" in res.stderr
    assert "4/5/1960" not in res.stderr and "1960-04-05" not in res.stderr
    assert "1 repair(s)" in res.stderr
    assert "1960-04-05" in out.read_text()
    shown = runner.invoke(app, ["fix", str(src), "--check", "--show-phi"])
    assert shown.exit_code == 1 and "'4/5/1960' -> '1960-04-05'" in shown.stderr


def test_cli_never_writes_over_the_input(tmp_path) -> None:
    src = tmp_path / "s.csv"
    text = (CASES / "CK-F002" / "fail_minutes_with_unit.csv").read_text()
    src.write_text(text)
    res = runner.invoke(app, ["fix", str(src), "-o", str(src)])
    assert res.exit_code == 2 and "is the input file" in res.stderr
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    assert runner.invoke(app, ["fix", str(src), "-o", str(link)]).exit_code == 2
    assert src.read_text() == text and sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "s.csv"]


def test_cli_check_and_stdout(tmp_path) -> None:
    clean = CASES / "CK-F002" / "pass_plain_minutes.csv"
    assert runner.invoke(app, ["fix", str(clean), "--check"]).exit_code == 0
    res = runner.invoke(app, ["fix", str(CASES / "CK-F002" / "fail_minutes_with_unit.csv")])
    assert res.exit_code == 0 and res.stdout.splitlines()[1].endswith(",97110,30,GP")


def test_what_no_repair_settles_is_listed(tmp_path) -> None:
    src = CASES / "CK-F001" / "pass_two_digit_year_is_left_alone.csv"
    res = runner.invoke(app, ["fix", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert "remaining: " in res.stderr and "date_of_service: expected a date as YYYY-MM-DD" in res.stderr
