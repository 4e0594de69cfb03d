"""Issue 12 (builder side): grouping by place of service, CMS pooling across clinicians,
duplicate sessions and rows, CLM01 length, a missing fee as a finding."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from claimkit.builder import build_claims
from claimkit.loaders import load_sessions
from claimkit.models import edge
from claimkit.pipeline import build_and_check, load_all, make_batch
from claimkit.splitting import split
from claimkit.x12.writer import write_837

# the shared synthetic Medicare session (tests/data/sessions), with 30 minutes of 97110
BASE = {**json.loads((Path(__file__).resolve().parent / "data" / "sessions" / "base_session.json").read_text()),
        "services": [{"code": "97110", "minutes": 30}]}
TODAY = date(2025, 4, 1)


def session(**changes):
    rec = json.loads(json.dumps(BASE))
    rec.update(changes)
    return rec


def write(tmp_path, name, *sessions):
    path = tmp_path / name
    path.write_text(json.dumps(list(sessions), indent=2))
    return path


def build(tmp_path, registry, practice, *sessions):
    return build_claims(load_sessions(write(tmp_path, "s.json", *sessions)), practice, registry)


def rules(diags, rule):
    return [d for d in diags if d.rule == rule]


# --- 1. grouping ------------------------------------------------------------------------------

def test_same_day_office_and_telehealth_are_separate_claims(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice,
                session(session_id="A1", place_of_service="11"),
                session(session_id="A2", place_of_service="02",
                        services=[{"code": "97112", "minutes": 25}]))
    assert sorted(c.place_of_service for c in res.claims) == ["02", "11"]
    by_pos = {c.place_of_service: c for c in res.claims}
    assert [ln.code for ln in by_pos["02"].lines] == ["97112"]
    assert by_pos["02"].session_ids == ["A2"]


def test_same_place_of_service_still_one_claim(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session(session_id="A1"),
                session(session_id="A2", services=[{"code": "97112", "minutes": 25}]))
    (claim,) = res.claims
    assert claim.session_ids == ["A1", "A2"]


def test_cms_pools_minutes_across_clinicians(tmp_path, registry, demo_practice):
    # Pub. 100-04 ch. 5 sec. 20.2: 10 + 10 minutes of 97110 on one day = 20 minutes = 1 unit.
    res = build(tmp_path, registry, demo_practice,
                session(session_id="A1", services=[{"code": "97110", "minutes": 10}]),
                session(session_id="A2", rendering_provider="okafor",
                        services=[{"code": "97110", "minutes": 10}]))
    billed = [(c.rendering_provider.last_name, ln.code, ln.units) for c in res.claims for ln in c.lines]
    assert billed == [("RIVERA", "97110", 1)]
    # the other clinician's session earns no line of its own: said so, at its lines in the file
    second = load_sessions(tmp_path / "s.json")[1][1].row
    assert second > 2
    notes = {d.rule: d for d in res.diagnostics if (d.location.row or 0) >= second}
    assert set(notes) == {"CK-U001", "CK-U005"}  # minutes pooled; no claim of its own
    assert "billed on another claim" in notes["CK-U001"].message


def test_cms_pool_hands_the_extra_unit_to_the_larger_leftover(tmp_path, registry, demo_practice):
    # 97110: 20 (rivera) + 25 (okafor) = 45 min -> 3 units: 1 + 1 full, extra to okafor (10 > 5)
    res = build(tmp_path, registry, demo_practice,
                session(session_id="A1", services=[{"code": "97110", "minutes": 20}]),
                session(session_id="A2", rendering_provider="okafor",
                        services=[{"code": "97110", "minutes": 25}]))
    units = {c.rendering_provider.last_name: sum(ln.units for ln in c.lines) for c in res.claims}
    assert units == {"RIVERA": 1, "OKAFOR": 2}
    # each claim records the whole day's timed minutes, so the unit audit (CK-T011) sees the pool
    assert all(c.documented_minutes == {"97110": 45} for c in res.claims)
    out = build_and_check(load_sessions(tmp_path / "s.json"), demo_practice, today=TODAY,
                          registry=registry)
    assert not rules(out.diagnostics, "CK-T011")


def test_cms_pools_across_places_of_service(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice,
                session(session_id="A1", services=[{"code": "97110", "minutes": 5}]),
                session(session_id="A2", place_of_service="10",
                        services=[{"code": "97110", "minutes": 5}]))
    assert [(c.place_of_service, ln.units) for c in res.claims for ln in c.lines] == [("11", 1)]


def test_ama_does_not_pool_across_clinicians(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice,
                session(session_id="A1", payer="lakeshore", services=[{"code": "97110", "minutes": 10}]),
                session(session_id="A2", payer="lakeshore", rendering_provider="okafor",
                        services=[{"code": "97110", "minutes": 10}]))
    assert sorted(ln.units for c in res.claims for ln in c.lines) == [1, 1]


def test_writer_sends_sv105_when_a_line_differs_from_the_claim(tmp_path, registry, demo_practice):
    res = build(tmp_path, registry, demo_practice, session())
    claim = res.claims[0]
    claim = edge.replace(claim, lines=[edge.replace(claim.lines[0], place_of_service="02")])
    text = write_837(make_batch(demo_practice, [claim]), isa_control=1, gs_control=1,
                     now=datetime(2026, 1, 5, 9, 30))
    (sv1,) = [s.split("*") for s in text.split("~") if s.strip().startswith("SV1*")]
    assert sv1[5] == "02"


# --- 2. duplicates ----------------------------------------------------------------------------

HEADER = ("session_id,date_of_service,payer,rendering_provider,diagnoses,patient_id,patient_last_name,"
          "patient_first_name,patient_birth_date,patient_sex,patient_member_id,patient_address_line1,"
          "patient_city,patient_state,patient_zip,service_code,service_minutes")
ROW = ("{sid},{dos},medicare,rivera,M54.50,P9,TESTER,ANA,1950-01-01,F,1AC2CD3EF45,1 A ST,SPRINGFIELD,IL,62704,"
       "{code},{minutes}")


def csv_file(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *(ROW.format(**r) for r in rows)]) + "\n")
    return path


def r(sid="S1", dos="2025-03-03", code="97110", minutes=30):
    return {"sid": sid, "dos": dos, "code": code, "minutes": minutes}


def test_identical_service_rows_are_counted_once_and_reported(tmp_path, registry, demo_practice):
    path = csv_file(tmp_path, "s.csv", r(), r())
    res = build_claims(load_sessions(path), demo_practice, registry)
    assert [(ln.code, ln.units) for ln in res.claims[0].lines] == [("97110", 2)]  # not 4
    (d,) = rules(res.diagnostics, "CK-U010")
    assert d.severity.value == "error" and d.location.row == 3 and "line 2" in d.message
    assert d.location.claim_id == res.claims[0].claim_id


def test_the_same_file_twice_is_reported_and_not_doubled(tmp_path, registry, demo_practice):
    path = csv_file(tmp_path, "s.csv", r(), r(code="97112", minutes=20))
    out = build_and_check(load_all([path, path]), demo_practice, today=TODAY, registry=registry)
    assert [(ln.code, ln.units) for ln in out.claims[0].lines] == [("97110", 2), ("97112", 1)]
    (d,) = rules(out.diagnostics, "CK-U008")
    assert d.severity.value == "error" and "s.csv" in d.message and "line 2" in d.message
    assert split(out.claims, out.diagnostics).accepted == []


def test_two_files_reusing_a_session_id_on_different_dates(tmp_path, registry, demo_practice):
    a = csv_file(tmp_path, "a.csv", r(sid="V100", dos="2025-03-03"))
    b = csv_file(tmp_path, "b.csv", r(sid="V100", dos="2025-03-05"))
    out = build_and_check(load_all([a, b]), demo_practice, today=TODAY, registry=registry)
    ids = [c.claim_id for c in out.claims]
    assert len(ids) == 2 and len(set(ids)) == 2  # never two CLM*V100 in one 837P
    found = rules(out.diagnostics, "CK-U009")
    assert {d.location.file for d in found} == {str(a), str(b)}
    for d in found:
        assert "a.csv line 2" in d.message and "b.csv line 2" in d.message and "date_of_service" in d.message
    assert split(out.claims, out.diagnostics).accepted == []


def test_repeated_session_id_in_one_file_is_a_finding(tmp_path, registry, demo_practice):
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [session(session_id="D1"), session(session_id="D1")]))
    res = build_claims(load_sessions(path), demo_practice, registry)  # no InputError
    (d,) = rules(res.diagnostics, "CK-U008")
    assert d.location.row == 2 and "line 1" in d.message


def test_csv_rows_of_one_id_on_different_dates_are_two_sessions(tmp_path, registry, demo_practice):
    path = csv_file(tmp_path, "s.csv", r(), r(dos="2025-03-04"))
    res = build_claims(load_sessions(path), demo_practice, registry)
    assert len(res.claims) == 2 and len({c.claim_id for c in res.claims}) == 2
    assert {d.location.row for d in rules(res.diagnostics, "CK-U009")} == {2, 3}


def test_long_session_ids_get_a_short_stable_claim_id(tmp_path, registry, demo_practice):
    long_id = "VISIT-2025-03-03-PATIENT-X1-A"  # 29 characters
    rec = session(session_id=long_id)
    first = build(tmp_path, registry, demo_practice, rec).claims[0]
    again = build(tmp_path, registry, demo_practice, rec).claims[0]
    assert len(first.claim_id) <= 20 and first.claim_id == again.claim_id
    assert first.session_ids == [long_id]
    text = write_837(make_batch(demo_practice, [first]), isa_control=1, gs_control=1,
                     now=datetime(2026, 1, 5, 9, 30))
    (clm,) = [s.split("*") for s in text.split("~") if s.strip().startswith("CLM*")]
    assert clm[1] == first.claim_id
    short = build(tmp_path, registry, demo_practice, session(session_id="S0042")).claims[0]
    assert short.claim_id == "S0042"  # short IDs are kept as they are


# --- 3. missing fee ---------------------------------------------------------------------------

def test_missing_fee_is_a_finding_and_other_findings_still_come(tmp_path, registry, demo_practice):
    path = write(tmp_path, "s.json", session(session_id="F1", services=[
        {"code": "97110", "minutes": 30}, {"code": "97001", "units": 1}]),
        session(session_id="F2", patient={**BASE["patient"], "id": "X2"}))
    out = build_and_check(load_sessions(path), demo_practice, today=TODAY, registry=registry)
    (fee,) = rules(out.diagnostics, "CK-U011")
    assert fee.severity.value == "error" and fee.location.file == str(path)
    # the file line where that service starts (the file is indented JSON)
    assert fee.location.row == load_sessions(path)[0][1].row_of_service(1) > 1
    assert fee.location.field == "services[2].code"  # the second service: counted from 1
    assert "97001" in fee.message and "medicare" in fee.message
    assert any(d.rule != "CK-U011" and d.location.claim_id == fee.location.claim_id
               for d in out.diagnostics if d.severity.value == "error")  # e.g. 97001 deleted in 2017
    parts = split(out.claims, out.diagnostics)
    assert [c.session_ids for c in parts.accepted] == [["F2"]]
