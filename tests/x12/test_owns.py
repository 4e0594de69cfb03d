"""scan_837(share=..., envelope=...): scans that split a file between them (whole transaction
sets, or parts of one cut at a subscriber loop) report, together, exactly what one plain scan
reports (the parallel validation contract)."""
from __future__ import annotations

import pytest


def _st(body: list[str], control: str, *, se_count: int | None = None,
        se: bool = True) -> list[str]:
    """The reference ST..SE with another control number (SE01 recounted unless given)."""
    segs = [s.replace("*0001", f"*{control}") if s.startswith(("ST*", "SE*")) else s
            for s in body]
    if not se:
        return segs[:-1]
    n = len(segs) if se_count is None else se_count
    return segs[:-1] + [f"SE*{n}*{control}"]


def _defective_file(ref: list[str]) -> str:
    """Three interchanges, four groups, seven transaction sets; defects inside several
    transaction sets and in the envelopes and between them."""
    isa, gs, body = ref[0], ref[1], ref[2:56]
    bad_npi = [s.replace("1234567893", "1234567890") for s in body]  # CK-G010 in 2010AA
    bad_units = [s.replace("SV1*HC:97110:GP*120*UN*2", "SV1*HC:97110:GP*120*UN*2.5", 1)
                 for s in body]  # CK-G013
    unknown = body[:30] + ["ZZZ*1"] + body[30:]  # CK-X003 + SE01 off by one
    no_claim_lines = [s for s in body if not s.startswith(("LX*", "SV1*", "DTP*472"))]
    gs2 = gs.replace("*101*", "*102*").replace("GS*HC*", "GS*HX*")  # CK-X015 on GS01
    return "~\n".join([
        isa, gs,
        *_st(body, "0001"),
        *_st(bad_npi, "0002"),
        "GE*2*101",
        gs2,
        *_st(unknown, "0003", se_count=54),
        *_st(bad_units, "0004", se=False),  # runs into the next ST: no SE trailer
        *_st(no_claim_lines, "0005"),
        "NTE*ADD*OUTSIDE",  # a segment outside any transaction set
        "GE*3*999",  # control number mismatch
        "IEA*2*000000101",
    ]) + "~\nnot x12 at all\n" + "~\n".join([
        isa.replace("000000101", "000000102"), gs,
        *_st(body, "0006"),
        "GE*2*101",  # wrong count
        "IEA*1*000000102",
        isa.replace("000000101", "000000103"), gs.replace("*101*", "*103*"),
        *_st(bad_npi, "0007"),
        "GE*1*103",  # and no IEA: missing at end of data
    ]) + "~\n"


def _key(d):
    return (d.location.segment_index or 0, repr(d))


def _claim_key(pc):
    return pc.origin.locate(None, "claim_id").segment_index


def _infos(s):
    return [t for ix in s.interchanges for g in ix.groups for t in g.transactions]


@pytest.fixture()
def defective(ref_segments) -> str:
    return _defective_file(ref_segments)


@pytest.fixture(params=["whole", "truncated"])
def variants(request, defective) -> str:
    """The defective file, and the same cut inside its last transaction set: the missing GE and
    IEA are then reported at its last segment, by the scan that owns it."""
    if request.param == "whole":
        return defective
    return defective[:defective.rindex("SV1*")]


def test_the_file_has_defects_inside_and_outside_transaction_sets(scan, defective) -> None:
    diags, claims, s = scan(defective)
    rules = {d.rule for d in diags}
    assert {"CK-G010", "CK-G013", "CK-X003", "CK-X011", "CK-X014", "CK-X015", "CK-X004",
            "CK-X009", "CK-X012", "CK-X017", "CK-G001"} <= rules
    assert len(_infos(s)) == 7 and len(claims) == 14


FAR = 1 << 62
NOTHING = ((FAR, 0), (FAR, 0))  # a share past every position: the envelope at most
SPLITS = {  # contiguous shares of (ST ordinal, 2000B ordinal) positions
    2: [(0, 0), (3, 0)],
    3: [(0, 0), (2, 0), (4, 1)],  # (4, 1): a cut at ST 4's second subscriber, if it has one
    4: [(0, 0), (0, 1), (5, 0), (6, 1)],
}


def _shares(split: int) -> list[tuple]:
    cuts = SPLITS[split] + [(FAR, 0)]
    return [(cuts[i], cuts[i + 1]) for i in range(split)]


@pytest.mark.parametrize("envelope_by", ["first", "last"])
@pytest.mark.parametrize("split", [2, 3, 4])
def test_split_scans_add_up_to_one_scan(scan, variants, split, envelope_by) -> None:
    """E.g. sets 0-2 with the envelope, plus sets 3-6 without it."""
    defective = variants
    diags, claims, whole = scan(defective)
    env = 0 if envelope_by == "first" else split - 1
    parts = [scan(defective, share=share, envelope=i == env)
             for i, share in enumerate(_shares(split))]
    got = sorted((d for p in parts for d in p[0]), key=_key)
    assert got == sorted(diags, key=_key)
    got_claims = sorted((pc for p in parts for pc in p[1]), key=_claim_key)
    assert [pc.claim for pc in got_claims] == [pc.claim for pc in claims]
    assert [_claim_key(pc) for pc in got_claims] == [_claim_key(pc) for pc in claims]
    want = _infos(whole)
    for _, _, s in parts:
        infos = _infos(s)
        # every transaction set is recorded by every scan, with its control number and size
        assert [(t.st_control, t.start_index, t.segment_count, t.closed) for t in infos] == [
            (t.st_control, t.start_index, t.segment_count, t.closed) for t in want]
        assert [(ix.control, ix.closed, [(g.control, g.closed) for g in ix.groups])
                for ix in s.interchanges] == [
            (ix.control, ix.closed, [(g.control, g.closed) for g in ix.groups])
            for ix in whole.interchanges]
    for k, w in enumerate(want):  # the 999 counts of each set add up over the shares
        assert (sum(_infos(p[2])[k].findings for p in parts),
                sum(_infos(p[2])[k].errors for p in parts)) == (w.findings, w.errors)
    assert any(w.findings for w in want)


def test_nothing_shared_leaves_only_envelope_findings(scan, defective) -> None:
    diags, claims, s = scan(defective, share=NOTHING)
    assert claims == []
    assert {d.rule for d in diags} == {"CK-X004", "CK-X009", "CK-X012", "CK-X014", "CK-X015",
                                       "CK-X017"}
    assert all("st_control" not in dict(d.values) for d in diags)
    starts = [(t.start_index, t.start_index + t.segment_count) for t in _infos(s)]
    for d in diags:  # none of them inside a transaction set
        i = d.location.segment_index
        assert not any(a <= i < b for a, b in starts), d


def test_envelope_off_keeps_only_transaction_set_findings(scan, defective) -> None:
    diags, _, _ = scan(defective)
    inside, _, _ = scan(defective, envelope=False)
    outside, none, _ = scan(defective, share=NOTHING)
    assert none == [] and sorted(inside + outside, key=_key) == sorted(diags, key=_key)
    assert inside and all("st_control" in dict(d.values) for d in inside)


def test_default_is_the_plain_scan(scan, defective) -> None:
    a = scan(defective)
    b = scan(defective, share=None, envelope=True)
    assert a[0] == b[0] and [pc.claim for pc in a[1]] == [pc.claim for pc in b[1]]
