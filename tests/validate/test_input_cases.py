"""The input rules' data-file cases (cases/CK-I00N/): each fail_* input, validated together
with the reference 837P, gives that rule's finding for its file with the message in the
folder's expect.json, and the reference is still checked; each pass_* input gives none.

A ``.link`` case names the path to validate instead (relative to its folder): a missing file,
the folder itself, or the reference without copying it.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
REF = CASES.parent.parent / "rules" / "data" / "837p_reference.x12"
FILES = sorted(p for p in CASES.glob("CK-I*/*") if p.name.startswith(("fail_", "pass_")))


def _input(case: Path) -> Path:
    if case.suffix == ".link":
        return (case.parent / case.read_text().strip()).resolve()
    return case


@pytest.mark.parametrize("case", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_input_case(case: Path, registry) -> None:
    from claimkit.rules.engine import Selection
    from claimkit.validation import validate_paths

    rule = case.parent.name
    path = _input(case)
    result = validate_paths([path, REF], registry=registry, today=date(2024, 2, 1),
                            selection=Selection(ignore=frozenset({"CK-C011"})), unusable="report")
    mine = [d for d in result.diagnostics if d.rule == rule and d.location.file == str(path)]
    ref = result.files[1]
    assert ref.usable and ref.claims == 2  # the other file is still checked
    assert not [d for d in result.diagnostics if d.location.file == str(REF)]
    if case.name.startswith("pass_"):
        assert mine == [] and result.files[0].usable
        return
    want = json.loads((case.parent / "expect.json").read_text())[case.name]
    assert len(mine) == 1, [(d.rule, d.message) for d in result.diagnostics]
    d = mine[0]
    assert want in d.message and d.fix and d.level == 1 and d.slug.startswith("input.")
    if rule != "CK-I003":  # an unusable file: only its finding, no claims
        assert not result.files[0].usable and result.files[0].claims == 0
        assert [x.rule for x in result.diagnostics if x.location.file == str(path)] == [rule]
        assert want in result.files[0].error and str(path) in result.files[0].error


def test_every_input_rule_has_expectations_for_its_fail_cases() -> None:
    from claimkit.rules.catalog import load_catalog

    ids = {r.id for r in load_catalog().values() if r.scope == "input"}
    assert ids == {p.parent.name for p in FILES}
    for folder in CASES.glob("CK-I*"):
        want = json.loads((folder / "expect.json").read_text())
        assert set(want) == {p.name for p in folder.glob("fail_*")}
