"""The per-claim facts the content rules share (content_facts): kept for one claim and one
registry, memoized within bounds, and never a reason for a finding to differ: the findings are
the same whether contexts are shared or fresh, rules run claim by claim or rule by rule, and
the registry is the validator's CachedRegistry (memoized verdicts) or a plain one."""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.models.claim import Claim
from claimkit.rules import content_facts
from claimkit.rules.catalog import load_catalog
from claimkit.rules.content_facts import claim_facts
from claimkit.rules.content_support import CachedRegistry
from claimkit.rules.engine import Context, rules_for

BASE = json.loads((Path(__file__).resolve().parent / "cases" / "_base.json").read_text())
TODAY = date(2024, 6, 5)


def make_claim(lines: list[dict[str, Any]] | None = None, **changes: Any) -> Claim:
    data = copy.deepcopy(BASE["claim"]) | changes
    data["lines"] = [BASE["_line"] | {"date_of_service": "2024-04-10"} | ln | {"number": i}
                     for i, ln in enumerate(lines if lines is not None else data["lines"], start=1)]
    return Claim.model_validate(data)


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
    other = claim.model_copy(update={"diagnoses": ["M545"]})
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
