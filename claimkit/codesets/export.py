"""A dated table's release as CSV in the import layout (`claimkit codeset export`): the starting
point of next year's file, so a practice edits the changes instead of typing the table."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import TYPE_CHECKING

from claimkit.errors import CodesetError

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry

COLUMNS = {
    "procedure": ("code", "kind", "time_model", "initial_minutes", "therapy", "discipline", "effective_from",
                  "effective_to", "replacements", "label", "note"),
    "modifier": ("code", "kind", "label", "effective_from", "effective_to", "note"),
    "pos": ("code", "label", "effective_from", "effective_to", "note"),
}


def export_csv(reg: Registry, system: str, on: date) -> str:
    """The rows of the SYSTEM release that answers ON, in the layout `codeset import` reads."""
    if system not in COLUMNS:
        raise CodesetError(f"cannot export {system!r}: exportable systems are {', '.join(COLUMNS)}")
    release, _ = reg.answering(system, on)
    if release is None:
        raise CodesetError(f"no {system} release installed answers for {on.isoformat()}")
    table = reg.table(release)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS[system])
    for code in sorted(table.rows):
        row = table.rows[code]
        out.writerow([row.get(c, "") for c in COLUMNS[system]])
    return buf.getvalue()
