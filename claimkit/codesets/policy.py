"""Payer-policy tables: facts the therapy and payer edits look up by date of service.

Four small bundled systems, each a TSV with its own rows' effective dates (codesets/sources.json
says where each fact comes from):

- ``therapy-threshold``: the annual KX modifier threshold by calendar year (code = the year).
- ``addon``: therapy add-on codes and the primary codes they are billed with.
- ``telehealth``: the Medicare telehealth list (kind ``procedure``) and the places of service
  and modifiers that mark a line as telehealth (kinds ``pos``, ``modifier``).
- ``therapy-roles``: assistant taxonomies and their payment modifier, evaluation codes, the
  documented-time ranges of time-banded codes, codes for licensed practitioners only.

The rules never hold these lists; they ask :meth:`Registry.policy` with the date of service.
"""
from __future__ import annotations

from datetime import date

from .model import Release
from .tables import read_rows

POLICY_SYSTEMS = ("therapy-threshold", "addon", "telehealth", "therapy-roles")


class PolicyTable:
    """{(kind, code): [row, ...]} of one release; ``kind`` is '' for tables without that column."""

    def __init__(self, release: Release) -> None:
        self.release = release
        header, rows = read_rows(release)
        self.rows: dict[tuple[str, str], list[dict[str, str]]] = {}
        for r in rows:
            row = dict(zip(header, (c.strip() for c in r)))
            key = (row.get("kind", ""), row.get("code", "").upper())
            self.rows.setdefault(key, []).append(row)

    def __contains__(self, code: str) -> bool:
        return any(c == code for _, c in self.rows)

    def answer(self, code: str, on: date, kind: str = "") -> list[dict[str, str]]:
        """The rows for CODE (of KIND) in force on ON."""
        return [r for r in self.rows.get((kind, code.strip().upper()), ()) if _in_force(r, on)]


def _in_force(row: dict[str, str], on: date) -> bool:
    start, end = row.get("effective_from") or "", row.get("effective_to") or ""
    return not (start and on < date.fromisoformat(start)) and not (end and on > date.fromisoformat(end))
