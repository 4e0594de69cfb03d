"""Units of one patient's day with the code-set answers behind them (``claimkit units``).

The time model of each code comes from the procedure release answering the date of service; a
release carried forward past its end still answers, and the codes it answered are listed so the
user learns to import the newer release (claimkit.codesets.updates says which).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Sequence


@dataclass
class DayUnits:
    """The allocation (claimkit.units.Allocation) and the carried-forward notes, one per code."""

    allocation: Any
    carried_forward: list[dict[str, str]] = field(default_factory=list)


def day_units(services: Sequence[tuple[str, int]], rule: str, on: date, *,
              store: str | Path | None = None) -> DayUnits:
    """Allocate units for ``services`` ((code, minutes) pairs) on ``on`` under ``rule`` (cms or
    ama); raises claimkit.units.TimeModelError for a code without a time model that day."""
    from claimkit.codesets import registry_for
    from claimkit.codesets.updates import update_hint
    from claimkit.units import day_allocation

    registry = registry_for(store)  # bundled + the user store: an imported release answers too
    alloc = day_allocation(list(services), rule, lambda code: registry.time_model(code, on))
    carried: list[dict[str, str]] = []
    for code in dict.fromkeys(c for c, _ in services):
        found = registry.lookup("procedure", code, on)
        if found.stale:
            carried.append({"code": code, "release": found.release or "",
                            "ended": found.attrs.get("release_ended", ""),
                            "update": update_hint("procedure", on)})
    return DayUnits(alloc, carried)
