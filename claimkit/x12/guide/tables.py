"""The lookup tables the scan, the element checks and the writer use, computed from the guide.

Nothing here is typed by hand from the TR3: every table is derived from
:func:`claimkit.x12.guide.guide` (``x222a1.json``) at import time, in the shapes the hot path
wants (plain dicts and tuples). Where claimkit deliberately reads the guide differently from the
source file, the exception is named below with the rule that justifies it.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Iterable

from . import Element, Loop, SegmentUse, guide

_G = guide()

#: loop -> nesting level (HEADER 0; HL loops and 1000A/B 1; then one per nesting)
LEVEL = MappingProxyType({lid: lp.level for lid, lp in _G.loops.items()})

#: loop -> {segment ID: how many times the loop may hold it, all its uses together (None: any)}
#: The ST segment opens the transaction set's HEADER in the scan.
_LIMITS: dict[str, dict[str, int | None]] = {}
for _lid, _lp in _G.loops.items():
    _lim: dict[str, int | None] = {"ST": 1} if _lid == "HEADER" else {}
    for _s in _lp.segments:
        if _s.id in _lim and (_lim[_s.id] is None or _s.max_use is None):
            _lim[_s.id] = None
        else:
            _lim[_s.id] = (_lim.get(_s.id) or 0) + _s.max_use if _s.max_use is not None else None
    _LIMITS[_lid] = _lim
SEGMENT_LIMITS = MappingProxyType({k: MappingProxyType(v) for k, v in _LIMITS.items()})

#: loop repeat under its parent (None: unbounded)
MAX_LOOP = MappingProxyType({lid: lp.repeat for lid, lp in _G.loops.items() if lp.repeat is not None})


def _first_codes(use: SegmentUse) -> frozenset[str]:
    el = use.elements[0]
    return (el.components[0].codes if el.type == "C" and el.components else el.codes) or frozenset()


def _context(lp: Loop) -> str:
    return "header" if lp.parents == ("HEADER",) else lp.parents[0]


#: context loop -> {NM101 entity code: the name loop it opens}
_nm1: dict[str, dict[str, str]] = {}
for _lp in _G.loops.values():
    if _lp.trigger.id == "NM1":
        for _code in _first_codes(_lp.trigger):
            for _parent in _lp.parents:
                _nm1.setdefault("header" if _parent == "HEADER" else _parent, {})[_code] = _lp.id
NM1_LOOP = MappingProxyType({k: MappingProxyType(v) for k, v in _nm1.items()})

#: HL03 level code -> HL loop; and HL03 -> the HL03 its parent HL must have (None: no parent)
_hl = {lp.id: lp for lp in _G.loops.values() if lp.trigger.id == "HL"}


def _hl03(lp: Loop) -> str:
    hl03 = lp.trigger.element(3)
    codes = hl03.codes if hl03 is not None else None
    assert codes and len(codes) == 1, lp.id
    return next(iter(codes))


HL_LOOP = MappingProxyType({_hl03(lp): lid for lid, lp in _hl.items()})
HL_PARENT = MappingProxyType({_hl03(lp): (_hl03(_hl[lp.parents[0]]) if lp.parents else None)
                              for lp in _hl.values()})


def _required(lp: Loop) -> tuple[str, ...]:
    """Required segments (``SEG`` or ``SEG*Q|SEG*Q2`` for one qualified use) and child loops
    (``loop:X``) of a loop, trigger excepted. HL children are not nested in the scan (the HL
    tree is checked by the HL rules), so they are not required children here."""
    out: list[str] = []
    # HEADER is opened by ST in the scan, so its first segment (BHT) is required like the rest.
    for use in lp.segments[0 if lp.id == "HEADER" else 1:]:
        if use.usage != "R":
            continue
        siblings = [u for u in lp.segments if u.id == use.id]
        q = use.qualifiers
        out.append(use.id if len(siblings) == 1 or not q else "|".join(f"{use.id}*{c}" for c in sorted(q)))
    for child in _G.children(lp.id):
        if child.usage_under.get(lp.id) == "R" and child.trigger.id != "HL":
            out.append(f"loop:{child.id}")
    return tuple(out)


_req = {lid: _required(lp) for lid, lp in _G.loops.items()}
# The transaction set requires its first HL loop (2000A) beside the header's loops.
_req["HEADER"] = (*_req["HEADER"], *(f"loop:{lid}" for lid, lp in _G.loops.items()
                                     if not lp.parents and lid != "HEADER" and lp.usage == "R"))
REQUIRED = MappingProxyType({lid: r for lid, r in _req.items() if r})

#: segment ID -> number of elements the guide defines (also the set of known segment IDs)
_max: dict[str, int] = {}
for _use in (*(_s for _lp in _G.loops.values() for _s in _lp.segments), *_G.envelope.values()):
    _max[_use.id] = max(_max.get(_use.id, 0), max(e.seq for e in _use.elements))
MAX_ELEMENTS = MappingProxyType(_max)

_TYPES = {"N": "N0", "N0": "N0", "N2": "N0"}  # implied-decimal numerics are digits on the wire


def _entry(els: list[Element]) -> tuple | None:
    """(position, usage, type, min, max, codes|None) of one element position over all uses of
    a segment in a loop: the loosest reading, so one use's rule never rejects another's value."""
    e0 = els[0]
    usages = {e.usage for e in els}
    if usages == {"N"}:
        usage = "N"
    elif usages == {"R"}:
        usage = "R"
    else:
        usage = "S"
    typ = "C" if e0.type == "C" else _TYPES.get(e0.type, e0.type)
    if typ == "C":  # (position, usage, "C", components it may have, 0, component entries)
        by_seq: dict[int, list[Element]] = {}
        for e in els:
            for c in e.components:
                by_seq.setdefault(c.seq, []).append(c)
        comps = tuple(x for x in (_entry(v) for _, v in sorted(by_seq.items())) if x is not None)
        used = max((c[0] for c in comps if c[1] != "N"), default=0)
        return (e0.seq, usage, "C", used, 0, comps)
    codes: frozenset[str] | None = frozenset()
    for e in els:
        # an external list the guide file carries (N4 state, country) counts as the code list
        own = e.codes or (_G.code_lists.get(e.external) if e.external else None)
        codes = None if own is None or codes is None else codes | own
    return (e0.seq, usage, typ, min(e.min for e in els), max(e.max for e in els), codes or None)


def _spec(uses: Iterable[SegmentUse]) -> tuple:
    by_pos: dict[int, list[Element]] = {}
    for use in uses:
        for el in use.elements:
            by_pos.setdefault(el.seq, []).append(el)
    return tuple(e for e in (_entry(v) for _, v in sorted(by_pos.items())) if e is not None)


#: "LOOP.SEG" (and "SEG" for the envelope and for a segment outside a known loop) ->
#: ((position, usage, type, min, max, codes|None), ...); usage R, S or N (must be absent).
#: A composite's entry is (position, usage, "C", components it may have, 0, component entries).
#: Where a loop uses a segment several times, this is the loosest reading of all its uses;
#: USE_ELEMENTS has each use's own, by qualifier.
_elements: dict[str, tuple] = {}
for _lid, _lp in _G.loops.items():
    for _sid in dict.fromkeys(s.id for s in _lp.segments):
        _elements[f"{_lid}.{_sid}"] = _spec(s for s in _lp.segments if s.id == _sid)
for _sid in MAX_ELEMENTS:
    _elements[_sid] = _spec(s for lp in _G.loops.values() for s in lp.segments if s.id == _sid) \
        if _sid not in _G.envelope else _spec([_G.envelope[_sid]])
# The transaction type (GS01 HC, GS08 005010X222A1, ST01 837, ST03) is the envelope rule
# CK-X015's finding ("not an 837P"), with its own message: the element check leaves it alone.
_TYPE_ELEMENTS = {("GS", 1), ("GS", 8), ("ST", 1), ("ST", 3)}
for _sid in ("GS", "ST"):
    _elements[_sid] = tuple(e[:5] + (None,) if (_sid, e[0]) in _TYPE_ELEMENTS else e for e in _elements[_sid])
ELEMENTS = MappingProxyType(_elements)

#: ("LOOP.SEG", qualifier) -> the element entries of the use of a segment that qualifier selects,
#: for the segments a loop uses several times (REF*EI and REF*SY, PWK by report type, HI
#: diagnoses by ABK and anesthesia by BP ...); the qualifier is the first element, or the first
#: component of a composite first element. MULTI_USE: the (loop, segment ID) pairs concerned.
_by_use: dict[tuple[str, str], tuple] = {}
_multi: set[tuple[str, str]] = set()
for _lid, _lp in _G.loops.items():
    for _sid in dict.fromkeys(s.id for s in _lp.segments):
        _uses = [s for s in _lp.segments if s.id == _sid]
        if len(_uses) > 1 and all(u.qualifiers for u in _uses):
            _multi.add((_lid, _sid))
            # a qualifier two uses share (2400 PWK*CT: line attachment or DME certificate)
            # selects both, read loosely together
            for _q in sorted(set().union(*(u.qualifiers or () for u in _uses))):
                _by_use[(f"{_lid}.{_sid}", _q)] = _spec(u for u in _uses if _q in (u.qualifiers or ()))
USE_ELEMENTS = MappingProxyType(_by_use)
MULTI_USE = frozenset(_multi)


def qualifier(elements: list[str], component: str) -> str:
    """The value that selects a segment's use: its first element, or that element's first
    component when the first element is a composite (HI01-1)."""
    first = elements[0] if elements else ""
    return first.split(component, 1)[0] if component in first else first


#: loop -> the segment that opens it (HEADER: ST, which opens the transaction set's header);
#: and the guide's order of the loops (a missing child loop is reported where it belongs).
TRIGGER = MappingProxyType({lid: ("ST" if lid == "HEADER" else lp.trigger.id) for lid, lp in _G.loops.items()})
ORDER = MappingProxyType({lid: i for i, lid in enumerate(_G.loops)})
#: (parent loop, child loop) -> the child's place among its parent's children (2000C: 2010CA
#: before 2300; 2300: 2310A-F, 2320, 2400)
SIBLING_ORDER = MappingProxyType({(lid, c): i for lid, lp in _G.loops.items() for i, c in enumerate(lp.children)})
PARENTS = MappingProxyType({lid: lp.parents for lid, lp in _G.loops.items()})

#: ISA: every element has a fixed width (X12.5); and the code lists of its ID elements.
#: Exception: ISA11 is the repetition separator in 005010 (a delimiter character, any value
#: not used in the data); the source file still lists the 004010 value "U", so it is not kept.
_isa = _G.envelope["ISA"].elements
ISA_WIDTHS = tuple(e.max for e in _isa)
ISA_CODES = MappingProxyType({e.seq: e.codes for e in _isa if e.codes and e.seq != 11})

#: Diagnosis qualifiers of the 2300 HI (ICD-10: ABK principal, ABF other; ICD-9: BK, BF).
_dx = _G.loops["2300"].segments
_hi = next(s for s in _dx if s.id == "HI" and s.usage == "R")
DX_QUALIFIERS = frozenset().union(*(el.components[0].codes or () for el in _hi.elements[:2]))

del _lid, _lp, _lim, _s, _sid, _use, _code, _parent, _uses, _q

#: Segments a loop uses more than once, told apart by their first element (REF*EI / REF*SY,
#: DTP*431 / DTP*472 ...): the scan counts them per qualifier too, and (loop, "SEG*Q") -> how
#: many times that use may appear.
QUALIFIED = frozenset(s.id for lp in _G.loops.values() for s in lp.segments
                      if sum(1 for u in lp.segments if u.id == s.id) > 1 and s.qualifiers)
QUALIFIED_LIMITS = MappingProxyType({
    (lp.id, f"{s.id}*{q}"): s.max_use for lp in _G.loops.values() for s in lp.segments
    if s.id in QUALIFIED and s.qualifiers and s.max_use is not None for q in s.qualifiers})

#: "LOOP.SEG" -> the X12 syntax notes of the segment ("P0304": both or neither; "C0605": 06
#: needs 05; "R0203": at least one; "E0102": not both; "L010203": 01 needs one of the others)
SYNTAX = MappingProxyType({
    f"{lid}.{sid}": notes for lid, lp in _G.loops.items()
    for sid in dict.fromkeys(s.id for s in lp.segments)
    for notes in [tuple(dict.fromkeys(n for s in lp.segments if s.id == sid for n in s.syntax))] if notes})

#: The loops whose children the scan reads in their context (NM1 entity codes, CLM, LX ...):
#: every loop that is the parent of a loop opened by a segment other than HL; and loop ->
#: the context in force inside it (its own if it is one, else its parent's; "header" for the
#: transaction set's header loops).
_PARENTS_OF_TRIGGERED = {p for lp in _G.loops.values() if lp.trigger.id != "HL" for p in lp.parents}


def _ctx(lid: str) -> str:
    lp = _G.loops[lid]
    if lid == "HEADER" or lp.parents == ("HEADER",):
        return "header"
    if lid in _PARENTS_OF_TRIGGERED or not lp.parents:
        return lid
    return _ctx(lp.parents[0])


CONTEXT = MappingProxyType({lid: _ctx(lid) for lid in _G.loops})
_CONTEXTS = frozenset(CONTEXT.values())


def _below(lid: str) -> set[str]:
    out: set[str] = set()
    for child in _G.children(lid):
        out |= {child.id} | _below(child.id)
    return out


#: segment -> (the loop it opens, the contexts it opens it in): a loop opened by a segment
#: other than HL or NM1 (CLM -> 2300, LX -> 2400, SBR -> 2320, LIN -> 2410 ...) opens under its
#: parent, or anywhere below that parent (a new claim after the previous claim's lines).
CHILD_TRIGGERS = MappingProxyType({
    lp.trigger.id: (lid, tuple(sorted(c for c in _CONTEXTS if c in set(lp.parents).union(*map(_below, lp.parents)))))
    for lid, lp in _G.loops.items()
    if lp.parents and lp.trigger.id not in ("HL", "NM1") and lid != "HEADER"})

#: Loops whose element values are a person's own data (subscriber, patient, other subscriber):
#: messages withhold their values (no PHI in reports). From the guide's loop names.
PHI_LOOPS = frozenset(lid for lid, lp in _G.loops.items() if "Subscriber" in lp.name or "Patient" in lp.name)
