"""NCCI procedure-to-procedure edits and MUE limits, answered for one date of service."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from .model import Mue, PtpEdit, Release
from .tables import parse_date, read_rows


class PtpTable:
    """One NCCI practitioner PTP release: code pairs (column 1, column 2) with their effective dates."""

    def __init__(self, release: Release) -> None:
        self.release = release
        _, rows = read_rows(release)
        self.pairs: dict[tuple[str, str], tuple[str, ...]] = {}
        self.by_code: dict[str, set[tuple[str, str]]] = {}
        for r in rows:
            key = (r[0], r[1])
            self.pairs[key] = tuple(r)
            self.by_code.setdefault(r[0], set()).add(key)
            self.by_code.setdefault(r[1], set()).add(key)

    def edit(self, column1: str, column2: str, on: date, stale: bool) -> PtpEdit | None:
        """The PTP edit for a column 1/column 2 pair in effect on date ON, or None."""
        row = self.pairs.get((column1, column2))
        if row is None:
            return None
        effective, deletion = parse_date(row[2]), parse_date(row[3])
        if (effective and on < effective) or (deletion and on > deletion):
            return None
        return PtpEdit(row[0], row[1], row[4], effective, deletion, self.release.name, row[5], stale)

    def edits_for(self, codes: Iterable[str], on: date, stale: bool) -> list[PtpEdit]:
        """Every PTP edit in effect on date ON between two of the given codes, in pair order."""
        wanted = {c.strip().upper() for c in codes}
        keys = {k for c in wanted for k in self.by_code.get(c, ()) if k[0] in wanted and k[1] in wanted}
        found = (self.edit(c1, c2, on, stale) for c1, c2 in sorted(keys))
        return [e for e in found if e is not None]


class MueTable:
    """One practitioner MUE release: the most units of a code per line per date of service."""

    def __init__(self, release: Release) -> None:
        self.release = release
        _, rows = read_rows(release)
        self.rows = {r[0]: r for r in rows}

    def get(self, code: str, stale: bool) -> Mue | None:
        """The MUE of CODE in this release, or None when the code has none."""
        r = self.rows.get(code)
        if r is None:
            return None
        return Mue(r[0], int(r[1]), int(r[2]), r[3], self.release.name, stale)
