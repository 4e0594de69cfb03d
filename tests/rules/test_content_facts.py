"""The per-claim facts the content rules share (content_facts): kept for one claim and one
registry, memoized within bounds, and never a reason for a finding to differ: the findings are
the same whether contexts are shared or fresh, rules run claim by claim or rule by rule, and
the registry is the validator's CachedRegistry (memoized verdicts) or a plain one.

Rule guards (Rule.skip_if) are facts too: the engine skips a rule whose guard holds for a claim,
so a guard must never hold when the rule has something to report. Checked on every claim rule
case, the claims here and generated claims, against each rule's own full check; and the engine
with guards reports exactly what calling every rule reports, while calling fewer of them."""
from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.models import edge
from claimkit.models.claim import Claim
from claimkit.rules import content_facts, engine
from claimkit.rules.catalog import load_catalog
from claimkit.rules.content_facts import claim_facts
from claimkit.rules.content_support import CachedRegistry
from claimkit.rules.engine import Context, plan, rules_for

CASES = Path(__file__).resolve().parent / "cases"
BASE = json.loads((CASES / "_base.json").read_text())
TODAY = date(2024, 6, 5)


def make_claim(lines: list[dict[str, Any]] | None = None, **changes: Any) -> Claim:
    data = copy.deepcopy(BASE["claim"]) | changes
    data["lines"] = [BASE["_line"] | {"date_of_service": "2024-04-10"} | ln | {"number": i}
                     for i, ln in enumerate(lines if lines is not None else data["lines"], start=1)]
    return edge.validate(Claim, data)


CLAIMS = [
    make_claim(),
    make_claim(diagnoses=["M545", "M54.50", "724.2", "M5450"]),  # header, dot, ICD-9, repeat
    make_claim([{"code": "97001"}, {"code": "97110", "modifiers": ["ZZ", "gp"]}]),
    make_claim([{"pointers": [0, 5, 5, 1, 2]}, {"pointers": []}]),
    make_claim([{"code": "97140"}, {"code": "97124"}, {"code": "97530"}, {"code": "97150"}]),
    make_claim([{"code": "97110", "units": 8}, {"code": "97161", "units": 2}]),
    make_claim([{"date_of_service": "2022-05-01"}, {"date_of_service": "2024-04-11"}]),
    make_claim([{"code": "97140", "modifiers": []}, {"code": "97140", "modifiers": []}],
               rendering_provider={"npi": "1003000126", "last_name": "LIND", "taxonomy": "225700000X"}),
    make_claim(place_of_service="1", lines=[{"place_of_service": "10"}, {"date_of_service": "2019-03-01"}]),
    make_claim(lines=[]),
]


def findings(claims: list[Claim], registry: Any, how: str) -> list[tuple[int, str, str]]:
    """Every rule's hits on every claim, as (claim index, rule, hit) in a fixed order."""
    load_catalog()
    rules = rules_for("claim")
    shared = Context(registry=registry, today=TODAY)
    out = []
    if how == "rule-major":
        for r in rules:
            out += [(i, r.id, repr(h)) for i, c in enumerate(claims) for h in r.func(c, shared)]
        return sorted(out)
    for i, c in enumerate(claims):
        ctx = shared if how == "shared" else Context(registry=registry, today=TODAY)
        out += [(i, r.id, repr(h)) for r in rules for h in r.func(c, ctx)]
    return sorted(out)


def test_findings_do_not_depend_on_context_sharing_rule_order_or_registry_cache(registry) -> None:
    expected = findings(CLAIMS, registry, "fresh")
    fired = {rule for _, rule, _ in expected}
    assert {"CK-C001", "CK-C002", "CK-C003", "CK-C005", "CK-C007", "CK-C008", "CK-C009", "CK-C010",
            "CK-D001", "CK-D002", "CK-D003", "CK-D005", "CK-D006", "CK-T004", "CK-T006",
            "CK-T014", "CK-S006"} <= fired
    for how in ("fresh", "shared", "rule-major"):
        assert findings(CLAIMS, CachedRegistry(registry), how) == expected, how
    assert findings(CLAIMS, registry, "shared") == expected


def test_facts_belong_to_one_claim_and_one_registry(registry) -> None:
    ctx = Context(registry=CachedRegistry(registry), today=TODAY)
    claim = CLAIMS[0]
    facts = claim_facts(claim, ctx)
    assert claim_facts(claim, ctx) is facts  # asked by many rules, computed once
    other = edge.replace(claim, diagnoses=["M545"])
    assert claim_facts(other, ctx) is not facts and claim_facts(other, ctx).claim is other
    ctx.registry = CachedRegistry(registry)  # another run's registry: facts made again
    assert claim_facts(other, ctx).registry is ctx.registry


def test_memoized_verdicts_stay_bounded(registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content_facts, "_MEMO_LIMIT", 8)
    cached = CachedRegistry(registry)
    days = [date(2024, 4, 1).toordinal() + n for n in range(40)]
    claims = [make_claim([{"date_of_service": date.fromordinal(d).isoformat()}]) for d in days]
    assert findings(claims, cached, "fresh") == findings(claims, registry, "fresh")
    assert 0 < len(cached.derived) <= 8


LINE = st.fixed_dictionaries({
    "code": st.sampled_from(["97110", "97140", "97124", "97530", "97150", "97001", "97161", "99999",
                             "G0283", "9711"]),
    "modifiers": st.lists(st.sampled_from(["GP", "GO", "CQ", "59", "XU", "ZZ", "93", "g"]), max_size=3),
    "units": st.integers(-1, 9),
    "pointers": st.lists(st.integers(0, 6), max_size=5),
    "date_of_service": st.sampled_from(["2024-04-10", "2024-04-11", "2022-05-01", "2016-06-01",
                                        "2026-10-15"]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=5),
       dx=st.lists(st.sampled_from(["M5450", "M545", "M54.16", "724.2", "S39012A", "Z"]), max_size=4))
def test_memoized_facts_match_a_plain_registry(lines, dx, registry) -> None:
    claims = [make_claim(lines, diagnoses=dx), make_claim(lines[::-1], diagnoses=dx[::-1])]
    expected = findings(claims, registry, "fresh")
    assert findings(claims, CachedRegistry(registry), "shared") == expected


# -- guards ------------------------------------------------------------------------------------


def guarded() -> list[engine.Rule]:
    load_catalog()
    return [r for r in rules_for("claim") if r.skip_if is not None]


def case_claims(make_case, tmp: Path) -> list[tuple[Claim, date]]:
    """The claim of every claim-rule case file (session cases have none), loaded as `claimkit
    validate` loads claims JSON, with the case's date."""
    from claimkit.validation import load_claims_json

    out = []
    for path in sorted(CASES.glob("CK-*/*.json")):
        case = make_case(path)
        if not case.sessions:
            f = tmp / f"{path.parent.name}_{path.stem}.json"
            f.write_text(json.dumps({"claims": [case.claim_data]}))
            out += [(claim, case.today) for claim, _ in load_claims_json(f)]
    return out


def assert_guards_sound(claims: list[tuple[Claim, date]], registry: Any) -> int:
    """For each guarded rule and claim: guard holds => the rule's own check finds nothing.
    Returns how many (rule, claim) pairs the guards ruled out."""
    held = 0
    for claim, today in claims:
        ctx = Context(registry=registry, today=today)
        for r in guarded():
            if r.skip_if(claim_facts(claim, ctx)):
                held += 1
                assert list(r.func(claim, ctx)) == [], (r.id, claim.claim_id)
    return held


def test_the_claim_rules_that_return_at_once_on_a_clean_claim_are_guarded() -> None:
    ids = {r.id for r in guarded()}
    assert len(ids) >= 20
    assert {"CK-C004", "CK-D001", "CK-T004", "CK-T006", "CK-B001", "CK-A001"} <= ids


def test_guards_never_hold_when_their_rule_fires(make_case, registry, tmp_path: Path) -> None:
    claims = case_claims(make_case, tmp_path) + [(c, TODAY) for c in CLAIMS]
    for reg in (registry, CachedRegistry(registry), None):
        assert assert_guards_sound(claims, reg) > 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=5),
       dx=st.lists(st.sampled_from(["M5450", "M545", "M54.16", "724.2", "S39012A", "Z"]), max_size=4),
       stated=st.sampled_from([None, "0", "100.00", "85"]),
       quals=st.sampled_from([[], ["BK"], ["ABK", "BF"]]))
def test_guards_are_sound_on_generated_claims(lines, dx, stated, quals, registry) -> None:
    claim = make_claim(lines, diagnoses=dx, stated_total=stated, diagnosis_qualifiers=quals)
    assert_guards_sound([(claim, TODAY), (claim, date(2016, 1, 1))], CachedRegistry(registry))


def test_the_engine_skips_guarded_rules_and_reports_the_same(make_case, registry,
                                                             tmp_path: Path) -> None:
    calls: list[str] = []

    def counted(r: engine.Rule) -> engine.Rule:
        def func(claim: Any, ctx: Context) -> Any:
            calls.append(r.id)
            return r.func(claim, ctx)
        return dataclasses.replace(r, func=func)

    rules = engine.compile_plan((counted(r), sev) for r, sev, _, _ in plan("claim"))
    unguarded = engine.compile_plan((dataclasses.replace(r, skip_if=None), sev)
                                    for r, sev, _, _ in rules)
    for claim, today in case_claims(make_case, tmp_path) + [(c, TODAY) for c in CLAIMS]:
        ctx = Context(registry=CachedRegistry(registry), today=today)
        calls.clear()
        with_guards = engine.check("claim", rules, claim, ctx)
        skipped_calls = len(calls)
        calls.clear()
        assert engine.check("claim", unguarded, claim, ctx) == with_guards
        assert len(calls) == len(rules) >= skipped_calls
    # the clean base claim: most rules are never called
    calls.clear()
    engine.check("claim", rules, CLAIMS[0], Context(registry=registry, today=TODAY))
    assert len(calls) <= len(rules) - 20
