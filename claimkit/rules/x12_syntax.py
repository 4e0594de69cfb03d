"""SNIP 1 rules: X12 syntax (ISA, delimiters, segment and element syntax, dates, characters).

The envelope rules (control numbers, counts, closing trailers) are in :mod:`x12_envelope`.

Fed segment by segment by the streaming scan (see :mod:`claimkit.rules.x12_common`). Each finding
carries the 999 error codes in its values (``ik3_code``/``ik4_code``/``ik5_code``/``ak9_code``).
"""
from __future__ import annotations

from typing import Any, Iterator

from claimkit.rules.engine import Hit, rule
from claimkit.rules.x12_common import element_hits, on, time_ok
from claimkit.x12.guide.tables import ISA_CODES, ISA_WIDTHS
from claimkit.x12.origin import parse_d8

# TA1 (interchange acknowledgment) note codes for each ISA element: X12.5 TA105.
_TA1 = {1: "005", 2: "006", 3: "007", 4: "008", 5: "009", 6: "010", 7: "011", 8: "012",
        9: "014", 10: "015", 11: "026", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027"}


@rule("CK-X001", "x12.isa-invalid", level=1, scope="x12")
@on("ISA")
def isa_invalid(ev: Any, ctx: Any) -> Iterator[Hit]:
    """The ISA segment is not 106 characters of fixed-width elements with valid values.

    Why: X12.5 defines every ISA element with a fixed length so a receiver can find the
    delimiters at fixed positions (the element separator at position 4, the component separator
    at 105, the terminator at 106); many translators reject any other ISA before reading on.
    Fix: pad ISA02/04 with spaces to 10, ISA06/08 to 15 characters; ISA13 is 9 digits
    (zero-padded); ISA01/03 are 00 (or 03/01 with data), ISA12 00501, ISA14 0 or 1, ISA15 P/T.
    Reference: X12.5 Interchange Control Structures, ISA segment; 005010X222A1 appendix C.
    """
    seg = ev.seg
    els = seg.elements
    if len(els) != 16:
        yield ev.hit(f"ISA has {len(els)} elements; it must have 16", ta1_code="024")
        return
    for pos, (v, width) in enumerate(zip(els, ISA_WIDTHS), start=1):
        if len(v) != width:
            yield ev.hit(f"ISA{pos:02d} is {len(v)} characters; the ISA is fixed width and "
                         f"ISA{pos:02d} must be exactly {width}", pos=pos, ta1_code=_TA1[pos])
    if len(seg.raw) + 1 != 106 and all(len(v) == w for v, w in zip(els, ISA_WIDTHS)):
        yield ev.hit(f"ISA is {len(seg.raw) + 1} characters; it must be 106", ta1_code="022")
    for pos, codes in ISA_CODES.items():
        if els[pos - 1] not in codes:
            yield ev.hit(f"ISA{pos:02d} {els[pos - 1]!r} is not one of {', '.join(sorted(codes))}",
                         pos=pos, ta1_code=_TA1[pos])
    if not els[12].isdecimal():
        yield ev.hit(f"ISA13 control number {els[12]!r} must be 9 digits", pos=13,
                     ta1_code="018")


@rule("CK-X002", "x12.delimiters", level=1, scope="x12")
@on("note", "ISA")
def delimiters(ev: Any, ctx: Any) -> Iterator[Hit]:
    """The ISA's delimiters cannot be used: the interchange (or part of it) cannot be read.

    Why: the element separator (4th ISA character), component separator (ISA16), repetition
    separator (ISA11) and segment terminator (the character after ISA16) must be distinct and
    must not be letters, digits or spaces, or the data cannot be split unambiguously.
    Fix: use the usual ``*`` element, ``:`` component, ``^`` repetition and ``~`` terminator.
    Reference: X12.6 section 3 (delimiters); 005010X222A1 appendix A.1.2.
    """
    note = ev.note
    if ev.kind == "note":  # the reader skipped an ISA it could not use
        if note.kind == "bad-isa":
            yield Hit(f"unusable ISA skipped after segment {note.after}: {note.text}",
                      values={"ta1_code": "026"}, location=_note_location(ev, note.after))
        return
    d = ev.seg.delimiters
    rep = ev.seg.el(11)
    if rep and rep != "U" and (rep in (d.element, d.component, d.segment) or rep.isalnum()):
        yield ev.hit(f"ISA11 repetition separator {rep!r} clashes with another delimiter",
                     pos=11, ta1_code="026")
    for ch in (d.element, d.component, d.segment):
        if ch == "\t" or (not ch.isprintable() and ch != "\n"):
            yield ev.hit(f"delimiter {ch!r} is a control character", ta1_code="026")


@rule("CK-X003", "x12.unknown-segment", level=1, scope="x12")
@on("unknown")
def unknown_segment(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A segment ID that the 837P does not define.

    Why: a receiver cannot place an unknown segment and rejects the transaction set (999 IK304
    code 1, unrecognized segment ID). Usually a typo, a segment from another transaction, or
    text split at a wrong terminator.
    Fix: remove the segment or correct its ID.
    Reference: 005010X222A1 section 2.4; X12.6 segment syntax.
    """
    yield ev.hit(f"unknown segment ID {ev.seg.id[:10]!r} in loop {ev.loop or '-'}", ik3="1")


@rule("CK-X004", "x12.unexpected-segment", level=1, scope="x12")
@on("misplaced", "outside")
def unexpected_segment(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A known segment where the 837P does not allow it (wrong loop, wrong order, outside ST/SE).

    Why: loops are recognised by their position and qualifiers; a segment out of place is
    either ignored or breaks the loop structure for everything after it (999 IK304 code 2).
    Fix: move the segment into the loop it belongs to (e.g. DMG into 2010BA right after the
    subscriber's N4; SV1 right after LX), or fix the NM101 entity code.
    Reference: 005010X222A1 section 2.3 (transaction set listing) and 2.4.
    """
    seg = ev.seg
    if ev.tx is None:
        yield ev.hit(f"{seg.id} segment outside a transaction set (ST..SE)", loop=None)
        return
    what = f"{seg.id}*{seg.el(1)}" if seg.id == "NM1" else seg.id
    yield ev.hit(f"{what} is not expected here (after loop {ev.loop or 'header'})", ik3="2")


@rule("CK-X005", "x12.invalid-character", level=1, scope="x12")
@on("elements")
def invalid_character(ev: Any, ctx: Any) -> Iterator[Hit]:
    """An element contains a character outside the X12 basic/extended character set.

    Why: control characters, non-ASCII letters (accents) and the like are rejected by most
    receivers (999 IK403 code 6). Often a copy-paste from a word processor.
    Fix: replace the character with its plain ASCII equivalent.
    Reference: X12.6 section 3.3 (character sets); 005010X222A1 appendix A.1.1.
    """
    return element_hits(ev, "CK-X005")


@rule("CK-X006", "x12.invalid-date", level=1, scope="x12")
@on("elements", "ISA")
def invalid_date(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A date element is not a real calendar date in its format (D8, RD8 range, ISA YYMMDD).

    Why: dates are checked against the calendar (999 IK403 code 8); a date such as 20240230
    makes the whole transaction set fail. Checked: ISA09, GS04, BHT04, DMG02 (D8), DTP03.
    Fix: send the real date; for RD8 send CCYYMMDD-CCYYMMDD with the start not after the end.
    Reference: X12.6 data element types DT; 005010X222A1 DTP/DMG segment notes.
    """
    if ev.kind == "ISA":
        v = ev.seg.el(9)
        if len(v) != 6 or parse_d8("20" + v) is None:
            yield ev.hit(f"ISA09 {v!r} is not a YYMMDD date", pos=9, ta1_code="014")
        return
    yield from element_hits(ev, "CK-X006")


@rule("CK-X007", "x12.invalid-time", level=1, scope="x12")
@on("elements", "ISA")
def invalid_time(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A time element is not a valid HHMM (or HHMMSS[dd]) time.

    Why: times are checked like dates (999 IK403 code 9). Checked: ISA10, GS05, BHT05.
    Fix: send a 24-hour time such as 1430.
    Reference: X12.6 data element type TM.
    """
    if ev.kind == "ISA":
        v = ev.seg.el(10)
        if len(v) != 4 or not time_ok(v):
            yield ev.hit(f"ISA10 {v!r} is not an HHMM time", pos=10, ta1_code="015")
        return
    yield from element_hits(ev, "CK-X007")


@rule("CK-X015", "x12.not-837p", level=1, scope="x12")
@on("ST", "GS")
def not_837p(ev: Any, ctx: Any) -> Iterator[Hit]:
    """The functional group or transaction set is not an 837 professional claim, version 5010.

    Why: claimkit checks 005010X222A1 (837P); other transactions or versions are not validated
    and a receiver expecting 837P rejects them (999 IK502 code 6, AK905 code 2).
    Fix: GS01 HC, GS08 and ST03 005010X222A1, ST01 837.
    Reference: 005010X222A1 section 1.4 and appendix C (GS, ST).
    """
    seg = ev.seg
    if seg.id == "GS":
        if seg.el(1) != "HC":
            yield ev.hit(f"GS01 {seg.el(1)!r} is not HC (health care claim)", pos=1,
                         ak9_code="1")
        if seg.el(8) != "005010X222A1":
            yield ev.hit(f"GS08 {seg.el(8)!r} is not 005010X222A1", pos=8, ak9_code="2")
    else:
        if seg.el(1) != "837":
            yield ev.hit(f"ST01 {seg.el(1)!r} is not 837", pos=1, ik5_code="6")
        elif seg.el(3) and seg.el(3) != "005010X222A1":
            yield ev.hit(f"ST03 {seg.el(3)!r} is not 005010X222A1", pos=3, ik4="7")


@rule("CK-X016", "x12.too-many-elements", level=1, scope="x12")
@on("elements")
def too_many_elements(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A segment has more elements than the X12 dictionary defines for it.

    Why: extra elements usually mean a separator inside a data value (X12 has no escape) and
    shift every following element (999 IK403 code 3).
    Fix: remove the separator character from the data value.
    Reference: X12.6 segment syntax; 005010X222A1 appendix A.1.2.
    """
    return element_hits(ev, "CK-X016")


@rule("CK-X017", "x12.text-outside-interchange", severity="warning", level=1, scope="x12")
@on("note")
def text_outside(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Text before the first ISA, between IEA and the next ISA, or after the last IEA.

    Why: it is ignored, but it often means a damaged or concatenated file whose lost part
    was a claim.
    Fix: remove the stray text, or find the interchange it came from.
    Reference: X12.5 (nothing is defined outside ISA..IEA).
    """
    note = ev.note
    if ev.kind == "note" and note is not None and note.kind == "junk":
        yield Hit(f"{len(note.text)}+ characters of non-X12 text after segment {note.after}",
                  location=_note_location(ev, note.after))


@rule("CK-X020", "x12.byte-order-mark", severity="warning", level=1, scope="x12")
@on("note")
def byte_order_mark(ev: Any, ctx: Any) -> Iterator[Hit]:
    """The file starts with a UTF-8 byte-order mark (EF BB BF) before the ISA.

    Why: an X12 interchange begins with the ISA segment; a BOM is not part of the X12 character
    set and many receivers reject the file or fail to find the ISA. claimkit reads past it.
    Fix: save the file without a byte-order mark (as ASCII, or "UTF-8 without BOM").
    Reference: X12.5 (the interchange starts with ISA); 005010X222A1 appendix B (character set).
    """
    note = ev.note
    if ev.kind == "note" and note is not None and note.kind == "bom":
        yield Hit("the file starts with a UTF-8 byte-order mark before the ISA",
                  location=_note_location(ev, 1))


@rule("CK-X021", "x12.blanks-before-segment", severity="warning", level=1, scope="x12")
@on("note")
def blanks_before_segment(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Blanks (spaces or tabs) stand before a segment ID.

    Why: a segment begins with its ID right after the previous terminator (line breaks aside);
    receivers that do not trim take " NM1" for an unknown segment. claimkit reads the segment,
    and reports only the first such segment of a file.
    Fix: remove the indentation (write each segment from the start of its line).
    Reference: X12.6 section 3 (segment structure: the segment ID comes first).
    """
    note = ev.note
    if ev.kind == "note" and note is not None and note.kind == "blanks":
        yield Hit(f"segment {note.after} ({note.text}) has blanks before its ID; "
                  "other segments may too", location=_note_location(ev, note.after))


def _note_location(ev: Any, after: int) -> Any:
    from claimkit.diagnostics import Location
    return Location(file=ev.file, segment_index=after or None)


@rule("CK-X018", "x12.invalid-number", level=1, scope="x12")
@on("elements")
def invalid_number(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A numeric element (amount, quantity, count, pointer) is not a number.

    Why: N0 elements are unsigned integers and R elements decimals with an optional point
    and sign; anything else is an invalid character (999 IK403 code 6). Checked: CLM02,
    SV1-02, SV1-04, SV1-07 pointers, LX01, SE01, GE01, IEA01, GS06.
    Fix: send plain digits (``120`` or ``120.50``), no currency signs or thousands separators.
    Reference: X12.6 data element types N0 and R.
    """
    return element_hits(ev, "CK-X018")


@rule("CK-X019", "x12.too-many-components", level=1, scope="x12")
@on("elements")
def too_many_components(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A composite has more components than it defines (e.g. five diagnosis pointers in SV1-07).

    Why: SV1-07 holds at most 4 pointers, SV1-01 a qualifier, a code, 4 modifiers and a
    description (SV101-7, for unlisted/NOC codes), CLM-05 three components; extra components
    are rejected (999 IK403 code 13). The counts come from the guide (the composite's entry
    in claimkit.x12.guide.tables.ELEMENTS).
    Fix: for SV1-07 keep the four most relevant diagnoses on the line (split the line
    otherwise); for SV1-01 drop what follows the description.
    Reference: 005010X222A1 SV1-07 (C004), SV1-01 (C003), CLM-05 (C023).
    """
    return element_hits(ev, "CK-X019")


@rule("CK-X022", "x12.syntax-note", level=1, scope="x12")
@on("elements")
def syntax_note(ev: Any, ctx: Any) -> Iterator[Hit]:
    """Two or more elements of a segment break the X12 syntax note that relates them.

    Why: e.g. SV1-03 (unit basis) and SV1-04 (unit count) are paired (P0304: both or neither),
    a REF needs REF02 or REF03 (R0203), N4-07 needs N4-06 (C0706 ...); receivers reject the
    segment (999 IK403 code 2, or 10 for an exclusion). The notes come from the guide.
    Fix: fill the element the message names, or remove its partner.
    Reference: X12.6 section 5.2.2 (syntax notes P, R, E, C, L); 005010X222A1 segment detail.
    """
    return element_hits(ev, "CK-X022")


@rule("CK-X023", "x12.trailing-separator", severity="warning", level=1, scope="x12")
@on("elements")
def trailing_separator(ev: Any, ctx: Any) -> Iterator[Hit]:
    """A segment ends with an element separator (an empty last element).

    Why: X12 suppresses trailing delimiters (``SV1*HC:97110*60*UN*1***1~``, not ``...*1**~``);
    strict receivers reject or log such segments (pyx12: "segment contains trailing element
    terminators"). claimkit reads the segment as if the separators were not there.
    Fix: drop the separators after the last element that has a value.
    Reference: X12.6 section 3.7 (suppression of trailing delimiters); 005010X222A1 section B.1.
    """
    return element_hits(ev, "CK-X023")
