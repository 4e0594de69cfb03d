"""A quick "clean" for the element check: the TR3 element table as one regular expression.

:func:`claimkit.rules.x12_common.check_elements` walks a segment's element table in Python.
Most segments are clean, so the same table (:data:`~claimkit.x12.guide.tables.ELEMENTS`, the
composite and date checks beside it) is compiled, per loop, segment ID and delimiters, into an
expression that only a segment the check finds nothing in can match: a match skips the check.
It is deliberately narrower than the check (no signs or trailing points in amounts, no RD8
ranges ...): anything it does not match goes through the
full check, which decides. Dates still need the calendar, so their digits are checked after.
"""
from __future__ import annotations

import re
from typing import Any

from claimkit.x12.guide.tables import ELEMENTS, MAX_ELEMENTS, MULTI_USE, SYNTAX, USE_ELEMENTS, qualifier
from claimkit.x12.origin import parse_d8
from claimkit.x12.syntax import compile_notes, notes_ok

_PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]  # the X12 character set the check accepts
_NUM = re.compile(r"^-?(\d+\.?\d*|\.\d+)$", re.ASCII)  # x12_common's R (decimal) syntax
# (loop, segment ID, qualifier or None, element and component separators) -> compiled pattern
_PATTERNS: dict[tuple[Any, str, str | None, str, str], Any] = {}
PATTERNS_MAX = 512
_NONE: frozenset[str] = frozenset()
_MULTI: dict[Any, frozenset[str]] = {}  # loop -> the segments it uses several times (by qualifier)
for _loop, _sid in MULTI_USE:
    _MULTI[_loop] = _MULTI.get(_loop, _NONE) | {_sid}  # (loop, segment, delimiters) combinations kept, then forgotten


def _chars(*excluded: str) -> str:
    return "[" + "".join(re.escape(c) for c in _PRINTABLE if c not in excluded) + "]"


def _value_ok(v: str, typ: str, lo: int, hi: int) -> bool:
    """check_elements' verdict on a non-empty value of an N0, R, AN or ID element."""
    if typ == "N0":
        return v.isdecimal() and lo <= len(v) <= hi
    if typ == "R":
        return bool(_NUM.match(v)) and lo <= len(v) - v.count("-") - v.count(".") <= hi
    return lo <= len(v) <= hi


def _element(entry: tuple[Any, ...], sep: str, text: str) -> str | None:
    """What one element table entry accepts (None: dates and times, left to the check)."""
    _, usage, typ, lo, hi, codes = entry
    low = max(lo, 1)
    if usage == "N":  # "Not Used": only an absent element is clean
        return ""
    if typ in ("DT", "TM"):
        return None
    if typ == "C":
        body = f"{text}+"
    elif codes is not None:
        ok = [c for c in codes if _value_ok(c, typ, lo, hi) and set(c) <= set(_PRINTABLE)
              and sep not in c]
        body = "(?:" + "|".join(re.escape(c) for c in sorted(ok, key=len, reverse=True)) + ")"
        if not ok:
            body = "(?!)"  # no value passes: the element can only be absent
    elif typ == "N0":
        body = f"[0-9]{{{low},{hi}}}"
    elif typ == "R":  # plain digits, or digits with a point: the digit count is what counts
        body = (f"(?:[0-9]{{{low},{hi}}}|(?=[0-9.]{{{low + 1},{hi + 1}}}(?:{re.escape(sep)}|$))"
                f"[0-9]+\\.[0-9]+)")
    else:
        body = f"{text}{{{low},{hi}}}"
    return body if usage == "R" else f"(?:{body})?"


def _composite(entry: tuple, part: str, c: str) -> str:
    """A composite's components from its guide entry: count, usage, lengths and code values."""
    pats = []
    for _, usage, typ, lo, hi, codes in entry[5]:
        if usage == "N":
            pats.append("")
            continue
        if typ == "ID" and codes:
            body = _alternatives(codes)
        elif typ == "N0":
            body = f"[0-9]{{{max(lo, 1)},{hi}}}"
        else:
            body = f"{part}{{{max(lo, 1)},{hi}}}"
        pats.append(body if usage == "R" else f"(?:{body})?")
    pats = pats[:entry[3]]  # components past the last used one: not allowed
    required = max((i for i, e in enumerate(entry[5][:entry[3]]) if e[1] == "R"), default=0)
    tail = ""
    for i in range(len(pats) - 1, 0, -1):  # nested: the composite may end after a required part
        piece = c + pats[i] + tail
        tail = piece if i <= required else f"(?:{piece})?"
    return pats[0] + tail


def _implied(note: tuple[str, tuple[int, ...]], required_at: set[int]) -> bool:
    """True when NOTE holds for every segment whose required elements are all present."""
    kind, cols = note
    if kind == "P":
        return all(c in required_at for c in cols)
    if kind == "R":
        return any(c in required_at for c in cols)
    if kind == "C":
        return all(c in required_at for c in cols[1:])
    if kind == "L":
        return any(c in required_at for c in cols[1:])
    return False  # E (exclusion) always needs a look


def _alternatives(codes: Any) -> str:
    return "(?:" + "|".join(re.escape(v) for v in sorted(codes, key=len, reverse=True)) + ")"


def _dates(sid: str) -> dict[int, str]:
    """Date elements: their digits (the calendar is checked after the match)."""
    if sid == "DMG":
        return {1: "D8", 2: "(?P<date>[0-9]{8})"}
    if sid == "DTP":
        return {2: "D8", 3: "(?P<date>[0-9]{8})"}
    return {}


def _compile(loop: Any, sid: str, q: str | None, sep: str, comp: str) -> Any:
    """The expression for (loop, segment ID, use, delimiters), None when there is none."""
    if sid == "ISA" or comp not in _PRINTABLE:  # (a control character as component separator)
        return None
    text, part, c = _chars(sep), _chars(sep, comp), re.escape(comp)
    spec = (USE_ELEMENTS.get((f"{loop}.{sid}", q)) if q is not None else None) \
        or ELEMENTS.get(f"{loop}.{sid}") or ELEMENTS.get(sid) or ()
    mx = MAX_ELEMENTS.get(sid)
    if mx is None:  # an unknown segment: only the character set is checked
        return re.compile(re.escape(sid) + f"(?:{re.escape(sep)}{text}*)*"), False, None
    patterns = {i: f"{text}*" for i in range(1, mx + 1)}
    required = 0
    for entry in spec:
        pos = entry[0]
        if entry[2] == "C" and entry[1] != "N":
            p: str | None = _composite(entry, part, c)
            if entry[1] != "R":
                p = f"(?:{p})?"
        else:
            p = _element(entry, sep, text)
        if p is None or pos > mx:
            return None
        patterns[pos] = p
        if entry[1] == "R":
            required = pos
    patterns.update(_dates(sid))
    tail = ""
    for i in range(mx, 0, -1):  # nested: the segment may end after its last required element
        piece = re.escape(sep) + patterns[i] + tail
        tail = piece if i <= required else f"(?:{piece})?"
    regex = re.compile(re.escape(sid) + tail)
    # Syntax notes the pattern already guarantees need no check after a match: a pair of
    # required elements (P), a requirement one of whose elements is required (R, L), a
    # condition whose other elements are required (C).
    required_at = {e[0] for e in spec if e[1] == "R"}
    notes = tuple(n for n in compile_notes(SYNTAX.get(f"{loop}.{sid}") or ())
                  if not _implied(n, required_at))
    return regex, "date" in regex.groupindex, notes or None


def is_clean(seg: Any, loop: Any) -> bool:
    """True only when check_elements would find nothing in ``seg`` placed in ``loop``."""
    d = seg.delimiters
    sid = seg.id
    q = qualifier(seg.elements, d.component) if sid in _MULTI.get(loop, _NONE) else None
    key = (loop, sid, q, d.element, d.component)
    pattern = _PATTERNS.get(key, False)
    if pattern is False:
        if len(_PATTERNS) >= PATTERNS_MAX:  # bounded: a few hundred compiled expressions
            _PATTERNS.clear()
        pattern = _PATTERNS[key] = _compile(loop, sid, q, d.element, d.component)
    if pattern is None:
        return False
    regex, dated, notes = pattern
    raw = seg.raw
    if raw[-1:] == d.element:  # a trailing separator is a finding (CK-X023): not clean
        return False
    m = regex.fullmatch(raw)
    return (m is not None and (not dated or parse_d8(m["date"]) is not None)
            and (notes is None or notes_ok(seg.elements, notes)))
