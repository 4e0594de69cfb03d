"""SNIP 1 rules for the envelopes: control numbers and counts that must match (ISA13/IEA02,
GS06/GE02, ST02/SE02, SE01, GE01, IEA01) and envelopes that must be closed.

Fed by the streaming scan; each finding carries the 999 (``ik5_code``, ``ak9_code``) or TA1
(``ta1_code``) code a receiver would answer with.
"""
from __future__ import annotations

from typing import Any, Iterator

from claimkit.rules.engine import Hit, rule
from claimkit.rules.x12_common import on


@rule("CK-X008", "x12.interchange-control-mismatch", level=1, scope="x12")
@on("IEA")
def interchange_control(ev: Any, ctx: Any) -> Iterator[Hit]:
    """IEA02 does not repeat the ISA13 interchange control number.

    Why: the trailer must close the interchange it opened; a mismatch means a truncated or
    spliced file and the receiver rejects the interchange (TA1 code 001).
    Fix: write ISA13 into IEA02 (same 9 digits).
    Reference: X12.5 IEA segment.
    """
    if ev.ix is not None and ev.seg.el(2) != ev.ix.control:
        yield ev.hit(f"IEA02 {ev.seg.el(2)!r} does not match ISA13 {ev.ix.control!r}", pos=2,
                     ta1_code="001")


@rule("CK-X009", "x12.group-control-mismatch", level=1, scope="x12")
@on("GE")
def group_control(ev: Any, ctx: Any) -> Iterator[Hit]:
    """GE02 does not repeat the GS06 group control number.

    Why: the functional group trailer must close the group it opened (999 AK905 code 4).
    Fix: write GS06 into GE02.
    Reference: X12.6 GE segment; 005010X231A1 AK9.
    """
    if ev.grp is not None and ev.seg.el(2) != ev.grp.control:
        yield ev.hit(f"GE02 {ev.seg.el(2)!r} does not match GS06 {ev.grp.control!r}", pos=2,
                     ak9_code="4", gs_control=ev.grp.control)


@rule("CK-X010", "x12.transaction-control-mismatch", level=1, scope="x12")
@on("SE")
def transaction_control(ev: Any, ctx: Any) -> Iterator[Hit]:
    """SE02 does not repeat the ST02 transaction set control number.

    Why: the trailer must close the transaction set it opened (999 IK502 code 3).
    Fix: write ST02 into SE02.
    Reference: X12.6 SE segment; 005010X231A1 IK5.
    """
    if ev.tx is not None and ev.seg.el(2) != ev.tx.info.st_control:
        yield ev.hit(f"SE02 {ev.seg.el(2)!r} does not match ST02 {ev.tx.info.st_control!r}",
                     pos=2, ik5_code="3")


@rule("CK-X011", "x12.segment-count", level=1, scope="x12")
@on("SE")
def segment_count(ev: Any, ctx: Any) -> Iterator[Hit]:
    """SE01 is not the number of segments from ST to SE inclusive.

    Why: the count proves the transaction set arrived whole (999 IK502 code 4).
    Fix: count every segment of the transaction set, ST and SE included, into SE01.
    Reference: X12.6 SE segment; 005010X231A1 IK5.
    """
    if ev.tx is not None:
        want = str(ev.tx.count)
        if ev.seg.el(1) != want:
            yield ev.hit(f"SE01 says {ev.seg.el(1)!r} segments; the transaction set has {want}",
                         pos=1, ik5_code="4", counted=ev.tx.count)


@rule("CK-X012", "x12.transaction-count", level=1, scope="x12")
@on("GE")
def transaction_count(ev: Any, ctx: Any) -> Iterator[Hit]:
    """GE01 is not the number of transaction sets in the functional group.

    Why: the count proves the group arrived whole (999 AK905 code 5).
    Fix: count the ST segments of the group into GE01.
    Reference: X12.6 GE segment; 005010X231A1 AK9.
    """
    if ev.grp is not None:
        want = str(len(ev.grp.transactions))
        if ev.seg.el(1) != want:
            yield ev.hit(f"GE01 says {ev.seg.el(1)!r} transaction sets; the group has {want}",
                         pos=1, ak9_code="5", gs_control=ev.grp.control)


@rule("CK-X013", "x12.group-count", level=1, scope="x12")
@on("IEA")
def group_count(ev: Any, ctx: Any) -> Iterator[Hit]:
    """IEA01 is not the number of functional groups in the interchange.

    Why: the count proves the interchange arrived whole (TA1 code 021).
    Fix: count the GS segments of the interchange into IEA01.
    Reference: X12.5 IEA segment.
    """
    if ev.ix is not None:
        want = str(len(ev.ix.groups))
        if ev.seg.el(1) != want:
            yield ev.hit(f"IEA01 says {ev.seg.el(1)!r} functional groups; the interchange has "
                         f"{want}", pos=1, ta1_code="021")


_TRAILER = {"SE": ("ST", {"ik5_code": "2"}), "GE": ("GS", {"ak9_code": "3"}),
            "IEA": ("ISA", {"ta1_code": "023"})}


@rule("CK-X014", "x12.envelope-structure", level=1, scope="x12")
@on("missing", "SE", "GE", "IEA", "GS", "ST")
def envelope_structure(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An envelope is not closed, or a header or trailer is outside the envelope containing it.

    Checked: ST without SE, GS without GE, ISA without IEA; SE, GE, IEA, GS or ST with no
    open envelope around it.

    Why: the envelopes nest ISA > GS > ST; a missing trailer means a truncated file and the
    receiver rejects that unit (999 IK502 code 2, AK905 code 3).
    Fix: close every ST with SE, every GS with GE, every ISA with IEA, in that nesting.
    Reference: X12.5 and X12.6 control structures.
    """
    sid = ev.seg.id if ev.seg is not None else ""
    if ev.missing:
        header, codes = _TRAILER[ev.missing]
        where = ("at end of data" if ev.at_end or ev.seg is None
                 else f"before segment {ev.seg.index} ({sid})")
        yield ev.hit(f"{header} has no {ev.missing} trailer ({where})", **codes)
        ev.missing = None
        return
    parent = {"SE": ev.tx, "GE": ev.grp, "IEA": ev.ix, "GS": ev.ix, "ST": ev.grp}[sid]
    if parent is None:
        need = {"SE": "ST", "GE": "GS", "IEA": "ISA", "GS": "ISA", "ST": "GS"}[sid]
        yield ev.hit(f"{sid} without an open {need}", loop=None)
