"""ICD-10-CM releases: fast loading of one release, billable/header status, replacement hints."""
from __future__ import annotations

import bisect
from datetime import date
from typing import TYPE_CHECKING

from .model import Lookup, Release, Status
from .tables import read_text

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry

SYSTEM = "icd10cm"


def normalize(code: str) -> str:
    """'m54.50 ' -> 'M5450' (ICD-10-CM is sent without its dot on the 837)."""
    return code.strip().upper().replace(".", "")


def dotted(code: str) -> str:
    """'M5450' -> 'M54.50': an ICD-10-CM code the way people write it (3-character codes have no dot)."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def display(system: str, code: str) -> str:
    """CODE of SYSTEM as a person reads it: ICD-10-CM with its dot, other systems unchanged."""
    return dotted(code) if system == SYSTEM else code


def lookup_dict(found: Lookup) -> dict[str, object]:
    """``found.as_dict()`` for people and programs: ``code`` stays as sent on the 837P (M5450),
    ``display`` is the written form (M54.50), ``replacements`` are written forms too and
    ``replacement_codes`` the same codes as sent."""
    out: dict[str, object] = {}
    for key, value in found.as_dict().items():
        if key == "replacements":
            out[key] = [display(found.system, c) for c in found.replacements]
            out["replacement_codes"] = list(found.replacements)
        else:
            out[key] = value
        if key == "code":
            out["display"] = display(found.system, found.code)
    return out


class IcdTable:
    """One release, kept as {code: 'flag<TAB>title[<TAB>valid_from]'}; fields are split on demand."""

    def __init__(self, release: Release) -> None:
        self.release = release
        lines = read_text(release).split("\n")
        # first line is the header; a dict built from partitioned lines is the fastest cold load
        self._rows: dict[str, str] = {}
        for line in lines[1:]:
            code, _, rest = line.partition("\t")
            if code:
                self._rows[code] = rest
        self._sorted: list[str] | None = None

    def __contains__(self, code: str) -> bool:
        return code in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def entry(self, code: str) -> tuple[bool, str, str] | None:
        """(billable, title, valid_from) or None."""
        rest = self._rows.get(code)
        if rest is None:
            return None
        parts = rest.split("\t")
        return parts[0] == "1", parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""

    def codes(self) -> dict[str, str]:
        """Every code of the release, mapped to its raw tab-joined row (billable flag, title, valid-from)."""
        return self._rows

    def billable_under(self, prefix: str, on: date | None = None) -> list[str]:
        """Billable codes that extend PREFIX (the codes that replace a header), in code order;
        with ON, only those already valid on that date (a row's valid_from is not after ON)."""
        if self._sorted is None:
            self._sorted = sorted(self._rows)
        keys = self._sorted
        out = []
        i = bisect.bisect_right(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix):
            rest = self._rows[keys[i]]
            if rest.startswith("1") and (on is None or _started(rest, on)):
                out.append(keys[i])
            i += 1
        return out


def _started(rest: str, on: date) -> bool:
    """True unless the row 'flag<TAB>title<TAB>valid_from' starts after ON."""
    parts = rest.split("\t")
    return len(parts) < 3 or not parts[2] or date.fromisoformat(parts[2]) <= on


def lookup(reg: Registry, code: str, on: date) -> Lookup:
    """Look up an ICD-10-CM code in the release that covers date of service ON."""
    norm = normalize(code)
    release = reg.release_for(SYSTEM, on)
    attrs = {"display": dotted(norm)}
    if release is None:
        attrs["reason"] = f"no ICD-10-CM release installed covers {on.isoformat()}"
        return Lookup(SYSTEM, norm, on, Status.NO_RELEASE, None, None, (), attrs)
    table: IcdTable = reg.table(release)
    entry = table.entry(norm)
    if entry is not None:
        billable, title, valid_from = entry
        label = title or None
        if valid_from and on < date.fromisoformat(valid_from):
            attrs["valid_from"] = valid_from
            return Lookup(SYSTEM, norm, on, Status.NOT_YET_VALID, release.name, label, (), attrs)
        if billable:
            return Lookup(SYSTEM, norm, on, Status.BILLABLE, release.name, label, (), attrs)
        repl = tuple(table.billable_under(norm, on))
        return Lookup(SYSTEM, norm, on, Status.HEADER, release.name, label, repl, attrs)
    # Not in the release that covers the date: was it deleted, or is it newer?
    status, seen_in = Status.UNKNOWN, None
    for other in reg.releases(SYSTEM):
        if other is release or norm not in reg.table(other):
            continue
        if other.effective_to and other.effective_to < on:
            status, seen_in = Status.TERMINATED, other.name
        elif status is Status.UNKNOWN and other.effective_from and other.effective_from > on:
            status, seen_in = Status.NOT_YET_VALID, other.name
    if seen_in:
        attrs["seen_in"] = seen_in
    repl = tuple(_successors(table, norm, on)) if status is Status.TERMINATED else ()
    return Lookup(SYSTEM, norm, on, status, release.name, None, repl, attrs)


def _successors(table: IcdTable, code: str, on: date, limit: int = 20) -> list[str]:
    """Billable codes of TABLE that take over a deleted CODE: its own descendants, else those of
    its nearest surviving ancestor (T81.32XA -> T81.320A ... T81.329A: same 7th character)."""
    found = table.billable_under(code, on)
    if found:
        return found[:limit]
    for cut in range(len(code) - 1, 2, -1):
        stem = code[:cut].rstrip("X")
        if stem in table:
            found = table.billable_under(stem, on)
            if len(code) == 7:
                found = [c for c in found if len(c) == 7 and c[6] == code[6]]
            return found[:limit]
    return []
