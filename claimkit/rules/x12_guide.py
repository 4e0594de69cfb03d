"""SNIP 2 rules: the 005010X222A1 implementation guide (required segments and elements, lengths,
fixed values, HL hierarchy, LX numbering, NPI check digit, billing ZIP+4, taxonomy format).

Fed segment by segment by the streaming scan; the structure they check against is the data in
:mod:`claimkit.x12.guide`. Content checks on the parsed claims (SNIP 3-7) live elsewhere.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterable, Iterator

from claimkit.rules.engine import Hit, rule
from claimkit.rules.x12_common import element_hits, on
from claimkit.x12.guide.tables import (
    HL_PARENT,
    MAX_LOOP,
    ORDER,
    QUALIFIED_LIMITS,
    REQUIRED,
    SEGMENT_LIMITS,
    SIBLING_ORDER,
    TRIGGER,
    qualifier,
)

_TAXONOMY = re.compile(r"^[0-9A-Z]{9}X$")


@rule("CK-G001", "x12.required-segment-missing", level=2, scope="x12")
@on("close", loops=REQUIRED)
def required_segment(ev: Any, ctx: Any) -> Iterable[Hit]:
    """A segment or loop the 837P requires is missing from its loop.

    Why: e.g. the billing provider (2010AA) needs its address (N3, N4) and tax ID (REF*EI or
    REF*SY), a claim (2300) needs its diagnoses (HI) and at least one service line (2400), and
    every line needs SV1 and its service date (DTP*472). Receivers reject the transaction set
    (999 IK304 code 3). A missing segment is reported at the first segment of the loop that
    lacks it; a missing loop by its trigger segment (e.g. NM1 for 2010BB, IK303 its loop) at
    the position where it was expected: the first later loop of the parent, or the segment
    that closed the parent.
    Fix: add the segment in its place in the loop.
    Reference: 005010X222A1 section 2.4, segment usage "Required".
    """
    rec = ev.closed
    counts = rec.segs  # segments and child loops alike (LoopRecord: one dict)
    hits: list[Hit] = []
    for alts, what, kind, missing in _REQUIRED.get(rec.id, ()):
        for key in alts:
            if counts.get(key):
                break
        else:
            if kind == "loop":
                hits.append(ev.hit(f"loop {rec.id} has no {what} {kind} (required)",
                                   seg=_expected_at(ev, rec, missing), loop=rec.id, ik3="3",
                                   missing=TRIGGER[missing], missing_loop=missing))
            else:
                hits.append(ev.hit(f"loop {rec.id} has no {what} {kind} (required)",
                                   seg=rec.seg, loop=rec.id, ik3="3", missing=missing))
    return hits


def _expected_at(ev: Any, rec: Any, loop: str) -> Any:
    """The segment before which the missing child ``loop`` of ``rec`` belonged: the first of
    the child loops that the TR3 orders after it, else the segment that closed ``rec``."""
    # the guide's order under this parent (2000C: 2010CA, then 2300); the header's loops are
    # not children of one loop in the guide, so they keep the guide's overall order
    rank = (lambda child: SIBLING_ORDER.get((rec.id, child), -1)) if (rec.id, loop) in SIBLING_ORDER \
        else (lambda child: ORDER.get(child, -1))
    order = rank(loop)
    later = [s for k, s in rec.segs.items() if k[0] == "@" and rank(k[1:]) > order]
    if later:
        return min(later, key=lambda s: s.index)
    seg = ev.seg
    return seg if seg is not None and seg.index > rec.seg.index else rec.seg


def _requirements(req: str) -> tuple[tuple[str, ...], str, str, str]:
    """Compile e.g. ``REF*EI|REF*SY`` or ``loop:2400``: alternatives, text, kind, missing ID."""
    alts = tuple(a[5:] if a.startswith("loop:") else a for a in req.split("|"))
    kind = "loop" if req.startswith("loop:") else "segment"
    return alts, " or ".join(alts), kind, alts[0] if kind == "loop" else alts[0].split("*")[0]


_REQUIRED = {loop: tuple(_requirements(r) for r in reqs) for loop, reqs in REQUIRED.items()}


@rule("CK-G002", "x12.required-element-missing", level=2, scope="x12")
@on("elements")
def required_element(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A required element (or component) is empty.

    Why: e.g. NM109 (the NPI) in 2010AA, CLM-05-3 (frequency code), SV1-07-1 (the first
    diagnosis pointer), SBR09 (claim filing indicator) are required; receivers reject the
    transaction set (999 IK403 code 1).
    Fix: fill the element; see the TR3 element detail of the segment named in the location.
    Reference: 005010X222A1 section 2.4, element usage "Required".
    """
    return element_hits(ev, "CK-G002")


@rule("CK-G003", "x12.element-length", level=2, scope="x12")
@on("elements")
def element_length(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An element is shorter or longer than the TR3 allows.

    Why: e.g. NM103 holds at most 60 characters, N403 3-15, CLM01 at most 38; too long or too
    short values are rejected (999 IK403 codes 4 and 5). Numbers count digits only.
    Fix: shorten or complete the value (abbreviate names, drop punctuation).
    Reference: 005010X222A1 section 2.4 element attributes (min/max); X12.6 section 3.
    """
    return element_hits(ev, "CK-G003")


@rule("CK-G004", "x12.invalid-code-value", level=2, scope="x12")
@on("elements")
def invalid_code(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An identifier element holds a value the TR3 does not list for it.

    Why: qualifiers select how the rest is read (NM108 XX = NPI, DMG01 D8, DTP02 D8/RD8,
    SV1-01-1 HC, CLM-05-2 B, HL03 20/22/23, the first HI qualifier ABK); an unlisted value is
    rejected (999 IK403 code 7).
    Fix: use one of the values the message lists.
    Reference: 005010X222A1 section 2.4, element code lists.
    """
    return element_hits(ev, "CK-G004")


@rule("CK-G005", "x12.max-use-exceeded", level=2, scope="x12")
@on("maxuse")
def max_use(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A segment or loop repeats more often than the TR3 allows.

    Why: e.g. one N3/N4/DMG per name loop, one SV1 per line, at most 50 service lines per claim
    (999 IK304 codes 5 and 4). Extra lines must go on another claim.
    Fix: remove the duplicate segment, or split a claim with more than 50 lines.
    Reference: 005010X222A1 section 2.3, "Max Use" and loop repeat counts.
    """
    sid = ev.seg.id
    cur = ev.cur
    if cur is None or cur.seg is None:
        return
    limit = SEGMENT_LIMITS.get(cur.id, {}).get(sid)
    if limit is not None and cur.segs.get(sid, 0) > limit and cur.id == ev.loop:
        yield ev.hit(f"{sid} appears {cur.segs[sid]} times in loop {cur.id}; at most {limit}",
                     ik3="5")
    elif cur.id == ev.loop and ev.seg.elements:
        key = f"{sid}*{qualifier(ev.seg.elements, ev.seg.delimiters.component)}"  # REF*EI twice
        n, mx = cur.segs.get(key, 0), QUALIFIED_LIMITS.get((cur.id, key))
        if mx is not None and n > mx:
            yield ev.hit(f"{key} appears {n} times in loop {cur.id}; at most {mx}", ik3="5")
    if cur.seg is ev.seg and len(ev.stack) > 1:  # the segment opened a loop: its repeat count
        parent = ev.stack[-2]
        n = parent.children.get(cur.id, 0)
        mx = MAX_LOOP.get(cur.id)
        if mx is not None and n > mx:
            yield ev.hit(f"loop {cur.id} repeats {n} times under {parent.id}; at most {mx}",
                         ik3="4")


@rule("CK-G006", "x12.hl-parent", level=2, scope="x12")
@on("HL")
def hl_parent(ev: Any, ctx: Any) -> Iterable[Hit]:
    """HL02 does not point to the right parent HL (22 under 20, 23 under 22, 20 has none).

    A subscriber HL (HL03 22) must point to the billing provider HL (20) above it, a patient
    HL (23) to its subscriber HL (22); the billing provider HL has no parent.

    Why: receivers build the claim's provider/subscriber/patient from the HL tree; a wrong
    parent attaches the claim to the wrong people or is rejected. pyx12 does not check this.
    Fix: set HL02 to the HL01 of the enclosing HL of the right level.
    Reference: 005010X222A1 section 2.3.2.1 (HL structure), 2000B/2000C HL02.
    """
    seg, tx = ev.seg, ev.tx
    if tx is None:
        return ()
    level, parent = seg.el(3), seg.el(2)
    if level not in HL_PARENT:
        return ()
    want = HL_PARENT[level]
    if want is None:
        if parent:
            return (ev.hit(f"HL {seg.el(1)!r} (level 20) must not have a parent; HL02 is "
                           f"{parent!r}", pos=2, ik4="7"),)
    elif not parent:
        return (ev.hit(f"HL {seg.el(1)!r} (level {level}) needs HL02 pointing to its level "
                       f"{want} parent", pos=2, ik4="1"),)
    else:
        open_id = tx.hl_open.get(want)
        if parent != open_id:
            other = next((lv for lv, i in tx.hl_open.items() if i == parent), None)
            why = (f"HL {parent!r} is a level {other} HL" if other
                   else f"no enclosing HL {parent!r} exists")
            return (ev.hit(f"HL {seg.el(1)!r} (level {level}) points to parent {parent!r}: "
                           f"{why}; expected the level {want} HL {open_id!r}", pos=2, ik4="7"),)
    return ()


@rule("CK-G007", "x12.hl-sequence", level=2, scope="x12")
@on("HL")
def hl_sequence(ev: Any, ctx: Any) -> Iterable[Hit]:
    """HL01 is not the next number: HL IDs must run 1, 2, 3 ... within a transaction set.

    Why: HL IDs are unique, sequential identifiers that HL02 refers to; gaps and repeats break
    the parent references.
    Fix: number the HL segments 1..n in order.
    Reference: 005010X222A1 section 2.3.2.1; HL01 element note.
    """
    tx = ev.tx
    if tx is not None and ev.seg.el(1) != str(tx.hl_next):
        return (ev.hit(f"HL01 is {ev.seg.el(1)!r}; the next HL ID is {tx.hl_next}", pos=1,
                       ik4="7"),)
    return ()


@rule("CK-G008", "x12.hl-child-code", level=2, scope="x12")
@on("HL", "close", loops=("HEADER",))  # the last HL's HL04, when the transaction set ends
def hl_child_code(ev: Any, ctx: Any) -> Iterable[Hit]:
    """HL04 says the opposite of what follows: 1 = a child HL follows, 0 = none does.

    Why: receivers use HL04 to know whether a patient level follows a subscriber; a wrong value
    is an implementation-guide error (a subscriber who is the patient has HL04 = 0).
    Fix: HL04 = 1 when the next HL is this HL's child, 0 otherwise.
    Reference: 005010X222A1 2000A/2000B/2000C HL04.
    """
    tx = ev.tx
    if tx is None:
        return ()
    prev = tx.hl_prev
    if prev is None:
        return ()
    if ev.kind == "HL":
        has_child = ev.seg.el(2) == prev.el(1) and bool(prev.el(1))
    elif ev.closed.id == "HEADER":
        has_child = False
    else:
        return ()
    code = prev.el(4)
    if code == "1" and not has_child or code == "0" and has_child:
        return (ev.hit(f"HL {prev.el(1)!r} has HL04 {code!r} but "
                       f"{'a child HL follows' if has_child else 'no child HL follows'}",
                       seg=prev, loop={"20": "2000A", "22": "2000B"}.get(prev.el(3), "2000C"),
                       pos=4, ik4="7"),)
    return ()


@rule("CK-G009", "x12.lx-sequence", level=2, scope="x12")
@on("LX")
def lx_sequence(ev: Any, ctx: Any) -> Iterable[Hit]:
    """LX01 is not the next line number: service lines are numbered 1..n within each claim.

    Why: line adjudication (835 SVC, 277CA) refers to the LX number; a repeat or gap makes
    the answer point at the wrong line.
    Fix: number the lines of each claim 1, 2, 3 ...
    Reference: 005010X222A1 2400 LX01 ("begins with 1 and is incremented by one").
    """
    tx = ev.tx
    if tx is not None and ev.loop == "2400" and ev.seg.el(1) != str(tx.lx_next):
        return (ev.hit(f"LX01 is {ev.seg.el(1)!r}; the next line number of claim is "
                       f"{tx.lx_next}", pos=1, ik4="7"),)
    return ()


def npi_ok(npi: str) -> bool:
    """NPI check digit: Luhn over the 80840 prefix + 9 digits (CMS NPI check digit spec)."""
    if len(npi) != 10 or not (npi.isascii() and npi.isdecimal()):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@rule("CK-G010", "x12.npi-invalid", level=2, scope="x12")
@on("NM1", pure=True)
def npi_invalid(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An NPI (NM108 = XX) is not 10 digits or its check digit is wrong.

    Why: the NPI's last digit is a Luhn check digit computed with the prefix 80840; a typo in
    an NPI is caught here, before the payer rejects the claim days later. pyx12 does not check
    the check digit.
    Fix: copy the NPI from NPPES (npiregistry.cms.hhs.gov).
    Reference: 005010X222A1 NM109; CMS "NPI check digit" (ISO/IEC 7812 Luhn, prefix 80840).
    """
    seg = ev.seg
    if seg.el(8) == "XX" and seg.el(9) and not npi_ok(seg.el(9)):
        v = seg.el(9)
        why = "is not 10 digits" if len(v) != 10 or not v.isdecimal() else "has a wrong check digit"
        yield ev.hit(f"NPI {v!r} ({seg.el(1)} in loop {ev.loop}) {why}", pos=9, ik4="7")


@rule("CK-G011", "x12.billing-zip-plus4", level=2, scope="x12")
@on("N4", pure=True)
def billing_zip(ev: Any, ctx: Any) -> Iterator[Hit]:
    """The billing provider's ZIP code (2010AA N4-03) is not the full 9-digit ZIP+4.

    Why: 5010 requires ZIP+4 for the billing provider's US address; payers reject 5-digit ZIPs.
    Fix: send the 9 digits without a dash (e.g. 627011234).
    Reference: 005010X222A1 2010AA N403 note.
    """
    seg = ev.seg
    if ev.loop == "2010AA" and seg.el(4) in ("", "US"):
        z = seg.el(3)
        if z and not (len(z) == 9 and z.isdecimal()):
            yield ev.hit(f"billing provider ZIP {z!r} is not 9 digits (ZIP+4)", pos=3,
                         ik4="4" if z.isdecimal() and len(z) < 9 else "6")


@rule("CK-G012", "x12.taxonomy-format", level=2, scope="x12")
@on("PRV", pure=True)
def taxonomy_format(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A provider taxonomy code (PRV03, qualifier PXC) is not 10 characters ending in X.

    Why: NUCC taxonomy codes have 9 letters/digits and the letter X; a malformed code is
    rejected. Whether the code exists is a code-set check (SNIP 5).
    Fix: copy the code from the NUCC list (e.g. 225100000X physical therapist).
    Reference: 005010X222A1 PRV03; NUCC Health Care Provider Taxonomy.
    """
    seg = ev.seg
    if seg.el(2) == "PXC" and seg.el(3) and not _TAXONOMY.match(seg.el(3)):
        yield ev.hit(f"taxonomy {seg.el(3)!r} is not 10 characters ending in X", pos=3,
                     ik4="7")


@rule("CK-G013", "x12.fractional-units", severity="warning", level=2, scope="x12")
@on("SV1", pure=True)
def fractional_units(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Service units (SV1-04) with a fraction on a therapy line.

    Why: timed therapy codes are billed in whole 15-minute units; claimkit reads the units
    rounded half up, so the claim it checks differs from what was sent.
    Fix: send whole units computed with the payer's unit rule (CMS 8-minute rule or AMA).
    Reference: 005010X222A1 SV104; CMS Claims Processing Manual ch. 5 section 20.2.
    """
    v = ev.seg.el(4)
    if v and "." in v:
        try:
            frac = Decimal(v) % 1
        except ArithmeticError:
            return
        if frac:
            yield ev.hit(f"units {v!r} are not a whole number", pos=4)


@rule("CK-G014", "x12.element-not-used", level=2, scope="x12")
@on("elements")
def element_not_used(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An element (or component) the TR3 marks "Not Used" in this loop holds a value.

    Why: e.g. NM103 of the pay-to address (2010AB NM1*87) and SV101-8 are not used; receivers
    that enforce the guide reject them (999 IK403 code I10, "implementation not used data
    element present").
    Fix: leave the element empty; put the data where the guide has a place for it.
    Reference: 005010X222A1 section 2.4, element usage "Not Used".
    """
    return element_hits(ev, "CK-G014")
