"""How many procedure modifiers a service line carries, and the finding when a service has more
(rule CK-U012).

SV101 (2400 SV1) has four modifier positions, SV101-3 to SV101-6; the number comes from the
guide data. The builder merges a service's modifiers (those given on its rows, plus the plan of
care modifier GP/GO/GN it adds first), so a line can end up with more than fit; dropping the
last ones silently would bill something other than what was documented.
"""
from __future__ import annotations

from typing import Any, Sequence

from claimkit.diagnostics import Diagnostic
from claimkit.rules.build_rules import finding


def _sv1_modifier_positions() -> int:
    from claimkit.x12.guide import guide

    sv1 = next(s for s in guide().loops["2400"].segments if s.id == "SV1")
    return sum(1 for c in sv1.elements[0].components if c.name.startswith("Procedure Modifier"))


MAX_MODIFIERS = _sv1_modifier_positions()


def too_many(code: str, modifiers: Sequence[str], items: Sequence[Any], default: str | None
             ) -> Diagnostic | None:
    """The CK-U012 finding for a line of ``code`` whose merged ``modifiers`` do not fit SV101,
    at the first service row that gave modifiers (``items``: the builder's items of the line;
    ``default``: the provider's plan of care modifier, which the builder may have put first)."""
    if len(modifiers) <= MAX_MODIFIERS:
        return None
    given = {m for i in items for m in i.service.modifiers}
    added = default if default and modifiers[0] == default and default not in given else None
    item = next((i for i in items if i.service.modifiers), items[0])
    origin, idx = item.origin, item.index
    rows = sorted({i.origin.row_of_service(i.index) for i in items})
    where = (f"rows {', '.join(map(str, rows))}" if len(rows) > 1 and origin.service_rows
             else f"services[{idx + 1}]")
    from claimkit.loaders import locate  # the cell as written: service_modifiers in a CSV

    return finding(
        "CK-U012", locate(origin, None, f"services[{idx + 1}].modifiers"),
        f"session {item.session.session_id}: {code} has {len(modifiers)} modifiers "
        f"({' '.join(modifiers)}" + (f", {added} added for the plan of care" if added else "")
        + f"; {where}); an 837P line carries {MAX_MODIFIERS} (SV101-3 to SV101-6), so "
        f"{' '.join(modifiers[MAX_MODIFIERS:])} would be dropped",
        values={"code": code, "modifiers": list(modifiers), "max": MAX_MODIFIERS})
