"""Finding -> 277CA claim status (category, status code, entity), from claim_status.csv."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from claimkit.diagnostics import Diagnostic
from claimkit.errors import CodesetError

TABLE = Path(__file__).resolve().parent / "claim_status.csv"


@dataclass(frozen=True)
class ClaimStatus:
    """A 277CA STC01 claim status: category code, status code and optional entity identifier."""

    category: str  # STC01-1, e.g. "A3"
    code: str  # STC01-2, e.g. "255"
    entity: str | None = None  # STC01-3, e.g. "IL"

    def composite(self) -> list[str]:
        """The STC01 composite's components, without an empty trailing entity."""
        return [self.category, self.code] + ([self.entity] if self.entity else [])


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, ClaimStatus]:
    rows: dict[str, ClaimStatus] = {}
    with open(TABLE, newline="", encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    for n, row in enumerate(csv.DictReader(lines), start=2):
        if not row.get("match") or not row.get("category") or not row.get("status"):
            raise CodesetError("row needs match, category and status", file=str(TABLE),
                               where=f"row {n}")
        rows[row["match"]] = ClaimStatus(row["category"], row["status"], row["entity"] or None)
    if "default" not in rows:
        raise CodesetError("no 'default' row", file=str(TABLE))
    return rows


def status_for(d: Diagnostic) -> ClaimStatus:
    """The STC01 status for a rejecting finding (see the CSV header for the match order)."""
    table = _table()
    hit = table.get(f"rule:{d.rule}")
    if hit:
        return hit
    best = ""
    for key in table:
        if key.startswith("slug:") and d.slug.startswith(key[5:]) and len(key) > len(best):
            best = key
    if best:
        return table[best]
    return table.get(f"level:{d.level}") or table["default"]
