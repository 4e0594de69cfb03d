"""Shared machinery of the x12-scope rules: event subscription and the table-driven element check.

x12 rules are fed by the streaming scan (:mod:`claimkit.rules.scan.parser`), not by ``engine.run``:
``@on("NM1", "close")`` names the events a rule wants. Events are segment IDs, ``elements``
(every segment, only when the element check found something), ``close`` (a loop closed),
``missing`` (a trailer never came), ``misplaced``/``unknown``/``outside`` (placement failures)
and ``note`` (text the reader skipped).

A rule may return any iterable of hits: those called for every HL, LX or loop close return
a tuple or list rather than being generators, which cost more than the check itself.

The element check runs once per segment and is shared by the rules that report its parts
(required, length, type, code value, date, time, character set); each of those rules only
filters it by its own ID, so the cost is one pass however many of them are enabled.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator

from claimkit.rules.engine import Hit
from claimkit.x12.guide.tables import DX_QUALIFIERS, ELEMENTS, MAX_ELEMENTS, MULTI_USE, SYNTAX, USE_ELEMENTS, qualifier
from claimkit.x12.origin import parse_d8
from claimkit.x12.syntax import broken, compile_notes

_BAD_CHARS = re.compile(r"[^\x20-\x7e]")
_NUM = re.compile(r"^-?(\d+\.?\d*|\.\d+)$", re.ASCII)
_TIME = re.compile(r"^([01]\d|2[0-3])[0-5]\d([0-5]\d(\d{1,2})?)?$", re.ASCII)


def on(*kinds: str, pure: bool = False, loops: Iterable[str] | None = None, state: bool = False
       ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Subscribe an x12 rule to scan events (apply *below* ``@rule``).

    ``pure``: the rule reads only the segment's text, delimiters and loop (no scan state), so
    the scan may skip it for a segment it has already seen clean in the same loop.
    ``loops``: for ``close``, the loops whose closing the rule looks at (default: every loop);
    a loop closes for every segment group of the file, so the others are not even called.
    ``state``: the rule remembers segments across the claims of a transaction set (beyond the
    open loops and the HL/LX counters); a parallel scan that reports only part of a set still
    calls it on the other parts, with their hits dropped, so what it remembers is whole
    (claimkit.validation.parallel).
    """

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        func.x12_on = kinds  # type: ignore[attr-defined]
        func.x12_pure = pure  # type: ignore[attr-defined]
        func.x12_state = state  # type: ignore[attr-defined]
        func.x12_loops = frozenset(loops) if loops is not None else None  # type: ignore[attr-defined]
        return func

    return deco


def check_elements(ev: Any) -> list[tuple[str, Hit]]:
    """Run the table-driven element check of the current segment: [(rule ID, hit), ...]."""
    return _check(ev)


def element_hits(ev: Any, rule_id: str) -> Iterator[Hit]:
    """The element check's hits for one rule (computed once per segment, cached on the event)."""
    if ev.element_cache is None:
        ev.element_cache = check_elements(ev)
    for rid, hit in ev.element_cache:
        if rid == rule_id:
            yield hit


def time_ok(v: str) -> bool:
    """Whether V is a valid X12 TM value: HHMM, optionally seconds and decimal seconds."""
    return bool(_TIME.match(v))


def digits(v: str) -> int:
    """Length of a numeric element as X12.6 counts it: digits only, no sign or decimal point."""
    return len(v) - v.count("-") - v.count(".")


def _check(ev: Any) -> list[tuple[str, Hit]]:
    seg = ev.seg
    sid = seg.id
    out: list[tuple[str, Hit]] = []
    if sid == "ISA":
        return out
    els = seg.elements
    if _BAD_CHARS.search(seg.raw):
        for pos, v in enumerate(els, start=1):
            m = _BAD_CHARS.search(v)
            if m:
                out.append(("CK-X005", ev.hit(
                    f"{sid}-{pos:02d} contains the character {m.group()!r} outside the X12 "
                    "character set", pos=pos, ik4="6")))
    if els and not els[-1]:  # X12.6: trailing delimiters are suppressed
        out.append(("CK-X023", ev.hit(f"{sid} ends with an element separator and no value (trailing "
                                      "separator)", pos=len(els))))
    mx = MAX_ELEMENTS.get(sid)
    if mx is not None and len(els) > mx:
        out.append(("CK-X016", ev.hit(
            f"{sid} has {len(els)} elements; the segment defines {mx}", pos=mx + 1, ik4="3")))
    loop = ev.loop
    q = qualifier(els, seg.delimiters.component) if (loop, sid) in MULTI_USE else None
    key = (loop, sid, q)
    spec = _SPECS.get(key)
    if spec is None:  # the use the qualifier selects, else every use's loosest reading
        by_use = USE_ELEMENTS.get((f"{loop}.{sid}", q)) if q is not None else None
        spec = _SPECS[key] = by_use or ELEMENTS.get(f"{loop}.{sid}") or ELEMENTS.get(sid) or ()
    if spec:
        n = len(els)
        for pos, usage, typ, lo, hi, codes in spec:
            v = els[pos - 1] if pos <= n else ""
            if not v:
                if usage == "R":
                    out.append(("CK-G002", ev.hit(
                        f"{sid}-{pos:02d} is required but empty", pos=pos, ik4="1")))
                continue
            if usage == "N":  # TR3 usage "Not Used": the element must be absent
                out.append(("CK-G014", ev.hit(
                    f"{sid}-{pos:02d} holds a value, but the TR3 marks it Not Used in loop "
                    f"{ev.loop}", pos=pos, ik4="I10")))
                continue
            if typ == "C":
                if codes:
                    out.extend(_components(ev, seg, pos, lo, codes))
                continue
            if typ == "N0" or typ == "R":
                if not (v.isdecimal() if typ == "N0" else _NUM.match(v)):
                    kind = "integer" if typ == "N0" else "decimal number"
                    out.append(("CK-X018", ev.hit(
                        f"{sid}-{pos:02d} {ev.show(v)} is not a valid {kind}", pos=pos,
                        ik4="6")))
                    continue
                size = digits(v)
            else:
                size = len(v)
            if typ == "DT":
                if parse_d8(v) is None:
                    out.append(("CK-X006", ev.hit(
                        f"{sid}-{pos:02d} {v!r} is not a CCYYMMDD date", pos=pos, ik4="8")))
                continue
            if typ == "TM":
                if not _TIME.match(v):
                    out.append(("CK-X007", ev.hit(
                        f"{sid}-{pos:02d} {v!r} is not an HHMM[SS[dd]] time", pos=pos, ik4="9")))
                continue
            if size < lo or size > hi:
                out.append(("CK-G003", ev.hit(
                    f"{sid}-{pos:02d} is {size} characters long; the TR3 allows {lo}-{hi}",
                    pos=pos, ik4="4" if size < lo else "5", length=size, min=lo, max=hi)))
            elif codes is not None and v not in codes:
                out.append(("CK-G004", ev.hit(
                    f"{sid}-{pos:02d} {ev.show(v)} is not one of {', '.join(sorted(codes))}",
                    pos=pos, ik4="7")))
    if sid in _COMPOSITE:
        out.extend(_COMPOSITE[sid](ev, seg))
    if sid in _DATES:
        out.extend(_DATES[sid](ev, seg))
    notes = SYNTAX.get(f"{ev.loop}.{sid}")
    if notes:
        out.extend(_syntax(ev, seg, notes))
    return out


def _syntax(ev: Any, seg: Any, notes: tuple[str, ...]) -> Iterator[tuple[str, Hit]]:
    els = seg.elements
    for note, (kind, cols) in zip(notes, compile_notes(notes)):
        why = broken(els, kind, cols)
        if why is not None:
            names = ", ".join(f"{seg.id}-{c:02d}" for c in cols)
            missing = next((c for c in cols if c > len(els) or not els[c - 1]), cols[0])
            yield "CK-X022", ev.hit(f"{names} must be {why} (X12 syntax note {note})",
                                    pos=missing, ik4="10" if kind == "E" else "2", note=note)


_SPECS: dict[tuple[Any, str, Any], tuple] = {}  # (loop, segment ID, use) -> element spec, looked up once
# Component codes a segment's own check reports with a more specific message (below).
_OWN_CODE_CHECKS = frozenset({("SV1", 1, 1), ("CLM", 5, 2), ("HI", 1, 1)})
_PROC_QUALIFIERS = ELEMENTS["2400.SV1"][0][5][0][5]  # SV101-1: HC (CPT/HCPCS), ER, IV, WK
_FACILITY_QUALIFIERS = ELEMENTS["2300.CLM"][4][5][1][5]  # CLM05-2: B (place of service code)


def _components(ev: Any, seg: Any, pos: int, mx: int, parts: tuple) -> Iterator[tuple[str, Hit]]:
    """Component count, usage, code values and lengths of a composite, from its guide entry.

    AN and N0 components get the length check elements get (999 IK4 code 4/5 with the
    component position in IK401-2); ID components their code list (code 7)."""
    comps = seg.comp(pos)
    if len(comps) > mx:
        yield "CK-X019", ev.hit(
            f"{seg.id}-{pos:02d} has {len(comps)} components; the TR3 allows {mx}",
            pos=pos, comp=mx + 1, ik4="13", count=len(comps))
    for cpos, usage, typ, lo, hi, codes in parts:
        v = comps[cpos - 1] if cpos <= len(comps) else ""
        if not v:
            continue
        if usage == "N":
            yield "CK-G014", ev.hit(f"{seg.id}-{pos:02d}-{cpos} holds a value, but the TR3 marks it "
                                    f"Not Used in loop {ev.loop}", pos=pos, comp=cpos, ik4="I10")
            continue
        if typ == "ID":
            if codes is not None and v not in codes and (seg.id, pos, cpos) not in _OWN_CODE_CHECKS:
                yield "CK-G004", ev.hit(f"{seg.id}-{pos:02d}-{cpos} {ev.show(v)} is not one of "
                                        f"{', '.join(sorted(codes))}", pos=pos, comp=cpos, ik4="7")
            continue
        if typ == "N0" and not v.isdecimal():
            continue
        if len(v) < lo or len(v) > hi:
            yield "CK-G003", ev.hit(
                f"{seg.id}-{pos:02d}-{cpos} is {len(v)} characters long; the TR3 allows "
                f"{lo}-{hi}", pos=pos, comp=cpos, ik4="4" if len(v) < lo else "5",
                length=len(v), min=lo, max=hi)


def _sv1(ev: Any, seg: Any) -> Iterator[tuple[str, Hit]]:
    proc = seg.comp(1)
    if proc and (len(proc) < 2 or not proc[1]):
        yield "CK-G002", ev.hit("SV1-01-2 (procedure code) is required but empty", pos=1,
                                comp=2, ik4="1")
    if proc and proc[0] not in _PROC_QUALIFIERS:
        yield "CK-G004", ev.hit(f"SV1-01-1 {proc[0]!r} is not a procedure code qualifier "
                                "(HC for CPT/HCPCS)", pos=1, comp=1, ik4="7")
    ptr = seg.comp(7)
    if ptr and not ptr[0]:
        yield "CK-G002", ev.hit("SV1-07-1 (first diagnosis pointer) is required but empty",
                                pos=7, comp=1, ik4="1")
    for i, p in enumerate(ptr, start=1):
        if p and not p.isdecimal():
            yield "CK-X018", ev.hit(f"SV1-07-{i} pointer {p!r} is not a number", pos=7, comp=i,
                                    ik4="6")


def _clm(ev: Any, seg: Any) -> Iterator[tuple[str, Hit]]:
    fac = seg.comp(5)
    if fac:
        for i, name in ((1, "place of service"), (2, "facility code qualifier"),
                        (3, "claim frequency code")):
            if len(fac) < i or not fac[i - 1]:
                yield "CK-G002", ev.hit(f"CLM-05-{i} ({name}) is required but empty", pos=5,
                                        comp=i, ik4="1")
        if len(fac) > 1 and fac[1] and fac[1] not in _FACILITY_QUALIFIERS:
            yield "CK-G004", ev.hit(f"CLM-05-2 {fac[1]!r} must be B (place of service code)",
                                    pos=5, comp=2, ik4="7")


def _hi(ev: Any, seg: Any) -> Iterator[tuple[str, Hit]]:
    if ev.loop != "2300":
        return
    comp = seg.delimiters.component
    for pos, el in enumerate(seg.elements, start=1):
        if not el:
            continue
        parts = el.split(comp)
        if parts[0] in DX_QUALIFIERS and (len(parts) < 2 or not parts[1]):
            yield "CK-G002", ev.hit(f"HI-{pos:02d}-2 (diagnosis code) is required but empty",
                                    pos=pos, comp=2, ik4="1")
    first = seg.comp(1)
    if first and first[0] in ("ABF", "BF"):
        yield "CK-G004", ev.hit(f"HI-01-1 {first[0]!r}: the first diagnosis must be the "
                                "principal one (ABK, or BK for ICD-9)", pos=1, comp=1, ik4="7")


_COMPOSITE = {"SV1": _sv1, "CLM": _clm, "HI": _hi}


def _dmg(ev: Any, seg: Any) -> Iterator[tuple[str, Hit]]:
    v = seg.el(2)
    if seg.el(1) == "D8" and v and parse_d8(v) is None:
        yield "CK-X006", ev.hit(f"DMG-02 {ev.show(v)} is not a CCYYMMDD date", pos=2, ik4="8")


def _dtp(ev: Any, seg: Any) -> Iterator[tuple[str, Hit]]:
    fmt, v = seg.el(2), seg.el(3)
    if not v:
        return
    if fmt == "D8":
        ok = parse_d8(v) is not None
    elif fmt == "RD8":
        a, _, b = v.partition("-")
        da, db = parse_d8(a), parse_d8(b)
        ok = da is not None and db is not None and da <= db
    else:
        return
    if not ok:
        yield "CK-X006", ev.hit(f"DTP-03 {v!r} is not a valid {fmt} date"
                                + (" range" if fmt == "RD8" else ""), pos=3, ik4="8")


_DATES = {"DMG": _dmg, "DTP": _dtp}
