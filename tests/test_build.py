"""Sessions -> claims: units by payer rule, one line per code, pointers, charges, hierarchy, splits."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from claimkit.builder import build_claims
from claimkit.loaders import load_sessions
from claimkit.models import edge

# one synthetic Medicare session (no services), shared with tests/test_build_grouping.py
BASE = json.loads((Path(__file__).resolve().parent / "data" / "sessions" / "base_session.json").read_text())


def build(tmp_path, registry, practice, *sessions):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(list(sessions)))
    return build_claims(load_sessions(path), practice, registry)


def session(**changes):
    rec = json.loads(json.dumps(BASE))
    rec.update(changes)
    return rec


def test_cms_payer_pools_minutes(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]))
    (claim,) = res.claims
    assert [(ln.code, ln.units) for ln in claim.lines] == [("97112", 2), ("97110", 1)]
    fees = demo_practice.payers["medicare"].fees
    assert [ln.charge for ln in claim.lines] == [fees["97112"] * 2, fees["97110"] * 1]
    assert claim.total_charge == fees["97112"] * 2 + fees["97110"]
    assert all(ln.modifiers[0] == "GP" for ln in claim.lines)


def test_ama_payer_counts_each_code(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(payer="lakeshore", services=[
        {"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]))
    assert [(ln.code, ln.units) for ln in res.claims[0].lines] == [("97112", 2), ("97110", 2)]


def test_always_therapy_codes_get_the_plan_of_care_modifier(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "G0283", "minutes": 15}, {"code": "97110", "minutes": 15, "modifiers": ["GO", "KX"]}]))
    assert [ln.modifiers for ln in res.claims[0].lines] == [["GP"], ["GO", "KX"]]
    lind = session(payer="lakeshore", rendering_provider="lind", services=[{"code": "97124", "minutes": 30}])
    assert build(tmp_path, registry, demo_practice, lind).claims[0].lines[0].modifiers == []


def test_untimed_is_one_unit_and_minutes_do_not_pool(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "97161", "minutes": 50}, {"code": "97110", "minutes": 10}]))
    assert [(ln.code, ln.units) for ln in res.claims[0].lines] == [("97161", 1), ("97110", 1)]


def test_zero_unit_service_is_reported_not_billed(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "97110", "minutes": 33}, {"code": "97140", "minutes": 7}, {"code": "97035", "minutes": 2}]))
    assert [(ln.code, ln.units) for ln in res.claims[0].lines] == [("97110", 2), ("97140", 1)]
    assert [d.rule for d in res.diagnostics] == ["CK-U001"]
    assert res.claims[0].documented_minutes == {"97110": 33, "97140": 7, "97035": 2}


def test_same_code_twice_is_one_line(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "97110", "minutes": 10, "diagnoses": ["M62.81"]},
        {"code": "97110", "minutes": 15, "diagnoses": ["M54.50"]}]))
    (line,) = res.claims[0].lines
    assert (line.units, line.minutes, line.pointers) == (2, 25, [2, 1])


def test_pointers_follow_the_ordered_list(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(
        diagnoses=["M54.50", "M62.81", "M54.16"],
        services=[{"code": "97110", "minutes": 30, "diagnoses": ["M54.16", 1]},
                  {"code": "97140", "minutes": 15}]))
    claim = res.claims[0]
    assert claim.diagnoses == ["M5450", "M6281", "M5416"]
    assert [ln.pointers for ln in claim.lines] == [[3, 1], [1]]


def test_dependent_patient_hierarchy(tmp_path, registry, demo_practice):
    rec = session(payer="lakeshore", services=[{"code": "97110", "minutes": 30}])
    rec["patient"] = {**rec["patient"], "relationship": "child", "birth_date": "2015-05-05"}
    del rec["patient"]["member_id"]
    rec["subscriber"] = {"last_name": "TESTER", "first_name": "BO", "birth_date": "1980-01-01", "sex": "M",
                         "member_id": "LKS1", "address": rec["patient"]["address"]}
    claim = build(tmp_path, registry, demo_practice, rec).claims[0]
    assert claim.patient is not None and claim.patient.first_name == "ANA"
    assert claim.subscriber.member_id == "LKS1" and claim.relationship.value == "child"


def test_more_than_12_diagnoses_splits_and_reports(tmp_path, registry, demo_practice):
    dx = ["M54.50", "M62.81", "M54.16", "M54.17", "M54.2", "M54.59", "M54.51", "M25.511",
          "M25.512", "M25.561", "M25.562", "M17.11", "M17.12", "M19.011"]
    services = [{"code": c, "minutes": 15, "diagnoses": dx[i * 4:(i + 1) * 4] or [1]}
                for i, c in enumerate(["97110", "97112", "97140", "97530"])]
    res = build(tmp_path, registry, demo_practice, session(diagnoses=dx, services=services))
    assert len(res.claims) == 2
    for claim in res.claims:
        assert claim.diagnoses[0] == "M5450" and len(claim.diagnoses) <= 12
        for ln in claim.lines:
            assert all(1 <= p <= len(claim.diagnoses) for p in ln.pointers)
    assert [c.claim_id for c in res.claims] == ["T1-1", "T1-2"]
    assert [d.rule for d in res.diagnostics].count("CK-U003") == 2
    billed = {ln.code for c in res.claims for ln in c.lines}
    assert billed == {"97110", "97112", "97140", "97530"}


def test_charge_override_and_missing_fee(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[
        {"code": "97110", "minutes": 30, "charge": "99.99"}]))
    assert res.claims[0].lines[0].charge == Decimal("99.99")
    # a missing fee is a finding on the service (CK-U011), not a stop: the claim is built, priced 0
    res = build(tmp_path, registry, demo_practice, session(services=[{"code": "97124", "minutes": 30}]))
    (d,) = [d for d in res.diagnostics if d.rule == "CK-U011"]
    assert "no fee for 97124" in d.message and d.location.claim_id == res.claims[0].claim_id
    assert res.claims[0].lines[0].charge == Decimal("0.00")


def test_initial_addon_codes_need_explicit_units(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(services=[{"code": "97129", "minutes": 30}]))
    assert [d.rule for d in res.diagnostics] == ["CK-U002", "CK-U005"]  # and so nothing billable
    assert "initial + add-on" in res.diagnostics[0].message


def test_demo_practice_builds_every_session(demo_dir, registry, demo_practice):
    res = build_claims(load_sessions(demo_dir / "sessions.jsonl"), demo_practice, registry)
    assert len(res.claims) == 40
    assert not [d for d in res.diagnostics if d.severity.value == "error"]
    for claim in res.claims:
        assert 1 <= len(claim.diagnoses) <= 12 and 1 <= len(claim.lines) <= 50
        assert [ln.number for ln in claim.lines] == list(range(1, len(claim.lines) + 1))
        for ln in claim.lines:
            assert ln.units > 0 and 1 <= len(ln.pointers) <= 4 and len(set(ln.pointers)) == len(ln.pointers)
            assert all(1 <= p <= len(claim.diagnoses) for p in ln.pointers)
        assert claim.date_of_service >= date(2025, 1, 1)


def test_csv_and_jsonl_demo_build_the_same_claims(demo_dir, registry, demo_practice):
    a = build_claims(load_sessions(demo_dir / "sessions.jsonl"), demo_practice, registry).claims
    b = build_claims(load_sessions(demo_dir / "sessions.csv"), demo_practice, registry).claims
    assert [edge.dump(c) for c in a] == [edge.dump(c) for c in b]
