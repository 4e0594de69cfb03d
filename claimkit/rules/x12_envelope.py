"""SNIP 1 rules for the envelopes: control numbers and counts that must match (ISA13/IEA02,
GS06/GE02, ST02/SE02, SE01, GE01, IEA01), envelopes that must be closed, and envelope abuse:
content after the last IEA, empty segments, empty envelopes, repeated ISA13 and CLM01.

Fed by the streaming scan; each finding carries the 999 (``ik5_code``, ``ak9_code``) or TA1
(``ta1_code``) code a receiver would answer with.
"""
from __future__ import annotations

import weakref
from array import array
from bisect import bisect_left
from typing import Any, Iterator

from claimkit.diagnostics import Location
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


# -- envelope abuse (issue 13): what a hostile or damaged file hides around its interchanges --

class _FileState:
    """What the envelope rules remember across segments of one scan: a hash per interchange
    (ISA13) and, for the open transaction set, 16 bytes per claim (CLM01 hashes, sorted, and
    where each was first seen), so the scan's memory stays flat as claims grow."""

    __slots__ = ("isa13", "empty_ix", "tx_start", "clm_hash", "clm_at", "__weakref__")

    def __init__(self) -> None:
        self.isa13: dict[int, int] = {}
        self.empty_ix = 0
        self.tx_start: int | None = None
        self.clm_hash = array("q")
        self.clm_at = array("q")


_STATE: "weakref.WeakKeyDictionary[Any, _FileState]" = weakref.WeakKeyDictionary()
MAX_EMPTY_REPORTED = 20  # envelopes without content: the first ones, then a last word


def _state(ev: Any) -> _FileState:
    st = _STATE.get(ev)
    if st is None:
        st = _STATE[ev] = _FileState()
    return st


def _at(ev: Any, index: int | None) -> Location:
    return Location(file=ev.file, segment_index=index or None)


@rule("CK-X024", "x12.content-after-interchange", level=1, scope="x12")
@on("note")
def content_after_interchange(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Segments or other text follow the last IEA of the file.

    Why: an interchange ends with its IEA (X12.5); nothing may follow the last one. Text there
    is often the rest of a second interchange whose ISA was lost, or data appended by a broken
    transfer: it is not read, so claims in it would silently go unbilled, and translators
    reject the file (TA1 code 022, invalid control structure). CK-X017 also notes the text as
    stray; this rule makes it an error because it ends the file.
    Fix: remove what follows the last IEA, or restore the ISA..IEA envelope it belongs to.
    Reference: X12.5 interchange control structure (ISA..IEA); TA1 TA105 code 022.
    """
    note = ev.note
    if (ev.kind == "note" and note is not None and note.kind == "junk" and ev.at_end
            and ev.ix is None and ev.interchanges):
        yield Hit(f"{len(note.text)}+ characters after the last IEA (segment {note.after}); "
                  "nothing may follow the interchange trailer", location=_at(ev, note.after),
                  values={"ta1_code": "022"})


@rule("CK-X025", "x12.empty-segment", level=1, scope="x12")
@on("note")
def empty_segment(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An empty segment: two segment terminators with nothing between them (``~~``).

    Why: every segment starts with its segment ID (X12.6); an empty one is not a segment, and
    receivers either reject the interchange or count segments differently from the sender
    (SE01). Thousands of them are a way to hide content from a reviewer. claimkit reads past
    them; only the first of a file is reported.
    Fix: remove the doubled terminators (often an editor or a concatenation left them).
    Reference: X12.6 segment structure (segment ID, then elements); TA1 TA105 code 024.
    """
    note = ev.note
    if ev.kind == "note" and note is not None and note.kind == "empty":
        yield Hit(f"an empty segment (two segment terminators in a row) after segment "
                  f"{note.after}; only the first of the file is reported",
                  location=_at(ev, note.after), values={"ta1_code": "024"})


@rule("CK-X026", "x12.empty-envelope", level=1, scope="x12")
@on("IEA", "GE")
def empty_envelope(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An interchange holds no functional group, or a functional group no transaction set.

    Why: an 837P travels as a transaction set inside a GS/GE functional group inside an
    ISA/IEA interchange (005010X222A1 section 1.4 and appendix C); an envelope with nothing in
    it bills nothing, and a file of a million of them would otherwise pass with exit 0 and an
    acknowledgment of nothing. Only the first few of a file are listed.
    Fix: send only envelopes that carry claims; drop the empty ones.
    Reference: X12.5 and X12.6 control structures; 005010X222A1 appendix C (envelopes);
    TA1 TA105 code 024 (invalid interchange content).
    """
    sid = ev.seg.id
    if sid == "IEA":
        empty = ev.ix is not None and not ev.ix.groups
        what = "interchange has no functional group (GS..GE)"
    else:
        empty = ev.grp is not None and not ev.grp.transactions
        what = "functional group has no transaction set (ST..SE)"
    if not empty:
        return
    st = _state(ev)
    st.empty_ix += 1
    if st.empty_ix <= MAX_EMPTY_REPORTED:
        more = ("; further empty envelopes of this file are not listed"
                if st.empty_ix == MAX_EMPTY_REPORTED else "")
        yield ev.hit(f"the {what}{more}", loop=None, ta1_code="024")


@rule("CK-X027", "x12.duplicate-interchange-control", level=1, scope="x12")
@on("ISA")
def duplicate_interchange_control(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Two interchanges of one file from the same sender carry the same ISA13.

    Why: the interchange control number identifies an interchange for its sender; receivers
    use it to detect duplicates and reject the second one (TA1 code 025) or, worse, drop it
    as already processed: its claims are never adjudicated.
    Fix: give every interchange its own ISA13 (``--control-file`` hands out numbers that are
    never reused).
    Reference: X12.5 ISA13 (Interchange Control Number); TA1 TA105 code 025 (duplicate
    interchange control number).
    """
    ix = ev.ix
    if ix is None:
        return
    key = hash((ix.sender_qualifier, ix.sender_id, ix.control))
    st = _state(ev)
    first = st.isa13.get(key)
    if first is not None:
        yield ev.hit(f"ISA13 {ix.control!r} from sender {ix.sender_id!r} was already used by the "
                     f"interchange at segment {first}", pos=13, loop=None, ta1_code="025")
    else:
        st.isa13[key] = ev.seg.index


@rule("CK-X028", "x12.duplicate-claim-id", severity="warning", level=1, scope="x12")
@on("CLM", state=True)  # remembers every CLM01 of the set: also fed the parts others report
def duplicate_claim_id(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Two claims of one transaction set carry the same patient control number (CLM01).

    Why: CLM01 is the submitter's key for the claim: the payer echoes it in the 277CA and the
    835, so two claims with one CLM01 cannot be told apart when they are acknowledged or paid,
    and payers' duplicate-claim edits may deny the second. A warning, not an error: the TR3
    lets CLM01 be a patient account number, which two claims of a patient may share.
    Checked within each transaction set (the unit a parallel run splits a file into).
    Fix: give each claim its own CLM01 (claimkit uses the session ID: one per session).
    Reference: 005010X222A1 2300 CLM01 (Patient Control Number) note; 005010X214 277CA and
    005010X221A1 835 CLP01 (echoed value).
    """
    tx = ev.tx
    if tx is None:
        return
    st = _state(ev)
    if st.tx_start != tx.start:
        st.tx_start, st.clm_hash, st.clm_at = tx.start, array("q"), array("q")
    cid = ev.seg.el(1)
    if not cid:
        return
    h = hash(cid)
    i = bisect_left(st.clm_hash, h)
    if i < len(st.clm_hash) and st.clm_hash[i] == h:
        yield ev.hit(f"CLM01 {cid!r} is also the patient control number of the claim at segment "
                     f"{st.clm_at[i]}", pos=1)
    else:
        st.clm_hash.insert(i, h)
        st.clm_at.insert(i, ev.seg.index)
