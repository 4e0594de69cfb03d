"""Unit policies for timed ("each 15 minutes") codes, as named objects; pure arithmetic.

* ``cms``: the total-time rule of the Medicare Claims Processing Manual (Pub. 100-04, ch. 5,
  sec. 20.2): pool the day's timed minutes, bill ``floor((T + 7) / 15)`` units (none below 8
  minutes), give each code its whole 15-minute units first, then hand the remaining units one at
  a time to the codes with the most leftover minutes.
* ``ama``: the CPT "rule of eights" applied to each code on its own (no pooling).

Only timed codes go in: which codes are timed is codeset data (``time_model == "per15"``), never
decided here. Minutes of the same code are summed before allocation.

Ties (CMS): when several codes have the same leftover at the cut, the clinician may choose. The
default here is deterministic and documented: **the code given first wins** (input order, which
is the session's service order). Every other permitted choice is listed in ``alternatives``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Callable, Iterable, Mapping, Protocol

UNIT_MINUTES = 15
THRESHOLD = 8  # minutes: a unit needs more than half of 15 minutes (Pub. 100-04 ch. 5 sec. 20.2)


def units_for_minutes(minutes: int) -> int:
    """``floor((m + 7) / 15)`` when m >= 8, else 0: 8-22 -> 1, 23-37 -> 2, 38-52 -> 3 ..."""
    if minutes < THRESHOLD:
        return 0
    return (minutes + UNIT_MINUTES - THRESHOLD) // UNIT_MINUTES


@dataclass(frozen=True)
class LineUnits:
    """The minutes and units one timed code gets on a claim line."""

    code: str
    minutes: int
    units: int

    def to_dict(self) -> dict[str, object]:
        """The line's units as JSON-ready data."""
        return {"code": self.code, "minutes": self.minutes, "units": self.units}


@dataclass(frozen=True)
class Allocation:
    """The result of a unit policy: total minutes and units, per-code lines and permitted alternatives."""

    rule: str
    total_minutes: int
    total_units: int
    lines: tuple[LineUnits, ...]
    alternatives: tuple[tuple[LineUnits, ...], ...] = field(default=())

    def units(self) -> dict[str, int]:
        """Units by procedure code."""
        return {ln.code: ln.units for ln in self.lines}

    def to_dict(self) -> dict[str, object]:
        """The allocation as JSON-ready data, alternatives included."""
        return {
            "rule": self.rule,
            "total_minutes": self.total_minutes,
            "total_units": self.total_units,
            "lines": [ln.to_dict() for ln in self.lines],
            "alternatives": [[ln.to_dict() for ln in alt] for alt in self.alternatives],
        }


class UnitPolicy(Protocol):
    """A named rule that turns timed minutes per code into billable units."""

    name: str

    def allocate(self, minutes: Mapping[str, int] | Iterable[tuple[str, int]]) -> Allocation:
        """Units for each code's minutes (minutes of one code are summed first)."""


def _pool(minutes: Mapping[str, int] | Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum minutes per code, keeping first-seen order (the tie-break order)."""
    items = minutes.items() if isinstance(minutes, Mapping) else minutes
    pooled: dict[str, int] = {}
    for code, m in items:
        if m < 0:
            raise ValueError(f"{code}: minutes must not be negative (got {m})")
        pooled[code] = pooled.get(code, 0) + m
    return pooled


class CmsTotalTime:
    """Medicare total-time rule (Pub. 100-04, ch. 5, sec. 20.2)."""

    name = "cms"

    def allocate(self, minutes: Mapping[str, int] | Iterable[tuple[str, int]]) -> Allocation:
        """Pool the minutes, bill the total's units, then hand out leftovers by most leftover minutes."""
        pooled = _pool(minutes)
        total_minutes = sum(pooled.values())
        total_units = units_for_minutes(total_minutes)
        full = {c: m // UNIT_MINUTES for c, m in pooled.items()}
        remaining = total_units - sum(full.values())
        # Leftover minutes decide who gets the remaining units; each code gets at most one more
        # (remaining <= number of codes with leftovers, since leftovers are < 15 each).
        order = list(pooled)
        leftover = {c: pooled[c] % UNIT_MINUTES for c in order}
        ranked = sorted(order, key=lambda c: -leftover[c])  # stable: input order breaks ties
        if remaining <= 0:
            return Allocation(self.name, total_minutes, total_units, self._lines(pooled, full))
        cut = leftover[ranked[remaining - 1]]
        sure = [c for c in ranked if leftover[c] > cut]
        tied = [c for c in ranked if leftover[c] == cut]
        need = remaining - len(sure)
        choices = list(combinations(tied, need))  # input order: the first is the default
        allocations = []
        for chosen in choices:
            units = dict(full)
            for c in (*sure, *chosen):
                units[c] += 1
            allocations.append(self._lines(pooled, units))
        return Allocation(self.name, total_minutes, total_units, allocations[0],
                          tuple(allocations[1:]))

    @staticmethod
    def _lines(pooled: Mapping[str, int], units: Mapping[str, int]) -> tuple[LineUnits, ...]:
        return tuple(LineUnits(c, m, units[c]) for c, m in pooled.items())


class AmaPerCode:
    """CPT rule of eights per code: each timed code alone, ``floor((m + 7) / 15)`` if m >= 8."""

    name = "ama"

    def allocate(self, minutes: Mapping[str, int] | Iterable[tuple[str, int]]) -> Allocation:
        """Each code's minutes on their own, by the rule of eights."""
        pooled = _pool(minutes)
        lines = tuple(LineUnits(c, m, units_for_minutes(m)) for c, m in pooled.items())
        return Allocation(self.name, sum(pooled.values()), sum(ln.units for ln in lines), lines)


POLICIES: dict[str, UnitPolicy] = {"cms": CmsTotalTime(), "ama": AmaPerCode()}


class TimeModelError(ValueError):
    """A code whose units cannot be derived from minutes alone (unknown, or initial + add-on)."""


def explicit_units_reason(code: str, model: str) -> str:
    """Why CODE's units must be given, not derived from minutes (time model 'initial'/'addon':
    the clinician splits the time; 'unlisted': an unlisted code has no defined unit of time, so
    its minutes are never pooled under the 8-minute rule)."""
    if model == "unlisted":
        return (f"{code} is an unlisted procedure with no defined unit of time: give its units "
                "explicitly (as the payer instructs); its minutes are not pooled")
    return (f"{code} has an initial + add-on time model; its units are the clinician's split of "
            "the time, not a minutes calculation: give its units explicitly")


def day_allocation(minutes: Iterable[tuple[str, int]], rule: str,
                   time_model: Callable[[str], str | None]) -> Allocation:
    """Units for one patient's day: timed codes by ``rule``, untimed codes 1 unit each.

    ``time_model(code)`` answers from the codeset ('per15', 'untimed', 'initial', 'addon',
    'unlisted' or None). Untimed minutes are not pooled (Pub. 100-04 ch. 5 sec. 20.2 counts timed minutes
    only). Raises TimeModelError for unknown codes and initial + add-on codes.
    """
    pooled = _pool(minutes)
    models = {c: time_model(c) for c in pooled}
    for code, model in models.items():
        if model is None:
            raise TimeModelError(f"{code} is not a known procedure code")
        if model not in ("per15", "untimed"):
            raise TimeModelError(explicit_units_reason(code, model))
    timed = get_policy(rule).allocate([(c, m) for c, m in pooled.items() if models[c] == "per15"])
    by_code = {ln.code: ln for ln in timed.lines}

    def lines(alloc_lines: Iterable[LineUnits]) -> tuple[LineUnits, ...]:
        got = {ln.code: ln for ln in alloc_lines}
        return tuple(got.get(c) or LineUnits(c, m, 1) for c, m in pooled.items())

    untimed_units = sum(1 for m in models.values() if m == "untimed")
    return Allocation(rule, timed.total_minutes, timed.total_units + untimed_units,
                      lines(by_code.values()), tuple(lines(a) for a in timed.alternatives))


def get_policy(name: str) -> UnitPolicy:
    """The unit policy called NAME (``cms`` or ``ama``); ValueError naming the choices otherwise."""
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown unit rule {name!r}; choose one of {', '.join(POLICIES)}") from None
