"""Facts about one claim that several content rules ask, each computed once per claim.

Some forty claim rules look at the same claim in turn: its dates of service, its lines by date,
the code-set answer for each code on its date, its modifiers and pointers. Asked rule by rule,
the same answers were recomputed up to ten times per claim, which dominated validation time.
The rules ask :func:`claim_facts` instead; each fact is computed on first use (a rule the user
deselected costs nothing) and kept while the claim's rules run.

Most facts serve as cheap exits: a valid claim has nothing for most rules to report, and a fact
such as "no code set has anything to say about this claim" lets those rules return at once.
When a fact says a rule *may* have something to report, the rule runs its full check as before,
so a fact only ever has to be a safe over-approximation of when its rules fire.

No rules live here. Memory stays flat: a context keeps the facts of its last claim only, and
they are rebuilt when the claim or the registry is not the one they were made for, so nothing
leaks between claims, contexts or validation runs. Rules do not change the claim they check.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

from claimkit.rules.content_support import (
    ICD9_SHAPE, ICD10_SHAPE, MODIFIER_SHAPE, POS_SHAPE, PROC_SHAPE, CachedRegistry, line_dates,
    lines_by_date, status_lookup, time_model_of,
)
from claimkit.rules.engine import Context

_KEY = "claimkit.rules.content_facts"  # the slot in Context.extra
_MEMO_LIMIT = 100_000  # entries of a registry's derived memo before it starts over
_MISSING = object()


def claim_facts(claim: Any, ctx: Context) -> ClaimFacts:
    """The facts of CLAIM under CTX's registry (made on the first call for this claim)."""
    facts = ctx.extra.get(_KEY)
    if facts is None or facts.claim is not claim or facts.registry is not ctx.registry:
        facts = ctx.extra[_KEY] = ClaimFacts(claim, ctx.registry)
    return facts


class _once:
    """A computed attribute that becomes a plain attribute of the instance on first access.

    Like functools.cached_property, without its per-access lock on Python 3.11 (facts are
    pure: in the rare race both threads compute the same value).
    """

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


class DiagnosisFacts(NamedTuple):
    """What the rules ask about a claim's diagnosis list (a pure function of the codes)."""

    icd10: tuple[tuple[int, str], ...]  # (position, code without dot) of each ICD-10-CM-shaped code
    well_formed: bool  # every code is ICD-10-CM without a dot, or ICD-9-CM (CK-C001 is silent)
    icd9: bool  # some code is shaped like ICD-9-CM (CK-C003)
    repeated: bool  # some code is listed twice, dots and case aside (CK-D006)


def _bare(code: str) -> str:
    """A diagnosis as the rules compare it: no dot, no surrounding spaces, upper case."""
    return code.replace(".", "").strip().upper()


@lru_cache(maxsize=4096)  # files repeat a few diagnosis lists; bounded, and registry-free
def diagnosis_facts(codes: tuple[str, ...]) -> DiagnosisFacts:
    bare = [_bare(code) for code in codes]
    return DiagnosisFacts(
        icd10=tuple((i, b) for i, b in enumerate(bare, start=1) if ICD10_SHAPE.match(b)),
        well_formed=all(not ("." in code and ICD10_SHAPE.match(b))
                        and bool(ICD9_SHAPE.match(code.strip()) or ICD10_SHAPE.match(code))
                        for code, b in zip(codes, bare)),
        icd9=any(ICD9_SHAPE.match(code.strip()) for code in codes),
        repeated=len(set(bare)) < len(bare),
    )


class PointerFacts(NamedTuple):
    """The diagnosis pointers of all service lines, summed up."""

    lowest: int | None  # smallest pointer on any line (None: no pointers at all)
    highest: int | None
    fewest: int | None  # fewest pointers on one line (None: no lines)
    most: int  # most pointers on one line (0: no lines)
    repeated: bool  # some line lists a pointer twice


class ClaimFacts:
    """Facts about one claim, computed on first access (see the module documentation)."""

    def __init__(self, claim: Any, registry: Any) -> None:
        self.claim = claim
        self.registry = registry
        self.lines = claim.lines
        # Verdicts that depend only on codes, dates and the registry are memoized by value for
        # the whole run when the registry is the run's CachedRegistry; else for this claim.
        self._memo = registry.derived if isinstance(registry, CachedRegistry) else {}

    def _memoized(self, key: Any, compute: Callable[..., Any], *args: Any) -> Any:
        """``compute(*args)``, remembered under KEY (which must determine the answer)."""
        memo = self._memo
        found = memo.get(key, _MISSING)
        if found is _MISSING:
            if len(memo) >= _MEMO_LIMIT:  # bounded: a long run with ever new keys starts over
                memo.clear()
            found = memo[key] = compute(*args)
        return found

    @_once
    def dates(self) -> list[date]:
        """Distinct dates of service of the lines, oldest first."""
        return line_dates(self.claim)

    @_once
    def by_date(self) -> list[tuple[date, list[Any]]]:
        """(date, its lines in claim order), oldest date first."""
        return sorted(lines_by_date(self.claim).items())

    @_once
    def codes_by_date(self) -> list[tuple[date, dict[str, list[Any]]]]:
        """(date, {code: its lines}) oldest date first, codes in the order first billed."""
        out = []
        for on, lines in self.by_date:
            by_code: dict[str, list[Any]] = {}
            for ln in lines:
                by_code.setdefault(ln.code, []).append(ln)
            out.append((on, by_code))
        return out

    @_once
    def repeated_code(self) -> bool:
        """True when one procedure code is on two lines of the same date."""
        return sum(len(by_code) for _, by_code in self.codes_by_date) < len(self.lines)

    @_once
    def total(self) -> Decimal:
        """The sum of the line charges (what CLM02 must state)."""
        return sum((Decimal(ln.charge) for ln in self.lines), Decimal(0))

    @_once
    def modifiers(self) -> frozenset[str]:
        """Every modifier on any line."""
        return frozenset().union(*[ln.modifiers for ln in self.lines])

    @_once
    def pointers(self) -> PointerFacts:
        ptrs = [ln.pointers for ln in self.lines]
        counts = list(map(len, ptrs))
        flat = list(chain.from_iterable(ptrs))
        return PointerFacts(min(flat, default=None), max(flat, default=None),
                            min(counts, default=None), max(counts, default=0),
                            sum(map(len, map(set, ptrs))) < len(flat))

    @_once
    def diagnoses(self) -> DiagnosisFacts:
        return diagnosis_facts(tuple(self.claim.diagnoses))

    @_once
    def code_issues(self) -> frozenset[str]:
        """Which code sets may have something to report about this claim.

        Holds "icd10cm", "procedure", "modifier" or "pos" when a code of that set on the claim
        is malformed or answered as anything but billable on its date of service, and also
        "no-release" when no installed release answered for a code's date. It asks every
        question the code-set rules ask (CK-C002, CK-C004 to CK-C010), so an empty set (all
        codes valid, the usual case) means none of them has a finding.
        """
        ask = status_lookup(self.registry)
        issues: set[str] = set()
        icd10 = self.diagnoses.icd10
        pos = self.claim.place_of_service  # checked on every date: used where a line has none
        for on in self.dates:
            issues.update(self._memoized(("date", icd10, pos, on), _date_issues, ask, icd10, pos, on))
        for ln in self.lines:
            key = ("line", ln.code, ln.date_of_service, tuple(ln.modifiers), ln.place_of_service)
            issues.update(self._memoized(key, _line_issues, ask, *key[1:]))
        return frozenset(issues)

    @_once
    def time_models(self) -> dict[tuple[str, date], str | None]:
        """{(code, date): time model} of every line ('untimed', 'per15', ...; see time_model)."""
        model_of = time_model_of(self.registry)
        return {(ln.code, ln.date_of_service): model_of(ln.code, ln.date_of_service)
                for ln in self.lines}

    @_once
    def ncci_edits(self) -> list[tuple[date, list[Any], list[Any]]]:
        """(date, its lines, the NCCI PTP edits between its codes), oldest first, for the dates
        with an edit. Needs a registry with ``ptp_edits_for``."""
        out = []
        for on, lines in self.by_date:
            codes = frozenset([ln.code for ln in lines])
            if len(codes) < 2:
                continue
            edits = self._memoized(("ncci", codes, on), self._ptp_edits, codes, on)
            if edits:
                out.append((on, lines, edits))
        return out

    def _ptp_edits(self, codes: frozenset[str], on: date) -> Any:
        return self.registry.ptp_edits_for(sorted(codes), on)


# -- code-set verdicts (memoized by value in ClaimFacts.code_issues) -----------------------------
Ask = Callable[[str, str, date], tuple[Any, str]]


def _note(issues: set[str], ask: Ask, system: str, code: str, on: date) -> None:
    """Add SYSTEM (and "no-release") to ISSUES unless the registry answers CODE billable on ON."""
    found, status = ask(system, code, on)
    if found is not None and status != "billable":
        issues.add(system)
        if status == "no-release":
            issues.add("no-release")


def _date_issues(ask: Ask, icd10: Iterable[tuple[int, str]], pos: str, on: date) -> frozenset[str]:
    """Issues of a claim's diagnoses and place of service on one of its dates of service."""
    issues: set[str] = set()
    for _, bare in icd10:
        _note(issues, ask, "icd10cm", bare, on)
    if not POS_SHAPE.match(pos or ""):
        issues.add("pos")
    if pos:
        _note(issues, ask, "pos", pos, on)
    return frozenset(issues)


def _line_issues(ask: Ask, code: str, on: date, mods: Iterable[str], pos: str | None) -> frozenset[str]:
    """Issues of a service line's procedure code, modifiers and own place of service."""
    issues: set[str] = set()
    if PROC_SHAPE.match(code):
        _note(issues, ask, "procedure", code, on)
    else:
        issues.add("procedure")
    for m in mods:
        if MODIFIER_SHAPE.match(m):
            _note(issues, ask, "modifier", m, on)
        else:
            issues.add("modifier")
    if pos:
        if not POS_SHAPE.match(pos):
            issues.add("pos")
        _note(issues, ask, "pos", pos, on)
    return frozenset(issues)
