"""End to end on X12: the reference 837P validates clean; one hand-made defect per content
family is caught by the right rule at the right segment and element.

The reference (tests/rules/data/837p_reference.x12) is the project's synthetic interchange that
pyx12 4.0.0 accepts. Each variant changes one segment (and keeps SE01 right when a segment is
removed) so that nothing else in the file is wrong.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from claimkit.rules.engine import Selection
from claimkit.validation import validate_paths

# The reference's January 2024 dates precede the bundled NCCI/MUE quarter (2024-04-01): CK-C011
# says so on every claim; these tests look at one defect at a time against a clean reference.
CLEAN = Selection(ignore=frozenset({"CK-C011"}))

REF = Path(__file__).resolve().parent / "data" / "837p_reference.x12"
TODAY = date(2024, 2, 1)


def segments() -> list[str]:
    return [s for s in REF.read_text().replace("\n", "").split("~") if s]


def write(tmp: Path, segs: list[str]) -> Path:
    # SE01 counts ST..SE (TR3 SE01); recompute so a removed segment is the only defect.
    st = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    parts = segs[se].split("*")
    segs = segs[:se] + [f"SE*{se - st + 1}*{parts[2]}"] + segs[se + 1:]
    path = tmp / "variant.x12"
    path.write_text("~\n".join(segs) + "~\n")
    return path


def replace(segs: list[str], old: str, new: str | None) -> list[str]:
    hits = [i for i, s in enumerate(segs) if s == old]
    assert hits, old  # the first occurrence: claim 1 of the reference
    out = list(segs)
    if new is None:
        del out[hits[0]]
    else:
        out[hits[0]] = new
    return out


def index_of(segs: list[str], text: str) -> int:
    """1-based segment index of the segment TEXT in SEGS."""
    return segs.index(text) + 1


def test_reference_validates_with_zero_findings(registry) -> None:
    result = validate_paths([REF], registry=registry, today=TODAY, selection=CLEAN)
    assert result.claim_count == 2
    assert [d.message for d in result.diagnostics] == []


CLM1 = "CLM*PT0001-20240110*305***11:B:1*Y*A*Y*Y"
HI1 = "HI*ABK:M5450*ABF:M6281*ABF:S39012D"
SV1_1 = "SV1*HC:97110:GP*120*UN*2***1:2"
DTP1 = "DTP*472*D8*20240110"
VARIANTS = [
    # (family, old segment, new segment, rule, segment that must carry the finding, loop, element)
    ("balancing", CLM1, "CLM*PT0001-20240110*300***11:B:1*Y*A*Y*Y", "CK-B001", "CLM", "2300", "CLM-02"),
    ("situational", "DMG*D8*19800315*M", None, "CK-S001", "NM1", "2010BA", None),
    ("situational", "N3*456 OAK AVENUE", None, "CK-S002", "NM1", "2010BA", None),
    ("codes: header on DOS", HI1, "HI*ABK:M545*ABF:M6281*ABF:S39012D", "CK-C002", "HI", "2300", "HI-01"),
    ("codes: ICD-9", HI1, "HI*ABK:7242*ABF:M6281*ABF:S39012D", "CK-C003", "HI", "2300", "HI-01"),
    ("codes: deleted CPT", SV1_1, "SV1*HC:97001:GP*120*UN*1***1:2", "CK-C005", "SV1", "2400", "SV1-01"),
    ("codes: place of service", CLM1, "CLM*PT0001-20240110*305***88:B:1*Y*A*Y*Y", "CK-C010", "CLM", "2300", "CLM-05"),
    ("pointers", SV1_1, "SV1*HC:97110:GP*120*UN*2***1:4", "CK-D001", "SV1", "2400", "SV1-07"),
    ("pointers", SV1_1, "SV1*HC:97110:GP*120*UN*2***1:1", "CK-D003", "SV1", "2400", "SV1-07"),
    ("therapy", SV1_1, "SV1*HC:97110*120*UN*2***1:2", "CK-T007", "SV1", "2400", "SV1-01"),
    ("therapy", SV1_1, "SV1*HC:97110:GP:59:XU*120*UN*2***1:2", "CK-T009", "SV1", "2400", "SV1-01"),
    ("therapy", SV1_1, "SV1*HC:97161:GP*120*UN*2***1:2", "CK-T010", "SV1", "2400", "SV1-04"),
    ("dates", DTP1, "DTP*472*D8*20240301", "CK-A001", "DTP", "2400", "DTP-03"),
]


@pytest.mark.parametrize("family,old,new,rule,seg_id,loop,element", VARIANTS,
                         ids=[f"{v[3]}-{v[0]}" for v in VARIANTS])
def test_one_defect_is_caught_at_its_segment(family, old, new, rule, seg_id, loop, element,
                                             registry, tmp_path: Path) -> None:
    segs = replace(segments(), old, new)
    path = write(tmp_path, segs)
    result = validate_paths([path], registry=registry, today=TODAY, selection=CLEAN)
    found = [d for d in result.diagnostics if d.rule == rule]
    assert found, (rule, [(d.rule, d.message) for d in result.diagnostics])
    d = found[0]
    loc = d.location
    assert loc.file == str(path) and loc.claim_id == "PT0001-20240110"
    assert (loc.segment_id, loc.loop, loc.element) == (seg_id, loop, element), loc
    # The segment index names the very segment in the file (1-based).
    target = new if new is not None and new.startswith(seg_id + "*") else None
    if target is not None:
        assert loc.segment_index == index_of(segs, target)
    else:
        assert segs[loc.segment_index - 1].startswith(seg_id + "*")
    # One defect, one finding: no other rule reports anything on the variant.
    assert {x.rule for x in result.diagnostics} == {rule}, [(x.rule, x.message) for x in result.diagnostics]


def test_unknown_payer_gets_payer_independent_rules_only(registry, tmp_path: Path) -> None:
    """A practice whose payers do not include EHP01: payer rules stay silent, others run."""
    from claimkit.config import PayerConfig

    class Practice:
        validate_ = None

        def find_payer(self, key, payer_id):
            return {"OTHER": PayerConfig(name="OTHER", payer_id="OTHER", timely_filing_days=1)}.get(payer_id)

    segs = replace(segments(), SV1_1, "SV1*HC:97110*120*UN*2***1:2")
    path = write(tmp_path, segs)
    result = validate_paths([path], practice=Practice(), registry=registry, today=date(2025, 6, 1))
    rules = {d.rule for d in result.diagnostics}
    assert "CK-T007" in rules and "CK-A003" not in rules


def test_selection_applies_to_x12_input(registry, tmp_path: Path) -> None:
    segs = replace(segments(), SV1_1, "SV1*HC:97110:GP*120*UN*2***1:4")
    path = write(tmp_path, segs)
    result = validate_paths([path], registry=registry, today=TODAY,
                            selection=Selection(ignore=frozenset({"dx.pointer-out-of-range", "CK-C011"})))
    assert "CK-D001" not in {d.rule for d in result.diagnostics}


def test_keep_claims_groups_findings_per_claim(registry, tmp_path: Path) -> None:
    segs = replace(segments(), SV1_1, "SV1*HC:97110:GP*120*UN*2***1:4")
    path = write(tmp_path, segs)
    result = validate_paths([path], registry=registry, today=TODAY, keep_claims=True, selection=CLEAN)
    assert [c.claim.claim_id for c in result.claims] == ["PT0001-20240110", "PT0002-20240111"]
    assert {d.rule for d in result.claims[0].diagnostics} == {"CK-D001"}
    assert result.claims[1].diagnostics == []


def test_interchange_info_is_kept_for_acknowledgments(registry) -> None:
    result = validate_paths([REF], registry=registry, today=TODAY, selection=CLEAN)
    [ix] = result.files[0].interchanges
    assert "000000101" in repr(ix)  # ISA13 of the reference, for the 999's envelope
