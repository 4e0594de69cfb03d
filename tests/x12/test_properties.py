"""Any bytes in: findings or InputError, never another exception (hypothesis)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.errors import InputError
from claimkit.rules.engine import Context
from claimkit.rules.scan.parser import scan_837
from claimkit.x12.origin import ParsedClaim
from claimkit.x12.reader import SegmentReader, read_segments

REF = (Path(__file__).resolve().parent / "cases" / "reference.x12").read_text()
SEGS = [s.strip() for s in REF.split("~") if s.strip()]
CTX = Context(registry=None, today=dt.date(2024, 2, 1))
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _consume(data) -> None:
    try:
        out = list(scan_837(data, ctx=CTX, file="h.x12"))
    except InputError:
        return
    for x in out:
        if isinstance(x, ParsedClaim):
            x.origin.locate(1, "pointers")
            x.origin.locate(None, "diagnoses[2]")
            assert x.claim.claim_id is not None
        else:
            assert x.rule.startswith("CK-") and x.location.file == "h.x12"
    try:
        list(read_segments(data))
    except InputError:
        pass


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _consume(data)


@SETTINGS
@given(st.binary(max_size=200), st.integers(0, len(REF)))
def test_reference_with_random_bytes_spliced_in(junk: bytes, at: int) -> None:
    raw = REF.encode()
    _consume(raw[:at] + junk + raw[at:])


@SETTINGS
@given(st.integers(0, len(REF)))
def test_truncated(at: int) -> None:
    _consume(REF[:at])


@SETTINGS
@given(st.permutations(SEGS[3:-3]), st.sampled_from(["~", "~\n", "\n", "~\r\n"]))
def test_reordered_segments(middle, term) -> None:
    segs = SEGS[:3] + list(middle) + SEGS[-3:]
    _consume(term.join(segs) + term)


@SETTINGS
@given(st.lists(st.sampled_from(SEGS), max_size=80), st.lists(st.sampled_from(
    ["", "*", ":", "~", "^", "ISA", "\n", "\x00", "9" * 20, "HL*1**23*1", "LX*0",
     "SV1*HC:::::::::*X*UN*1.5***9:9:9:9:9:9", "CLM", "NM1*82*1", "HI*ABK", "SE*1", "GE", "IEA*"]),
    max_size=20), st.randoms(use_true_random=False))
def test_segment_soup(segs, extras, rnd) -> None:
    pool = list(segs) + list(extras)
    rnd.shuffle(pool)
    _consume("~".join([SEGS[0], *pool]) + "~")


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_with_isa_prefix(text: str) -> None:
    _consume(SEGS[0] + "~" + text)
    reader = SegmentReader([SEGS[0] + "~", text])
    list(reader)
