"""Units for one pool of claim groups: the CMS rule pools a patient's day across claims.

A *group* becomes one claim (patient, date, payer, billing provider, rendering provider, place
of service). A *pool* is the set of groups whose timed minutes count together: under the CMS
rule every group of one patient, date, payer and billing provider (Pub. 100-04 ch. 5 sec. 20.2
counts the timed minutes of the day, whoever gave them and wherever); under the AMA rule each
group alone (each code on its own, as before).

How a pooled code's units reach the claims: the day's units of a code (the CMS allocation over
the pooled minutes) are shared among the groups that gave that code like the rule shares units
among codes: each group first gets the whole 15-minute units of its own minutes, then the
remaining units go one at a time to the groups with the most leftover minutes; a tie goes to the
group listed first (input order). So 10 + 10 minutes of 97110 by two clinicians bill 1 unit, on
the first clinician's claim; the other's minutes stay documented (CK-U001) and the unit audit
(CK-T011) sees the whole day on both claims (``documented_minutes``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from claimkit.diagnostics import Diagnostic, Location
from claimkit.rules.build_rules import finding
from claimkit.units import UNIT_MINUTES, explicit_units_reason, get_policy


@dataclass
class GroupUnits:
    """One group's units per code and the findings of deriving them."""

    units: dict[str, int]  # code -> units billed on this group's claim
    diagnostics: list[Diagnostic]


def share(units: int, minutes: Sequence[int | None]) -> list[int]:
    """Split ``units`` of one code among contributors with these minutes (None: not given)."""
    got = [0 if m is None else m // UNIT_MINUTES for m in minutes]
    while sum(got) > units:  # cannot happen under the CMS allocation; kept safe all the same
        got[max(range(len(got)), key=lambda i: got[i])] -= 1
    left = units - sum(got)
    order = sorted((i for i, m in enumerate(minutes) if m is not None),
                   key=lambda i: -((minutes[i] or 0) % UNIT_MINUTES))  # stable: input order wins ties
    for i in order[:max(left, 0)]:
        got[i] += 1
    return got


def pool_units(groups: Sequence[dict[str, list[Any]]], dos: date, rule: str, registry: Any
               ) -> tuple[list[GroupUnits], dict[str, int]]:
    """Units per code for each group of one pool, and the pool's timed minutes per code.

    ``groups``: per group, code -> the items (service, index, session, origin) giving it.
    Timed codes by the payer's rule over the pool; untimed 1 a day per claim; explicit units kept.
    """
    out = [GroupUnits({}, []) for _ in groups]
    timed: list[dict[str, int]] = [{} for _ in groups]
    for g, by_code in enumerate(groups):
        for code, its in by_code.items():
            explicit = [i.service.units for i in its if i.service.units is not None]
            if explicit and len(explicit) == len(its):
                out[g].units[code] = sum(explicit)  # the clinician's count; the validator audits it
                continue
            model = registry.time_model(code, dos)
            if model == "per15":
                timed[g][code] = sum(i.service.minutes or 0 for i in its)
            elif model == "untimed":
                out[g].units[code] = 1  # service-based codes bill once per day whatever the time
            elif model in ("initial", "addon", "unlisted"):
                out[g].diagnostics.append(finding("CK-U002", _loc(its[0], "code"), explicit_units_reason(code, model),
                                                  values={"code": code, "time_model": model}))
            else:
                out[g].diagnostics.append(finding("CK-U002", _loc(its[0], "code"),
                    f"{code} is not a known procedure code on {dos.isoformat()}: cannot derive "
                    "units from minutes", values={"code": code}))
    pooled: dict[str, int] = {}
    for t in timed:
        for code, m in t.items():
            pooled[code] = pooled.get(code, 0) + m
    if not pooled:
        return out, pooled
    alloc = get_policy(rule).allocate(pooled)
    for ln in alloc.lines:
        given = [t.get(ln.code) for t in timed]
        for g, n in enumerate(share(ln.units, given)):
            if given[g] is None:
                continue
            out[g].units[ln.code] = n
            if n == 0:
                item = groups[g][ln.code][0]
                why = (f"day total {alloc.total_minutes} min = {alloc.total_units} units"
                       if ln.units == 0 else
                       f"the day's {ln.units} unit(s) of {ln.code} ({ln.minutes} min pooled across "
                       "the patient's claims that day) are billed on another claim")
                out[g].diagnostics.append(finding("CK-U001", _loc(item, "minutes"),
                    f"{ln.code}: {given[g]} documented minutes earn no unit under the {rule} rule "
                    f"({why}); no line billed",
                    values={"code": ln.code, "minutes": given[g], "rule": rule}))
    if alloc.alternatives:
        g = next(g for g, t in enumerate(timed) if t)
        item = next(iter(groups[g].values()))[0]
        out[g].diagnostics.append(finding("CK-U004", Location(file=item.origin.file, row=item.origin.row),
            f"tie under the CMS rule: units went to {_fmt(alloc.lines)}; also allowed: "
            + " | ".join(_fmt(a) for a in alloc.alternatives),
            values={"alternatives": len(alloc.alternatives)}))
    return out, pooled


def _loc(item: Any, what: str) -> Location:
    # Only called for a finding: the service's line may need the record's positions, which
    # are computed on first use (claimkit.positions.LazyPositions), so never ahead of need.
    return Location(file=item.origin.file, row=item.origin.row_of_service(item.index),
                    field=f"services[{item.index + 1}].{what}")


def _fmt(lines: Sequence[Any]) -> str:
    return ", ".join(f"{ln.code}x{ln.units}" for ln in lines if ln.units)
