"""999 (005010X231A1): accept for the reference 837P, reject with the right codes, pyx12 agrees."""
from __future__ import annotations

from datetime import datetime

import pytest

from claimkit.ack import build_999, read_interchanges
from claimkit.x12.reader import read_segments

NOW = datetime(2026, 11, 2, 8, 15)


def ids(text: str) -> list[list[str]]:
    return [[s.id, *s.elements] for s in read_segments(text.encode())]


def only(rows, sid):
    return [r for r in rows if r[0] == sid]


def ack_for(text: str, scan) -> str:
    _, diags, _ = scan(text)
    return build_999(read_interchanges(text.encode())[0], diags, control=5001, now=NOW)


def pyx12_ik(ack_text: str) -> dict[str, list[list[str]]]:
    rows = [s.strip().split("*") for s in ack_text.split("~") if s.strip()]
    return {k: [r for r in rows if r[0] == k] for k in ("IK3", "IK4", "IK5", "AK9")}


def test_reference_is_accepted(reference_x12, scan, pyx12_text) -> None:
    text = ack_for(reference_x12, scan)
    rows = ids(text)
    assert [r[0] for r in rows] == ["ISA", "GS", "ST", "AK1", "AK2", "IK5", "AK9", "SE", "GE", "IEA"]
    isa = rows[0]
    # route back: the 837's receiver answers its sender; usage follows the 837
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("ZZ", "ACMECLEARING", "ZZ", "CLAIMKITSUB")
    assert isa[13] == "000005001" and isa[15] == "T"
    assert only(rows, "GS")[0][1] == "FA" and only(rows, "GS")[0][8] == "005010X231A1"
    assert only(rows, "AK1")[0][1:] == ["HC", "101", "005010X222A1"]
    assert only(rows, "AK2")[0][1:] == ["837", "0001", "005010X222A1"]
    assert only(rows, "IK5")[0][1:] == ["A"]
    assert only(rows, "AK9")[0][1:] == ["A", "1", "1", "1"]
    assert only(rows, "SE")[0][1] == str(len(rows) - 4)  # ST..SE
    ok, _ = pyx12_text(text)
    assert ok


def test_wrong_se_count_is_rejected_with_ik5_4(reference_x12, scan, pyx12_text) -> None:
    bad = reference_x12.replace("SE*54*0001", "SE*53*0001")
    rows = ids(ack_for(bad, scan))
    assert only(rows, "IK5")[0][1:] == ["R", "4"]  # 4: number of included segments does not match
    assert only(rows, "AK9")[0][1:] == ["R", "1", "1", "0"]
    assert only(rows, "IK3") == []
    # pyx12, independently, answers the same file the same way
    _, theirs = pyx12_text(bad)
    assert pyx12_ik(theirs)["IK5"] == [["IK5", "R", "4"]]
    assert pyx12_text(ack_for(bad, scan))[0]


def test_missing_required_segment_is_rejected_with_ik3_3(reference_x12, scan, pyx12_text) -> None:
    lines = [ln for ln in reference_x12.splitlines() if not ln.startswith("BHT")]
    bad = "\n".join(lines).replace("SE*54*0001", "SE*53*0001") + "\n"
    text = ack_for(bad, scan)
    rows = ids(text)
    ik3 = [r for r in only(rows, "IK3") if r[1] == "BHT"]
    assert ik3 and ik3[0][4] == "3"  # 3: required segment missing
    ik5 = only(rows, "IK5")[0]
    assert ik5[1] == "R" and "5" in ik5[2:]  # 5: one or more segments in error
    _, theirs = pyx12_text(bad)
    assert any(r[1] == "BHT" and r[4] == "3" for r in pyx12_ik(theirs)["IK3"])
    assert pyx12_ik(theirs)["IK5"][0][1] == "R"
    assert pyx12_text(text)[0]


@pytest.mark.parametrize("drop, want", [
    ("NM1*PR", ["IK3", "NM1", "19", "2010", "3"]),  # 2010BB: expected before the claim (CLM)
    ("NM1*IL", ["IK3", "NM1", "18", "2010", "3"]),  # 2010BA: expected before 2010BB
])
def test_missing_loop_is_named_by_its_trigger_segment(drop, want, reference_x12, scan,
                                                      pyx12_text) -> None:
    """IK301 is a segment ID (AN 2-3), IK303 the loop (AN 1-4): a missing 2010BB loop is its
    NM1, at the position where it was expected, as pyx12 reports it too."""
    lines = reference_x12.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith(drop))
    bad = "\n".join(lines[:i] + lines[i + 1:]).replace("SE*54*0001", "SE*53*0001") + "\n"
    text = ack_for(bad, scan)
    assert want in only(ids(text), "IK3")
    _, theirs = pyx12_text(bad)
    assert want[1:3] in [x[1:3] for x in pyx12_ik(theirs)["IK3"] if x[4] == "3"]
    assert pyx12_text(text)[0], text


def test_missing_last_loop_is_expected_before_the_closing_segment(reference_x12, scan,
                                                                   pyx12_text) -> None:
    """A claim without lines (no 2400) closes at SE: the LX was expected there."""
    lines = reference_x12.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("CLM*PT0002"))
    se = next(i for i, ln in enumerate(lines) if ln.startswith("SE*"))
    kept = lines[:start + 2] + lines[se:]  # ..., CLM, HI, SE (ST is line 2, position 1)
    se_at = start + 2
    bad = "\n".join(kept).replace("SE*54*0001", f"SE*{se_at - 1}*0001") + "\n"
    text = ack_for(bad, scan)
    ik3 = [r for r in only(ids(text), "IK3") if r[4] == "3"]
    assert ik3 == [["IK3", "LX", str(se_at - 1), "2400", "3"]], text
    assert pyx12_text(text)[0], text


def test_element_errors_give_ik3_8_and_ik4(reference_x12, scan, pyx12_text) -> None:
    bad = reference_x12.replace("DMG*D8*19800315*M", "DMG*D8*19801315*M")
    text = ack_for(bad, scan)
    rows = ids(text)
    assert only(rows, "IK3") == [["IK3", "DMG", "18", "2010", "8"]]
    assert only(rows, "IK4") == [["IK4", "2", "", "8"]]  # DMG-02, 8: invalid date
    _, theirs = pyx12_text(bad)
    assert [r[:3] + r[4:5] for r in pyx12_ik(theirs)["IK3"]] == [["IK3", "DMG", "18", "8"]]
    assert pyx12_ik(theirs)["IK4"][0][1] == "2" and pyx12_ik(theirs)["IK4"][0][3] == "8"
    assert pyx12_text(text)[0]


def test_two_transaction_sets_one_bad_is_partial(reference_x12, scan, pyx12_text) -> None:
    lines = reference_x12.splitlines()
    st = next(i for i, ln in enumerate(lines) if ln.startswith("ST*"))
    se = next(i for i, ln in enumerate(lines) if ln.startswith("SE*"))
    body = lines[st:se + 1]
    second = [ln.replace("0001", "0002") if ln.startswith(("ST*", "SE*")) else ln for ln in body]
    second = [ln.replace("SE*54", "SE*50") for ln in second]  # wrong count in the second only
    doc = lines[:se + 1] + second + [ln.replace("GE*1", "GE*2") for ln in lines[se + 1:]]
    text = ack_for("\n".join(doc) + "\n", scan)
    rows = ids(text)
    assert [r[1:3] for r in only(rows, "AK2")] == [["837", "0001"], ["837", "0002"]]
    assert [r[1:] for r in only(rows, "IK5")] == [["A"], ["R", "4"]]
    assert only(rows, "AK9")[0][1:] == ["P", "2", "2", "1"]
    assert pyx12_text(text)[0]


def test_reads_envelope_with_own_reader_too(reference_x12, scan) -> None:
    """read_interchanges (no rules) and the parser's interchange info give the same 999."""
    _, diags, interchanges = scan(reference_x12)
    mine = read_interchanges(reference_x12.encode())[0]
    assert build_999(mine, diags, control=9, now=NOW) == build_999(interchanges[0], diags, control=9, now=NOW)


def test_pyx12_is_a_real_oracle_for_999(reference_x12, scan, pyx12_text) -> None:
    """A 999 with a wrong AK9 code must fail pyx12, or the passes above would prove nothing."""
    good = ack_for(reference_x12, scan)
    assert pyx12_text(good)[0]
    assert not pyx12_text(good.replace("AK9*A*", "AK9*Q*"))[0]
    assert not pyx12_text(good.replace("IK5*A", "IK5*Z"))[0]


def test_component_error_gives_composite_ik401(reference_x12, scan, pyx12_text) -> None:
    """An SV1-01-2 problem (procedure code component) is reported as IK401 "1:2"."""
    from claimkit.diagnostics import Diagnostic, Location, Severity

    _, _, interchanges = scan(reference_x12)
    d = Diagnostic("CK-G003", Severity.ERROR, "SV1-01-2 too long", level=2,
                   location=Location(segment_index=28, segment_id="SV1", loop="2400", element="SV1-01-2"),
                   values=(("ts_position", 26), ("ik4_code", "5"), ("element_position", 1),
                           ("component_position", 2)))
    text = build_999(interchanges[0], [d], control=3, now=NOW)
    assert "IK3*SV1*26*2400*8~" in text and "IK4*1:2**5~" in text
    assert "IK5*R*5~" in text
    assert pyx12_text(text)[0]


def test_group_count_error_goes_to_ak9(reference_x12, scan, pyx12_text) -> None:
    bad = reference_x12.replace("GE*1*101", "GE*2*101")
    rows = ids(ack_for(bad, scan))
    assert only(rows, "IK5")[0][1:] == ["A"]  # the transaction set itself is fine
    # AK9: rejected; 2 declared by GE01, 1 received, 1 accepted; 5 = count mismatch
    assert only(rows, "AK9")[0][1:] == ["R", "2", "1", "1", "5"]
    _, theirs = pyx12_text(bad)
    assert pyx12_ik(theirs)["AK9"] == [["AK9", "R", "2", "1", "1", "5"]]


def test_warning_only_is_accepted_with_errors(reference_x12, scan, pyx12_text) -> None:
    from claimkit.diagnostics import Diagnostic, Location, Severity

    _, _, interchanges = scan(reference_x12)
    d = Diagnostic("CK-G013", Severity.WARNING, "SV1-04 has a fraction", level=2,
                   location=Location(segment_index=28, segment_id="SV1", loop="2400", element="SV1-04"),
                   values=(("ts_position", 26), ("ik4_code", "6"), ("element_position", 4)))
    text = build_999(interchanges[0], [d], control=4, now=NOW)
    rows = ids(text)
    assert only(rows, "IK5")[0][1:] == ["E", "5"] and only(rows, "AK9")[0][1:] == ["E", "1", "1", "1"]
    assert pyx12_text(text)[0]
