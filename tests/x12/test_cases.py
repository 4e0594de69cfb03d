"""Every x12 rule's data-file cases: each fail_* case yields the rule at the segment its name
gives (``..._seg<N>.x12``); each pass_* case yields nothing for that rule."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
FAILS = sorted(CASES.glob("CK-*/fail_*.x12"))
PASSES = sorted(CASES.glob("CK-*/pass_*.x12"))


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


@pytest.mark.parametrize("path", FAILS, ids=_id)
def test_fail_case_is_caught_at_its_segment(path: Path, scan) -> None:
    rule = path.parent.name
    want = int(re.search(r"_seg(\d+)\.x12$", path.name).group(1))
    diags, _, _ = scan(path)
    hits = [d for d in diags if d.rule == rule]
    assert hits, f"{rule} not reported; got {[(d.rule, d.message) for d in diags]}"
    assert want in [d.location.segment_index for d in hits], [
        (d.location.segment_index, d.message) for d in hits]
    assert all(d.location.file for d in hits)


@pytest.mark.parametrize("path", PASSES, ids=_id)
def test_pass_case_is_clean_for_its_rule(path: Path, scan) -> None:
    rule = path.parent.name
    diags, _, _ = scan(path)
    assert [d.message for d in diags if d.rule == rule] == []


def test_every_x12_rule_has_cases() -> None:
    import claimkit.rules.x12_envelope  # noqa: F401
    import claimkit.rules.x12_guide  # noqa: F401
    import claimkit.rules.x12_syntax  # noqa: F401
    from claimkit.rules.engine import CATALOG

    ids = {r.id for r in CATALOG.values() if r.scope == "x12"}
    assert ids == {p.parent.name for p in FAILS} == {p.parent.name for p in PASSES}


@pytest.mark.parametrize("path", FAILS, ids=_id)
def test_findings_carry_999_codes(path: Path, scan) -> None:
    """What a 999/TA1 writer needs: the transaction set, the position in it and an error code."""
    diags, _, _ = scan(path)
    codes = ("ik3_code", "ik4_code", "ik5_code", "ak9_code", "ta1_code")
    for d in diags:
        if d.severity.value != "error":
            continue
        v = dict(d.values)
        assert any(k in v for k in codes), (d.rule, d.message)
        if "ik4_code" in v:
            assert isinstance(v["element_position"], int)
        if "ik3_code" in v or "ik4_code" in v:
            assert v["st_control"] == "0001" and v["ts_position"] >= 1, (d.rule, v)
            assert v["ts_position"] == d.location.segment_index - 2  # ST is segment 3
