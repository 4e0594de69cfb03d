"""pyx12 as an independent oracle: where it checks the same thing, it agrees with us.

Variants of the reference that we call clean, pyx12 accepts; failing cases of rules pyx12 also
checks, it rejects with the same 999 error code (IK3/IK4/IK5/AK9) that our finding carries.
"""
from __future__ import annotations

from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"


def _codes(errors: list[str]) -> set[tuple[str, str]]:
    out = set()
    for e in errors:
        p = e.split("*")
        if p[0] == "IK3" and len(p) > 4:
            out.add(("ik3_code", p[4]))
        elif p[0] == "IK4" and len(p) > 3:
            out.add(("ik4_code", p[3]))
        elif p[0] == "IK5" and len(p) > 2 and p[2] != "5":
            out.add(("ik5_code", p[2]))
        elif p[0] == "AK9" and len(p) > 5:
            out.update(("ak9_code", c) for c in p[5:])
    return out


@pytest.mark.parametrize("variant", ["crlf", "one-line", "pipes", "two-groups"])
def test_clean_variants_are_clean_for_pyx12_too(variant, tmp_path, ref_segments, scan, pyx12_check):
    if variant == "crlf":
        text = "~\r\n".join(ref_segments) + "~\r\n"
    elif variant == "one-line":
        text = "~".join(ref_segments) + "~"
    elif variant == "pipes":
        conv = str.maketrans({"*": "|", ":": ">"})
        text = "!\n".join(s.translate(conv) for s in ref_segments) + "!\n"
    else:
        st = ref_segments[2:56]
        st2 = [s.replace("*0001", "*0002") if s.startswith(("ST*", "SE*")) else s for s in st]
        text = "~\n".join([ref_segments[0], ref_segments[1], *st, *st2, "GE*2*101",
                           "IEA*1*000000101"]) + "~\n"
    p = tmp_path / "v.x12"
    p.write_text(text)
    diags, claims, _ = scan(p)
    ok, errors = pyx12_check(p)
    assert diags == [] and claims
    assert ok and errors == []


AGREE = ["CK-G001", "CK-G003", "CK-G004", "CK-G005", "CK-X003", "CK-X006", "CK-X007", "CK-X009",
         "CK-X010", "CK-X011", "CK-X012", "CK-X018"]


@pytest.mark.parametrize("rule", AGREE)
def test_pyx12_rejects_with_the_same_code(rule, scan, pyx12_check) -> None:
    (path,) = sorted((CASES / rule).glob("fail_*.x12"))
    ok, errors = pyx12_check(path)
    assert not ok
    diags, _, _ = scan(path)
    ours = {(k, v) for d in diags if d.rule == rule for k, v in d.values
            if k in ("ik3_code", "ik4_code", "ik5_code", "ak9_code")}
    assert ours and ours <= _codes(errors), (ours, errors)


def test_reference_is_clean_for_both(reference_text, scan, pyx12_check) -> None:
    assert pyx12_check(CASES / "reference.x12") == (True, [])
    assert scan(reference_text)[0] == []


def test_where_pyx12_crashes_we_report(scan) -> None:
    """Five diagnosis pointers on a line make pyx12 raise IndexError; we report CK-X019."""
    import io
    import logging

    import pyx12.params
    import pyx12.x12n_document

    path = CASES / "CK-X019" / "fail_five-pointers_seg27.x12"
    logging.disable(logging.CRITICAL)
    try:
        with pytest.raises(IndexError):
            pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), io.StringIO(), None)
    finally:
        logging.disable(logging.NOTSET)
    assert "CK-X019" in {d.rule for d in scan(path)[0]}


def test_sv101_description_is_valid_for_both(scan, pyx12_check) -> None:
    """SV101-7 (description, situational for unlisted codes such as 97799) is part of C003."""
    path = CASES / "CK-X019" / "pass_sv101-7-description.x12"
    assert pyx12_check(path) == (True, [])
    diags, claims, _ = scan(path)
    assert [d.rule for d in diags] == []
    assert claims[0].claim.lines[0].description == "UNLISTED THERAPY SERVICE"


def test_sv101_eighth_component_is_rejected_by_both(scan, pyx12_check) -> None:
    path = CASES / "CK-X019" / "fail_sv101-8-components_seg27.x12"
    ok, errors = pyx12_check(path)
    assert not ok and any(e.startswith("IK4*1:8") for e in errors)
    hits = [d for d in scan(path)[0] if d.rule == "CK-X019"]
    assert [dict(d.values)["count"] for d in hits] == [8]


def test_sv101_description_longer_than_80_is_too_long(reference_text, scan, pyx12_check,
                                                      tmp_path) -> None:
    text = reference_text.replace("SV1*HC:97110:GP*120", "SV1*HC:97799:GP::::" + "A" * 81 + "*120")
    p = tmp_path / "long.x12"
    p.write_text(text)
    ok, errors = pyx12_check(p)
    assert not ok and any(e.startswith("IK4*1:7*352*5") for e in errors), errors
    hits = [dict(d.values) for d in scan(p)[0] if d.rule == "CK-G003"]
    assert [(v["element_position"], v["ik4_code"], v["length"]) for v in hits] == [(1, "5", 81)]


def test_ndc_of_a_drug_line_is_read_and_written_back(reference_text, scan, pyx12_check,
                                                     tmp_path) -> None:
    """2410 LIN*N4 (NDC) and CTP (quantity, unit) survive 837P -> claims -> 837P, valid for
    pyx12 both ways (CK-T014 cases: lines whose NDCs differ are not duplicates)."""
    from datetime import datetime

    from claimkit.claims_io import read_837_batch
    from claimkit.rules.engine import Context
    from claimkit.x12.writer import write_837

    drug = ("SV1*HC:J3301*40*UN*1***1~\nDTP*472*D8*20240110~\nLIN**N4*{ndc}~\nCTP****{q}*ML~")
    text = reference_text.replace(
        "SV1*HC:97110:GP*120*UN*2***1:2~\nDTP*472*D8*20240110~",
        drug.format(ndc="00003029305", q="1")).replace(
        "SV1*HC:97140:GP*55*UN*1***1:3~\nDTP*472*D8*20240110~",
        drug.format(ndc="00003029320", q="2.5")).replace("SE*54*", "SE*58*")
    text = text.replace("CLM*PT0001-20240110*305*", "CLM*PT0001-20240110*210*")
    src = tmp_path / "ndc.x12"
    src.write_text(text)
    assert pyx12_check(src) == (True, [])
    diags, claims, _ = scan(src)
    assert diags == []
    lines = claims[0].claim.lines
    assert [(ln.code, ln.ndc, ln.ndc_quantity, ln.ndc_unit) for ln in lines[:2]] == [
        ("J3301", "00003029305", 1, "ML"), ("J3301", "00003029320", 2.5, "ML")]
    parsed = read_837_batch(src, ctx=Context(registry=None, today=datetime(2024, 2, 1).date()))
    out = tmp_path / "out.x12"
    out.write_text(write_837(parsed.batch, isa_control=7, gs_control=7,
                             now=datetime(2024, 2, 1, 9, 0)))
    assert pyx12_check(out) == (True, [])
    assert "LIN**N4*00003029320~\nCTP****2.5*ML~" in out.read_text()
