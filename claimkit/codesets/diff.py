"""Differences between two releases of one system."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from claimkit.errors import CodesetError

from .dated import row_status
from .icd import display
from .model import Diff, Release, Status

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Registry


def _resolve(reg: Registry, system: str, ref: str | date) -> tuple[Release, date | None]:
    if isinstance(ref, str):
        try:
            on = date.fromisoformat(ref)
        except ValueError:
            return reg.release_named(system, ref), None
    else:
        on = ref
    rel = reg.release_for(system, on)
    if rel is None:
        raise CodesetError(f"no {system} release installed covers {on.isoformat()}")
    return rel, on


def diff(reg: Registry, system: str, old: str | date, new: str | date) -> Diff:
    """ICD-10-CM: added/deleted = billable codes gained/lost (CMS's counting), revised = title
    changed, billability_changed = in both releases with the billable flag flipped. Dated tables
    (procedure, modifier...): codes valid on one date and not the other (pass dates)."""
    old_rel, old_on = _resolve(reg, system, old)
    new_rel, new_on = _resolve(reg, system, new)
    old_tab, new_tab = reg.table(old_rel), reg.table(new_rel)
    if system == "icd10cm":
        o, n = old_tab.codes(), new_tab.codes()
        ob = {c for c, r in o.items() if r.startswith("1")}
        nb = {c for c, r in n.items() if r.startswith("1")}
        both = o.keys() & n.keys()
        revised = []
        for c in both:
            (ob_, ot, _), (nb_, nt, _) = old_tab.entry(c), new_tab.entry(c)
            if ob_ == nb_ and ot and nt and ot != nt:  # flips are reported as billability changes
                revised.append(c)
        flipped = [c for c in both if (c in ob) != (c in nb)]
        return Diff(system, old_rel.name, new_rel.name, tuple(sorted(nb - ob)), tuple(sorted(ob - nb)),
                    tuple(sorted(revised)), tuple(sorted(flipped)))
    if system in ("ncci-ptp", "mue"):
        o, n = _keyed(old_tab), _keyed(new_tab)
        changed = [k for k in o.keys() & n.keys() if o[k] != n[k]]
        return Diff(system, old_rel.name, new_rel.name, tuple(sorted(n.keys() - o.keys())),
                    tuple(sorted(o.keys() - n.keys())), tuple(sorted(changed)), ())
    o_valid = _valid(old_tab, old_on or old_rel.effective_from)
    n_valid = _valid(new_tab, new_on or new_rel.effective_from)
    both = o_valid.keys() & n_valid.keys()
    revised = [c for c in both if o_valid[c] != n_valid[c]]
    return Diff(system, _label(old_rel, old_on), _label(new_rel, new_on),
                tuple(sorted(n_valid.keys() - o_valid.keys())), tuple(sorted(o_valid.keys() - n_valid.keys())),
                tuple(sorted(revised)), ())


FIELDS = ("added", "deleted", "revised", "billability_changed")


def shown(result: Diff) -> Diff:
    """RESULT with its codes as people write them (ICD-10-CM with the dot; others unchanged)."""
    if result.system != "icd10cm":
        return result
    lists = {f: tuple(display(result.system, c) for c in getattr(result, f)) for f in FIELDS}
    return Diff(result.system, result.old, result.new, **lists)


def diff_dict(result: Diff) -> dict[str, object]:
    """``Diff.as_dict()`` with the code lists written for people (ICD-10-CM: M54.50); ``codes``
    holds the same lists as sent on the 837P (M5450), for programs."""
    out = shown(result).as_dict()
    out["codes"] = {f: list(getattr(result, f)) for f in FIELDS}
    return out


def _label(rel: Release, on: date | None) -> str:
    return f"{rel.name}@{on.isoformat()}" if on else rel.name


def _valid(table, on: date | None) -> dict[str, str]:
    """{code: label} of rows valid on ON (every row when ON is unknown)."""
    return {c: r.get("label", "") for c, r in table.rows.items() if on is None or row_status(r, on) is Status.BILLABLE}


def _keyed(table) -> dict[str, str]:
    if hasattr(table, "pairs"):
        return {f"{a}/{b}": "|".join(r[2:5]) for (a, b), r in table.pairs.items()}
    return {c: "|".join(r[1:3]) for c, r in table.rows.items()}
