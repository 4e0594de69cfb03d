"""Facts about one claim that several content rules ask, each computed once per claim.

Some forty claim rules look at the same claim in turn: its dates of service, its lines by date,
the code-set answer for each code on its date, its modifiers and pointers. Asked rule by rule,
the same answers were recomputed up to ten times per claim, which dominated validation time.
The rules ask :func:`claim_facts` instead; facts are computed on first use (a rule the user
deselected costs nothing) and kept while the claim's rules run.

Most facts serve as guards (``Rule.skip_if``): a valid claim has nothing for most rules to
report, and a fact such as "no code set has anything to say about this claim" tells the engine
not to call those rules at all. When a guard says a rule *may* have something to report, the
rule runs its full check, so a guard only ever has to be a safe over-approximation of when its
rule fires (tests/rules/test_content_facts.py checks each against its rule's own check).

No rules live here. Memory stays flat: a context keeps the facts of its last claim only (in
``ctx.extra``), rebuilt when the claim object or the registry is not the one they were made
for, so nothing leaks between claims, contexts or validation runs; verdicts memoized by value
live in the run's CachedRegistry, within a bound. Facts assume the claim does not change while
its rules run (rules never change it): a claim edited in place and checked again with the same
context would be seen with its old facts, so check it with a new Context.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from claimkit.rules import engine
from claimkit.rules.content_support import (
    ICD9_SHAPE,
    ICD10_SHAPE,
    MODIFIER_SHAPE,
    POS_SHAPE,
    PROC_SHAPE,
    CachedRegistry,
    is_massage_therapist,
    status_lookup,
    time_model_of,
)
from claimkit.rules.engine import Context

_KEY = "claimkit.rules.content_facts"  # the slot in Context.extra
_MEMO_LIMIT = 100_000  # entries of a registry's derived memo before it starts over


def claim_facts(claim: Any, ctx: Context) -> ClaimFacts:
    """The facts of CLAIM under CTX's registry and date (made on the first call for this claim)."""
    facts = ctx.extra.get(_KEY)
    if (facts is None or facts.claim is not claim or facts.registry is not ctx.registry
            or facts.today != ctx.today):
        facts = ctx.extra[_KEY] = ClaimFacts(claim, ctx.registry, ctx.today)
    return facts


engine.FACTS["claim"] = claim_facts  # what the claim rules' guards (Rule.skip_if) are asked


def no_code_issue(system: str) -> Callable[[ClaimFacts], bool]:
    """A guard (Rule.skip_if): no code of SYSTEM (see ClaimFacts.code_issues) on the claim has
    anything to report."""

    def guard(facts: ClaimFacts) -> bool:
        return system not in facts.code_issues

    guard.__name__ = guard.__qualname__ = f"no_{system.replace('-', '_')}_issue"
    return guard


class _once:
    """A computed attribute that becomes a plain attribute of the instance on first access.

    Like functools.cached_property, without its per-access lock on Python 3.11 (facts are
    pure: in the rare race both threads compute the same value). ``_once(f, part=True)`` is one
    of several attributes that ``f`` computes together: f returns {name: value} for all of them.
    """

    def __init__(self, func: Callable[[Any], Any], part: bool = False) -> None:
        self.func = func
        self.part = part
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: Any, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = self.func(obj)
        if self.part:
            obj.__dict__.update(value)
            return value[self.name]
        obj.__dict__[self.name] = value
        return value


def _part(func: Callable[[Any], Any]) -> Any:
    """``_once(func, part=True)``, typed as the attribute it stands for."""
    return _once(func, part=True)


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
    """The facts about a diagnosis list the rules' guards ask (cached by the codes, registry-free)."""
    bare = [_bare(code) for code in codes]
    return DiagnosisFacts(
        icd10=tuple((i, b) for i, b in enumerate(bare, start=1) if ICD10_SHAPE.match(b)),
        well_formed=all(not ("." in code and ICD10_SHAPE.match(b))
                        and bool(ICD9_SHAPE.match(code.strip()) or ICD10_SHAPE.match(code))
                        for code, b in zip(codes, bare)),
        icd9=any(ICD9_SHAPE.match(code.strip()) for code in codes),
        repeated=len({b for b in bare if b}) < sum(1 for b in bare if b),  # empties: CK-C001
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

    def __init__(self, claim: Any, registry: Any, today: date | None = None) -> None:
        self.claim = claim
        self.registry = registry
        self.today = today  # the context's date (the guard of CK-A001 compares with it)
        self.lines = claim.lines
        # Verdicts that depend only on codes, dates and the registry are memoized by value for
        # the whole run when the registry is the run's CachedRegistry; else for this claim.
        self._memo = registry.derived if isinstance(registry, CachedRegistry) else {}

    def _remember(self, key: Any, value: Any) -> Any:
        """Memoize VALUE under KEY, a tuple that starts with a tag naming what it is the key of
        (so keys never collide) and determines the value."""
        memo = self._memo
        if len(memo) >= _MEMO_LIMIT:  # bounded: a long run with ever new keys starts over
            memo.clear()
        memo[key] = value
        return value

    # -- one pass over the lines, for the facts that (nearly) every rule asks -----------------
    def _scan(self) -> dict[str, Any]:
        """dates: the distinct dates of service of the lines, oldest first.
        by_date: (date, its lines in claim order), oldest date first.
        codes_by_date: (date, {code: its lines}), oldest date first, codes in billed order.
        repeated_code: True when one procedure code is on two lines of the same date.
        total: the sum of the line charges (what CLM02 must state).
        pointers: the diagnosis pointers of all lines, summed up (PointerFacts).
        modifiers: every modifier on any line.
        time_models: {(code, date): time model} of every line ('untimed', 'per15', ...).
        code_issues: which code sets may have something to report about this claim.
            Holds "icd10cm", "procedure", "modifier" or "pos" when a code of that set on the
            claim is malformed or answered as anything but billable on its date of service, and
            "no-release" when no installed release answered for a code's date, "stale" when a
            carried-forward release answered (it ended before the date). It asks every
            question the code-set rules ask (CK-C002, CK-C004 to CK-C010), so an empty set (all
            codes valid, the usual case) means none of them has a finding.
        """
        memo, lines = self._memo, self.lines
        by_date: dict[date, list[Any]] = {}
        by_date_code: dict[date, dict[str, list[Any]]] = {}
        total = Decimal(0)
        lowest = highest = fewest = None
        most, repeated_ptr = 0, False
        modifiers: set[str] = set()
        models: dict[tuple[str, date], str | None] = {}
        issues: set[str] = set()
        for ln in lines:  # (the hottest loop of the content rules: kept flat on purpose)
            code, on, mods, ptrs = ln.code, ln.date_of_service, ln.modifiers, ln.pointers
            by_code = by_date_code.get(on)
            if by_code is None:
                by_date[on] = [ln]
                by_date_code[on] = {code: [ln]}
            else:
                by_date[on].append(ln)
                same_code = by_code.get(code)
                if same_code is None:
                    by_code[code] = [ln]
                else:
                    same_code.append(ln)
            charge = ln.charge
            total += charge if type(charge) is Decimal else Decimal(charge)
            n = len(ptrs)
            if n:
                if n == 1:
                    low = high = ptrs[0]
                else:
                    low, high = min(ptrs), max(ptrs)
                    if len(set(ptrs)) < n:
                        repeated_ptr = True
                if lowest is None or low < lowest:
                    lowest = low
                if highest is None or high > highest:
                    highest = high
                if n > most:
                    most = n
            if fewest is None or n < fewest:
                fewest = n
            if mods:
                modifiers.update(mods)
            key = ("line", code, on, tuple(mods), ln.place_of_service)
            verdict = memo.get(key)
            if verdict is None:
                verdict = self._remember(key, _line_codes(
                    status_lookup(self.registry), time_model_of(self.registry), *key[1:]))
            models[code, on] = verdict.time_model
            if verdict.issues:
                issues.update(verdict.issues)
        dates = sorted(by_date)
        icd10, pos = self.diagnoses.icd10, self.claim.place_of_service
        ask = None
        for on in dates:
            # every diagnosis, and the claim's place of service (used where a line has none),
            # on every date; memoized per code (a claim's whole list seldom repeats in a file)
            for _, bare in icd10:
                dkey = ("dx", bare, on)
                found = memo.get(dkey)
                if found is None:
                    ask = ask or status_lookup(self.registry)
                    found = self._remember(dkey, _code_issues(ask, "icd10cm", bare, on))
                if found:
                    issues.update(found)
            pkey = ("claim-pos", pos, on)
            found = memo.get(pkey)
            if found is None:
                ask = ask or status_lookup(self.registry)
                found = self._remember(pkey, _claim_pos_issues(ask, pos, on))
            if found:
                issues.update(found)
        return {
            "dates": dates, "by_date": [(on, by_date[on]) for on in dates],
            "codes_by_date": [(on, by_date_code[on]) for on in dates],
            "repeated_code": sum(map(len, by_date_code.values())) < len(lines),
            "total": total, "pointers": PointerFacts(lowest, highest, fewest, most, repeated_ptr),
            "modifiers": frozenset(modifiers), "time_models": models,
            "code_issues": frozenset(issues),
        }

    dates: list[date] = _part(_scan)
    by_date: list[tuple[date, list[Any]]] = _part(_scan)
    codes_by_date: list[tuple[date, dict[str, list[Any]]]] = _part(_scan)
    repeated_code: bool = _part(_scan)
    total: Decimal = _part(_scan)
    pointers: PointerFacts = _part(_scan)
    modifiers: frozenset[str] = _part(_scan)
    time_models: dict[tuple[str, date], str | None] = _part(_scan)
    code_issues: frozenset[str] = _part(_scan)

    # -- facts some rules ask -----------------------------------------------------------------
    @_once
    def diagnoses(self) -> DiagnosisFacts:
        """The facts about the claim's diagnosis list (see :func:`diagnosis_facts`)."""
        return diagnosis_facts(tuple(self.claim.diagnoses))

    @_once
    def massage_therapist(self) -> bool:
        """The provider who rendered the services is a licensed massage therapist."""
        return is_massage_therapist(self.claim)

    @_once
    def dates_without_edits(self) -> list[date]:
        """The dates of service no installed NCCI PTP or MUE release answers for, oldest first.
        Needs a registry."""
        reg, out = self.registry, []
        for on in self.dates:
            key = ("edits-gap", on)
            gap = self._memo.get(key)
            if gap is None:
                gap = self._remember(key, reg.release_for("ncci-ptp", on) is None
                                     or reg.release_for("mue", on) is None)
            if gap:
                out.append(on)
        return out

    @_once
    def ncci_edits(self) -> list[tuple[date, list[Any], list[Any]]]:
        """(date, its lines, the NCCI PTP edits between its codes), oldest first, for the dates
        with an edit. Needs a registry with ``ptp_edits_for``."""
        out = []
        for (on, lines), (_, by_code) in zip(self.by_date, self.codes_by_date):
            if len(by_code) < 2:  # one code on the date: no pair
                continue
            key = ("ncci", frozenset(by_code), on)
            edits = self._memo.get(key)
            if edits is None:
                edits = self._remember(key, self.registry.ptp_edits_for(sorted(by_code), on))
            if edits:
                out.append((on, lines, edits))
        return out


# -- code-set verdicts (memoized by value in ClaimFacts._scan) ------------------------------------
Ask = Callable[[str, str, date], tuple[Any, str]]


def _note(issues: set[str], ask: Ask, system: str, code: str, on: date) -> None:
    """Add SYSTEM (and "no-release") to ISSUES unless the registry answers CODE billable on ON."""
    found, status = ask(system, code, on)
    if found is not None and status != "billable":
        issues.add(system)
        if status == "no-release":
            issues.add("no-release")
    if getattr(found, "stale", False):
        issues.add("stale")  # answered by a carried-forward release (CK-C012)


def _code_issues(ask: Ask, system: str, code: str, on: date) -> frozenset[str]:
    issues: set[str] = set()
    _note(issues, ask, system, code, on)
    return frozenset(issues)


def _claim_pos_issues(ask: Ask, pos: str, on: date) -> frozenset[str]:
    """Issues of the claim's place of service (CLM05-1) on one of its dates of service."""
    issues: set[str] = set()
    if not POS_SHAPE.match(pos or ""):
        issues.add("pos")
    if pos:
        _note(issues, ask, "pos", pos, on)
    return frozenset(issues)


# discipline -> plan-of-care modifier, and the modifiers (Pub. 100-04 ch. 5 sec. 20.1)
_PLAN_OF_CARE: dict[str, str] = {"pt": "GP", "ot": "GO", "slp": "GN"}
_PLAN_OF_CARE.update({m: m for m in tuple(_PLAN_OF_CARE.values())})  # modifier -> itself


class LineCodes(NamedTuple):
    """What the registry says about one service line's codes on its date of service."""

    issues: frozenset[str]  # of the line's procedure code, modifiers and own place of service
    time_model: str | None  # of the procedure code on the line's date


def _line_codes(ask: Ask, model_of: Callable[[str, date], str | None], code: str, on: date,
                mods: Iterable[str], pos: str | None) -> LineCodes:
    """What the registry says about the codes of one service line on its date."""
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
    plan = [m for m in mods if m in _PLAN_OF_CARE]
    if len(plan) > 1:
        issues.add("discipline")  # two plans of care on one line (CK-T015)
    elif plan:
        found, _ = ask("procedure", code, on)
        want = _PLAN_OF_CARE.get(str((getattr(found, "attrs", None) or {}).get("discipline", "")))
        if want is not None and want != plan[0]:
            issues.add("discipline")  # GP on an OT evaluation (CK-T015)
    return LineCodes(frozenset(issues), model_of(code, on))
