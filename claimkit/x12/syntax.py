"""X12 syntax notes (X12.6 section 5.2.2): the relational conditions between the elements of a
segment, as the guide lists them per segment (``"P0304"``, ``"C0605"`` ...)."""
from __future__ import annotations


def syntax_ok(els: list[str], notes: tuple[str, ...]) -> bool:
    """True when the elements meet every X12 syntax note (X12.6 section 5.2.2)."""
    return all(violation(els, note) is None for note in notes)


def violation(els: list[str], note: str) -> str | None:
    """What breaks NOTE ("P0304": type letter, then 2-digit positions), or None.

    P paired: all or none; R required: at least one; E exclusion: at most one; C conditional:
    if the first is present, all the others; L list conditional: if the first, one of the
    others."""
    kind, cols = note[0], [int(note[i:i + 2]) for i in range(1, len(note), 2)]
    have = [c for c in cols if c <= len(els) and els[c - 1]]
    if kind == "P" and have and len(have) != len(cols):
        return "present together or not at all"
    if kind == "R" and not have:
        return "at least one present"
    if kind == "E" and len(have) > 1:
        return "not more than one present"
    if kind == "C" and cols[0] in have and len(have) != len(cols):
        return f"present when element {cols[0]:02d} is"
    if kind == "L" and cols[0] in have and len(have) < 2:
        return f"at least one present when element {cols[0]:02d} is"
    return None


def compile_notes(notes: tuple[str, ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """NOTES as (kind, positions) pairs, for :func:`notes_ok` on the hot path."""
    return tuple((n[0], tuple(int(n[i:i + 2]) for i in range(1, len(n), 2))) for n in notes)


def notes_ok(els: list[str], compiled: tuple[tuple[str, tuple[int, ...]], ...]) -> bool:
    """:func:`syntax_ok` over compiled notes: True when no note is broken."""
    n = len(els)
    for kind, cols in compiled:
        have = 0
        first = False
        for i, c in enumerate(cols):
            if c <= n and els[c - 1]:
                have += 1
                if i == 0:
                    first = True
        if kind == "P":
            if have and have != len(cols):
                return False
        elif kind == "R":
            if not have:
                return False
        elif kind == "E":
            if have > 1:
                return False
        elif kind == "C":
            if first and have != len(cols):
                return False
        elif kind == "L":
            if first and have < 2:
                return False
    return True
