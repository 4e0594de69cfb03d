"""Small code tables whose rows carry their own effective/termination dates (procedure, hcpcs,
cpt, modifier, pos, taxonomy), and the procedure lookup that combines them."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .model import Lookup, Release, Status
from .tables import read_rows

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry

# Columns copied into Lookup.attrs when present and non-blank.
_ATTR_COLUMNS = ("kind", "time_model", "initial_minutes", "always_therapy", "effective_from", "effective_to", "note",
                 "classification", "specialization", "action", "short")


class DatedTable:
    """{code: {column: value}} for one release."""

    def __init__(self, release: Release) -> None:
        self.release = release
        header, rows = read_rows(release)
        self.header = header
        self.rows: dict[str, dict[str, str]] = {}
        for r in rows:
            self.rows[r[0].strip().upper()] = dict(zip(header, r))

    def __contains__(self, code: str) -> bool:
        return code in self.rows

    def get(self, code: str) -> dict[str, str] | None:
        return self.rows.get(code)


def row_status(row: dict[str, str], on: date) -> Status:
    start, end = row.get("effective_from") or "", row.get("effective_to") or ""
    if start and on < date.fromisoformat(start):
        return Status.NOT_YET_VALID
    if end and on > date.fromisoformat(end):
        return Status.TERMINATED
    return Status.BILLABLE


def row_attrs(row: dict[str, str]) -> dict[str, str]:
    return {k: row[k] for k in _ATTR_COLUMNS if row.get(k)}


def lookup_dated(reg: Registry, system: str, code: str, on: date) -> Lookup:
    """Lookup in one dated system (modifier, pos, taxonomy, hcpcs, cpt)."""
    norm = code.strip().upper()
    release = reg.release_for(system, on)
    if release is None:
        return Lookup(system, norm, on, Status.NO_RELEASE, None,
                      attrs={"reason": f"no {system} release installed covers {on.isoformat()}"})
    row = reg.table(release).get(norm)
    if row is None and system == "modifier":  # a user-imported HCPCS file also lists Level II modifiers
        hcpcs = reg.release_for("hcpcs", on)
        row = reg.table(hcpcs).get(norm) if hcpcs else None
        release = hcpcs if row else release
    if row is None:
        return Lookup(system, norm, on, Status.UNKNOWN, release.name)
    label = row.get("label") or row.get("short") or None
    return Lookup(system, norm, on, row_status(row, on), release.name, label, (), row_attrs(row))


def _valid_replacements(table: DatedTable, codes: str, on: date, depth: int = 0) -> list[str]:
    """Replacement codes valid on ON; a replacement that has itself ended is followed to its own."""
    out: list[str] = []
    for code in codes.split():
        row = table.get(code)
        if row is None:
            out.append(code)  # named by the table but not described: keep the hint
            continue
        status = row_status(row, on)
        if status is Status.BILLABLE:
            out.append(code)
        elif status is Status.TERMINATED and depth < 5:
            out.extend(c for c in _valid_replacements(table, row.get("replacements", ""), on, depth + 1) if c not in out)
    return out


def lookup_procedure(reg: Registry, code: str, on: date) -> Lookup:
    """The therapy table first; then a user-imported HCPCS Level II release; then a user CPT release."""
    norm = code.strip().upper()
    release = reg.release_for("procedure", on)
    cpt_rel = reg.release_for("cpt", on)
    cpt_row = reg.table(cpt_rel).get(norm) if cpt_rel else None
    extra = {"descriptor": cpt_row.get("long") or cpt_row.get("short", "")} if cpt_row else {}
    if release is not None:
        table: DatedTable = reg.table(release)
        row = table.get(norm)
        if row is not None:
            status = row_status(row, on)
            repl = _valid_replacements(table, row.get("replacements", ""), on) if status is not Status.BILLABLE else []
            attrs = row_attrs(row) | extra
            return Lookup("procedure", norm, on, status, release.name, row.get("label") or None, tuple(repl), attrs)
    hcpcs_rel = reg.release_for("hcpcs", on)
    if hcpcs_rel is not None and norm in reg.table(hcpcs_rel):
        found = lookup_dated(reg, "hcpcs", norm, on)
        return Lookup("procedure", norm, on, found.status, found.release, found.label, (), dict(found.attrs))
    if cpt_row is not None:
        return Lookup("procedure", norm, on, Status.BILLABLE, cpt_rel.name, None, (), {"kind": "cpt"} | extra)
    if release is None and hcpcs_rel is None:
        return Lookup("procedure", norm, on, Status.NO_RELEASE, None,
                      attrs={"reason": f"no procedure code release installed covers {on.isoformat()}"})
    return Lookup("procedure", norm, on, Status.UNKNOWN, (release or hcpcs_rel).name)
