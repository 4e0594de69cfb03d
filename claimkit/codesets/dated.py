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
_ATTR_COLUMNS = ("kind", "time_model", "initial_minutes", "therapy", "discipline", "effective_from", "effective_to",
                 "note",
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
        """The row of CODE (already normalised) as {column: value}, or None when the release lacks it."""
        return self.rows.get(code)


def row_status(row: dict[str, str], on: date) -> Status:
    """Whether a row is billable, not yet valid or terminated on date ON, by its own effective dates."""
    start, end = row.get("effective_from") or "", row.get("effective_to") or ""
    if start and on < date.fromisoformat(start):
        return Status.NOT_YET_VALID
    if end and on > date.fromisoformat(end):
        return Status.TERMINATED
    return Status.BILLABLE


def row_attrs(row: dict[str, str]) -> dict[str, str]:
    """The row's non-empty attribute columns (kind, time model, dates ...) that a lookup reports."""
    return {k: row[k] for k in _ATTR_COLUMNS if row.get(k)}


def _stale_attrs(release: Release, stale: bool) -> dict[str, str]:
    """What a carried-forward answer says about itself (shown by `codeset show`)."""
    if not stale or release.effective_to is None:
        return {}
    return {"carried_forward_from": release.name, "release_ended": release.effective_to.isoformat()}


def lookup_dated(reg: Registry, system: str, code: str, on: date) -> Lookup:
    """Lookup in one dated system (modifier, pos, taxonomy, hcpcs, cpt).

    A code with no end date in the newest release stays valid after that release ends (codes
    are deleted by a release, not by the calendar); such an answer is flagged ``stale``."""
    norm = code.strip().upper()
    release, stale = reg.answering(system, on)
    if system == "modifier":
        # An imported HCPCS Level II file lists the Level II modifiers too (record id 7), with
        # CMS's own add and termination dates: when it covers the date, it is the newer word.
        hcpcs, hcpcs_stale = reg.answering("hcpcs", on)
        hrow = reg.table(hcpcs).get(norm) if hcpcs else None
        if hcpcs is not None and hrow is not None and (release is None or stale or not hcpcs_stale):
            label = hrow.get("label") or hrow.get("short") or None
            return Lookup(system, norm, on, row_status(hrow, on), hcpcs.name, label, (),
                          row_attrs(hrow) | _stale_attrs(hcpcs, hcpcs_stale), hcpcs_stale)
    if release is None:
        return Lookup(system, norm, on, Status.NO_RELEASE, None,
                      attrs={"reason": f"no {system} release installed covers {on.isoformat()}"})
    row = reg.table(release).get(norm)
    if row is None:
        return Lookup(system, norm, on, Status.UNKNOWN, release.name, stale=stale)
    label = row.get("label") or row.get("short") or None
    return Lookup(system, norm, on, row_status(row, on), release.name, label, (),
                  row_attrs(row) | _stale_attrs(release, stale), stale)


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
            later = _valid_replacements(table, row.get("replacements", ""), on, depth + 1)
            out.extend(c for c in later if c not in out)
    return out


def lookup_procedure(reg: Registry, code: str, on: date) -> Lookup:
    """One answer for a procedure code, from every installed source (issue: one source of facts).

    - The procedure table (bundled therapy table or an imported ``procedure`` release) gives the
      facts claimkit bills by: time model, initial minutes, therapy list, dates, replacements.
    - An imported HCPCS Level II release covering the date is CMS's word on a Level II code's
      add and termination dates; it overrides the table's dates (not its time model).
    - An imported CPT release covering the date confirms a CPT code exists that year (and adds
      the licensed descriptor); it clears the staleness of a carried-forward answer.
    Each source's newest release also answers after its end, flagged stale (carry forward).
    """
    norm = code.strip().upper()
    release, stale = reg.answering("procedure", on)
    row = reg.table(release).get(norm) if release is not None else None
    hcpcs_rel, hcpcs_stale = reg.answering("hcpcs", on)
    hrow = reg.table(hcpcs_rel).get(norm) if hcpcs_rel is not None else None
    cpt_rel, cpt_stale = reg.answering("cpt", on)
    cpt_row = reg.table(cpt_rel).get(norm) if cpt_rel is not None else None
    extra = {"descriptor": cpt_row.get("long") or cpt_row.get("short", "")} if cpt_row else {}
    if row is not None:
        assert release is not None
        answered_by: Release | None
        status, answered_by, is_stale = row_status(row, on), release, stale
        attrs = row_attrs(row) | extra
        if hrow is not None and (stale or not hcpcs_stale):
            status, answered_by, is_stale = row_status(hrow, on), hcpcs_rel, hcpcs_stale
            attrs |= {k: v for k, v in row_attrs(hrow).items() if k in ("effective_from", "effective_to", "action")}
        elif cpt_row is not None and stale and not cpt_stale and status is Status.BILLABLE:
            answered_by, is_stale = cpt_rel, False
        if stale and answered_by is not release:
            attrs["facts_from"] = release.name  # time model etc. still from the older table
        assert answered_by is not None
        repl = ([] if status is Status.BILLABLE
                else _valid_replacements(reg.table(release), row.get("replacements", ""), on))
        return Lookup("procedure", norm, on, status, answered_by.name, row.get("label") or None, tuple(repl),
                      attrs | _stale_attrs(answered_by, is_stale), is_stale)
    if hrow is not None:
        found = lookup_dated(reg, "hcpcs", norm, on)
        return Lookup("procedure", norm, on, found.status, found.release, found.label, (), dict(found.attrs),
                      found.stale)
    if cpt_row is not None:
        assert cpt_rel is not None
        return Lookup("procedure", norm, on, Status.BILLABLE, cpt_rel.name, None, (),
                      {"kind": "cpt"} | extra | _stale_attrs(cpt_rel, cpt_stale), cpt_stale)
    if release is None and hcpcs_rel is None and cpt_rel is None:
        return Lookup("procedure", norm, on, Status.NO_RELEASE, None,
                      attrs={"reason": f"no procedure code release installed covers {on.isoformat()}"})
    answered = release or hcpcs_rel or cpt_rel
    assert answered is not None
    return Lookup("procedure", norm, on, Status.UNKNOWN, answered.name,
                  stale=answered is release and stale)
