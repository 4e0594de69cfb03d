"""Helpers shared by the content rule families (claim scope): code lookups and small facts.

No rules live here. Lookups go through ``ctx.registry`` and always take the date of service;
statuses are compared by their string value so the rules do not depend on the enum class.
"""
from __future__ import annotations

import inspect
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, Iterable

from claimkit.models.common import Relationship
from claimkit.rules.engine import Context

# Shapes only (the code lists live in codesets/). TR3 005010X222A1: HI01-2 carries the ICD-10-CM
# code without its decimal point; SV101-2 a 5-character CPT/HCPCS code.
ICD10_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
ICD9_SHAPE = re.compile(r"^(\d{3}(\.?\d{1,2})?|E\d{3}(\.?\d)?)$")
PROC_SHAPE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
HCPCS_SHAPE = re.compile(r"^[A-Z][0-9]{4}$")
MODIFIER_SHAPE = re.compile(r"^[0-9A-Z]{2}$")
POS_SHAPE = re.compile(r"^[0-9]{2}$")

# NUCC taxonomy of a licensed massage therapist: the subject of CK-T007's exception, CK-T012
# and CK-T013 (a provider type, not a code list).
MASSAGE_THERAPIST = "225700000X"

SYSTEM_LABELS = {
    "icd10cm": "ICD-10-CM", "procedure": "procedure code", "hcpcs": "HCPCS", "cpt": "CPT",
    "modifier": "modifier", "pos": "place of service", "taxonomy": "taxonomy",
    "ncci-ptp": "NCCI PTP", "mue": "MUE",
}


def status_of(result: Any) -> str:
    """The status string of a registry Lookup ('billable', 'header', ..., 'no-release')."""
    st = getattr(result, "status", None)
    return str(getattr(st, "value", st))


def lookup(ctx: Context, system: str, code: str, on: date) -> Any:
    """``ctx.registry.lookup`` or None when no registry is configured (rules then skip)."""
    if ctx.registry is None:
        return None
    return ctx.registry.lookup(system, code, on=on)


def _no_answer(system: str, code: str, on: date) -> tuple[None, str]:
    return None, status_of(None)


def status_lookup(registry: Any) -> Callable[[str, str, date], tuple[Any, str]]:
    """A function (system, code, on) -> (lookup answer or None, its status string).

    The pair ``lookup`` + ``status_of`` that most code-set rules compare; a CachedRegistry
    memoizes it for the run (the status conversion costs more than the cached lookup).
    """
    if registry is None:
        return _no_answer
    memoized = getattr(registry, "lookup_status", None)
    if memoized is not None:
        return memoized

    def ask(system: str, code: str, on: date) -> tuple[Any, str]:
        found = registry.lookup(system, code, on=on)
        return found, status_of(found)

    return ask


def lookup_procedure(ctx: Context, code: str, on: date) -> Any:
    """Look a procedure code up (the registry's "procedure" system: the therapy table, then any
    imported HCPCS Level II or licensed CPT release)."""
    return lookup(ctx, "procedure", code, on)


def time_model(ctx: Context, code: str, on: date) -> str | None:
    """'untimed' | 'per15' | 'initial' | 'addon' | None, from the codeset (never from Python)."""
    return time_model_of(ctx.registry)(code, on)


def _no_time_model(code: str, on: date) -> None:
    return None


def time_model_of(reg: Any) -> Callable[[str, date], str | None]:
    """The function (code, on) -> :func:`time_model` of a registry, resolved once for many lines."""
    if reg is None:
        return _no_time_model
    fn = getattr(reg, "time_model", None)
    if fn is not None:
        return fn

    def from_lookup(code: str, on: date) -> str | None:
        found = reg.lookup("procedure", code, on=on)
        return (getattr(found, "attrs", {}) or {}).get("time_model") or None

    return from_lookup


def line_dates(claim: Any) -> list[date]:
    """Distinct dates of service of a claim's lines, oldest first."""
    return sorted({ln.date_of_service for ln in claim.lines})


def lines_by_date(claim: Any) -> dict[date, list[Any]]:
    """The claim's service lines grouped by date of service."""
    out: dict[date, list[Any]] = defaultdict(list)
    for ln in claim.lines:
        out[ln.date_of_service].append(ln)
    return out


def fmt_codes(codes: Iterable[str], limit: int = 6) -> str:
    """Codes for a message: the first LIMIT, comma-separated, then how many more there are."""
    codes = list(codes)
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit} more)" if len(codes) > limit else "")


def fmt_dates(dates: Iterable[date]) -> str:
    """Dates for a message: ISO format, comma-separated."""
    return ", ".join(d.isoformat() for d in dates)


def money(value: Any) -> str:
    """An amount with two decimals, e.g. 305 -> '305.00'."""
    try:
        return f"{value:.2f}"
    except (TypeError, ValueError):
        return str(value)


def is_self(claim: Any) -> bool:
    """True when the subscriber is the patient (relationship self)."""
    rel = claim.relationship
    # Identity first: the enum's .value goes through a descriptor, slow on a per-claim path.
    return rel is Relationship.SELF or getattr(rel, "value", rel) == "self"


def provider_taxonomies(claim: Any) -> list[tuple[str, str]]:
    """(field, taxonomy) of the provider who rendered the service: rendering, else billing."""
    rp = getattr(claim, "rendering_provider", None)
    if rp is not None and rp.taxonomy:
        return [("rendering_provider.taxonomy", rp.taxonomy)]
    bp = claim.billing_provider
    return [("billing_provider.taxonomy", bp.taxonomy)] if bp.taxonomy else []


def is_massage_therapist(claim: Any) -> bool:
    """True when the provider who rendered the services is a licensed massage therapist."""
    return any(tax == MASSAGE_THERAPIST for _, tax in provider_taxonomies(claim))


_MISSING = object()


class CachedRegistry:
    """Memoizes a registry's date-of-service answers for one validation run.

    A file of thousands of claims asks the same (system, code, date) questions over and over;
    the answers are immutable for a run, so each is computed once. Everything else is passed
    through to the wrapped registry. ``derived`` holds what the content rules compute from
    these answers, keyed by value (content_facts, which also keeps it bounded).
    """

    def __init__(self, registry: Any) -> None:
        self._reg = registry
        self._lookup: dict[tuple[str, str, date], Any] = {}
        self._time: dict[tuple[str, date], Any] = {}
        self._ptp: dict[tuple[tuple[str, ...], date], Any] = {}
        self._mue: dict[tuple[str, date], Any] = {}
        self._status: dict[tuple[str, str, date], tuple[Any, str]] = {}
        self._release: dict[tuple[str, date], Any] = {}
        # Facts the content rules derive from these answers, keyed by value (see content_facts).
        self.derived: dict[Any, Any] = {}

    def lookup(self, system: str, code: str, on: date) -> Any:
        """The registry's lookup of CODE in SYSTEM on date ON, computed once per run."""
        key = (system, code, on)
        found = self._lookup.get(key)
        if found is None:
            found = self._lookup[key] = self._reg.lookup(system, code, on=on)
        return found

    def lookup_status(self, system: str, code: str, on: date) -> tuple[Any, str]:
        """``(lookup(system, code, on), status_of(that answer))``, see :func:`status_lookup`."""
        key = (system, code, on)
        found = self._status.get(key)
        if found is None:
            answer = self.lookup(system, code, on)
            found = self._status[key] = (answer, status_of(answer))
        return found

    @staticmethod
    def _memo(table: dict[Any, Any], key: Any, fetch: Callable[..., Any], *args: Any) -> Any:
        """TABLE[KEY], made by FETCH(*ARGS) on first use. Answers may be None: one dict probe
        with a sentinel instead of `in` and then `[]`."""
        found = table.get(key, _MISSING)
        if found is _MISSING:
            found = table[key] = fetch(*args)
        return found

    def time_model(self, code: str, on: date) -> Any:
        """The time model (timed, untimed ...) of CODE on date ON, computed once per run."""
        return self._memo(self._time, (code, on), self._reg.time_model, code, on)

    def ptp_edits_for(self, codes: Iterable[str], on: date) -> Any:
        """The NCCI PTP edits among CODES on date ON, computed once per set of codes and date."""
        key = (tuple(sorted(set(codes))), on)
        return self._memo(self._ptp, key, self._reg.ptp_edits_for, list(key[0]), on)

    def mue(self, code: str, on: date) -> Any:
        """The MUE of CODE on date ON, computed once per run."""
        # (asked for every code and date of every claim by the MUE guard: _memo inlined)
        key = (code, on)
        found = self._mue.get(key, _MISSING)
        if found is _MISSING:
            found = self._mue[key] = self._reg.mue(code, on)
        return found

    def release_for(self, system: str, on: date) -> Any:
        """The release of SYSTEM that answers for date ON, computed once per run."""
        return self._memo(self._release, (system, on), self._reg.release_for, system, on)

    def __getattr__(self, name: str) -> Any:
        # (called only when normal lookup fails, which costs a raised AttributeError: rules ask
        # ``reg.policy(...)`` and ``hasattr(reg, "policy_codes")`` for every claim.) The wrapped
        # registry's methods are bound here once, so later lookups are plain attribute reads;
        # data attributes are always read through, as they may change.
        value = getattr(self._reg, name)
        if inspect.ismethod(value) and value.__self__ is self._reg:
            self.__dict__[name] = value
        return value
