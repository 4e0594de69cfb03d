"""X12 syntax notes (X12.6 section 5.2.2): the relational conditions between the elements of a
segment, as the guide lists them per segment (``"P0304"``, ``"C0605"`` ...).

One evaluator, :func:`broken`, answers for the element check (which reports why) and for the
quick clean check (which only asks whether any note is broken), on notes compiled once.
"""
from __future__ import annotations

Compiled = tuple[str, tuple[int, ...]]


def compile_notes(notes: tuple[str, ...]) -> tuple[Compiled, ...]:
    """Notes as (kind, element positions): ``"P0304"`` -> ``("P", (3, 4))``."""
    return tuple((n[0], tuple(int(n[i:i + 2]) for i in range(1, len(n), 2))) for n in notes)


def broken(els: list[str], kind: str, cols: tuple[int, ...]) -> str | None:
    """What breaks the note (KIND, COLS) in ELS, or None.

    P paired: all or none; R required: at least one; E exclusion: at most one; C conditional:
    if the first is present, all the others; L list conditional: if the first, one of the
    others."""
    n = len(els)
    have = [c for c in cols if c <= n and els[c - 1]]
    if kind == "P":
        return "present together or not at all" if have and len(have) != len(cols) else None
    if kind == "R":
        return None if have else "at least one present"
    if kind == "E":
        return "not more than one present" if len(have) > 1 else None
    first = bool(have) and have[0] == cols[0]
    if kind == "C" and first and len(have) != len(cols):
        return f"present when element {cols[0]:02d} is"
    if kind == "L" and first and len(have) < 2:
        return f"at least one present when element {cols[0]:02d} is"
    return None


def notes_ok(els: list[str], compiled: tuple[Compiled, ...]) -> bool:
    """True when no compiled note is broken (the quick clean check's question)."""
    for kind, cols in compiled:
        if broken(els, kind, cols) is not None:
            return False
    return True
