"""The quick check (x12/quickcheck.py) may say "clean" only when the element check finds nothing.

It lets the scan skip the element table walk, so a wrong "clean" would lose findings: every
segment of the reference, and thousands of mutations of them, are checked both ways.
"""
from __future__ import annotations

import random

import pytest

from claimkit.rules.x12_common import check_elements
from claimkit.x12.quickcheck import is_clean
from claimkit.x12.reader import Segment


class _Event:
    """What check_elements reads from the scan."""

    def __init__(self, seg: Segment, loop: str | None) -> None:
        self.seg, self.loop = seg, loop

    def hit(self, message: str, **kw: object) -> str:
        return message

    def show(self, value: str, loop: str | None = None) -> str:
        return repr(value)


@pytest.fixture(scope="module")
def placed(reference_text) -> list[tuple[Segment, str | None]]:
    """(segment, loop) of every segment of the reference, as the scan placed them."""
    import datetime as dt

    from claimkit.rules.engine import Context
    from claimkit.rules.scan.parser import Scan

    seen: list[tuple[Segment, str | None]] = []

    class Recording(Scan):
        def _place(self, seg: Segment, sid: str) -> None:
            super()._place(seg, sid)
            seen.append((seg, self.loop))

    ctx = Context(registry=None, today=dt.date(2024, 2, 1))
    list(Recording(reference_text, file=None, ctx=ctx))
    return seen


def _mutations(seg: Segment, rnd: random.Random, n: int) -> list[Segment]:
    chars = "0123456789ABCDFHKXZ.-: \x01\xe9" + seg.delimiters.element + seg.delimiters.component
    out = []
    for _ in range(n):
        raw = list(seg.raw)
        for _ in range(rnd.randrange(1, 3)):
            i = rnd.randrange(len(raw) + 1)
            k = rnd.randrange(3)
            if k == 0 and len(raw) > 3:
                del raw[min(i, len(raw) - 1)]
            elif k == 1:
                raw.insert(i, rnd.choice(chars))
            elif raw:
                raw[min(i, len(raw) - 1)] = rnd.choice(chars)
        text = "".join(raw)
        parts = text.split(seg.delimiters.element)
        if parts[0]:
            out.append(Segment(parts[0], parts[1:], seg.index, seg.delimiters, text))
    return out


def test_clean_reference_segments_take_the_quick_path(placed) -> None:
    quick = {seg.id for seg, loop in placed if is_clean(seg, loop)}
    assert {"NM1", "N3", "N4", "DMG", "CLM", "HI", "SV1", "DTP", "LX", "HL", "SBR"} <= quick


def test_quick_clean_implies_no_element_finding(placed) -> None:
    rnd = random.Random(837)
    checked = quick = 0
    for seg, loop in placed:
        for s in [seg, *_mutations(seg, rnd, 150)]:
            checked += 1
            if is_clean(s, loop):
                quick += 1
                assert check_elements(_Event(s, loop)) == [], (loop, s.raw)
    assert checked > 5000 and quick > 500
