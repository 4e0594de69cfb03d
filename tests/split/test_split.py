"""Good/bad split: nothing dropped, the accepted 837P passes pyx12, the rejects report is PHI-free."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from claimkit.diagnostics import Diagnostic, Location, Severity
from claimkit.splitting import rejects_report, split

TODAY = date(2026, 9, 30)  # after every demo date of service, before FY2027


def _d(claim_id, severity=Severity.ERROR, rule="CK-X001", **loc):
    return Diagnostic(rule=rule, severity=severity, message=f"{rule} found", slug="x.test", level=5,
                      location=Location(claim_id=claim_id, **loc))


@pytest.fixture(scope="module")
def demo_claims(demo_dir, registry, demo_practice):
    from claimkit.builder import build_claims
    from claimkit.loaders import load_sessions

    return build_claims(load_sessions(demo_dir / "sessions.jsonl"), demo_practice, registry).claims


def test_split_by_severity_keeps_order_and_counts(demo_claims) -> None:
    claims = demo_claims[:6]
    ids = [c.claim_id for c in claims]
    diags = [_d(ids[1]), _d(ids[1], rule="CK-X002"), _d(ids[3], Severity.WARNING),
             _d(ids[4], Severity.INFO), _d(None), _d("NOT-IN-BATCH"), _d(ids[5], line=2)]
    res = split(claims, diags)
    assert [c.claim_id for c in res.accepted] == [ids[0], ids[2], ids[3], ids[4]]
    assert [(c.claim_id, [d.rule for d in found]) for c, found in res.rejected] == [
        (ids[1], ["CK-X001", "CK-X002"]), (ids[5], ["CK-X001"])]
    assert res.summary == {"total": 6, "accepted": 4, "rejected": 2}
    assert [d.location.claim_id for d in res.unattributed] == [None, "NOT-IN-BATCH"]
    assert res.accepted[0] is claims[0]  # claims are passed through untouched


def test_fail_on_warning_rejects_warnings_too(demo_claims) -> None:
    claims = demo_claims[:3]
    res = split(claims, [_d(claims[0].claim_id, Severity.WARNING)], fail_on=Severity.WARNING)
    assert res.summary == {"total": 3, "accepted": 2, "rejected": 1}


def test_rejects_report_shape_and_no_phi(demo_claims) -> None:
    claims = demo_claims[:4]
    res = split(claims, [_d(claims[2].claim_id, line=1, field="units")])
    report = rejects_report(res, file="sessions.jsonl")
    assert report["summary"] == {"total": 4, "accepted": 3, "rejected": 1}
    (entry,) = report["rejected"]
    assert entry["claim_id"] == claims[2].claim_id
    assert entry["session_ids"] == claims[2].session_ids
    assert entry["findings"][0]["rule"] == "CK-X001"
    assert entry["findings"][0]["location"]["line"] == 1
    assert entry["findings"][0]["file"] == "sessions.jsonl"
    text = json.dumps(report)
    for claim in claims:
        for person in (claim.subscriber, claim.patient):
            if person is None:
                continue
            assert person.last_name not in text and person.birth_date.isoformat() not in text
            assert not person.member_id or person.member_id not in text


def _bad_sessions(demo_dir, tmp_path):
    """The demo sessions plus three copies broken in ways the validator rejects."""
    lines = (demo_dir / "sessions.jsonl").read_text().splitlines()
    base = json.loads(lines[1])  # S0002: Medicare, 97112 + 97110
    # each its own patient, so the builder does not merge them into another session's claim
    own = lambda n: dict(base["patient"], id=f"PBAD{n}", member_id=f"1EG4TE5MK9{n}")  # noqa: E731
    bad = []
    header_dx = dict(base, session_id="BAD1", patient=own(1),
                     diagnoses=["M54.5", "M62.81"])  # a category header on the DOS
    future = dict(base, session_id="BAD2", patient=own(2), date_of_service="2026-10-15")  # after today
    ptp = dict(base, session_id="BAD3", patient=own(3), services=[  # 97140 + 97124: PTP indicator 0
        {"code": "97140", "minutes": 15}, {"code": "97124", "minutes": 15, "charge": 40}])
    for s in (header_dx, future, ptp):
        bad.append(json.dumps(s))
    path = tmp_path / "sessions.jsonl"
    path.write_text("\n".join(lines + bad) + "\n")
    return path, len(lines) + 3


def test_batch_with_bad_sessions_yields_clean_837_and_rejects(demo_dir, registry, demo_practice,
                                                              tmp_path, pyx12_check) -> None:
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import build_and_check, make_batch
    from claimkit.x12.writer import write_837

    path, n_sessions = _bad_sessions(demo_dir, tmp_path)
    outcome = build_and_check(load_sessions(path), demo_practice, registry=registry, today=TODAY)
    claims = outcome.claims
    res = split(claims, outcome.diagnostics)
    rejected_sessions = {s for c, _ in res.rejected for s in c.session_ids}
    assert rejected_sessions == {"BAD1", "BAD2", "BAD3"}
    assert res.summary == {"total": n_sessions, "accepted": n_sessions - 3, "rejected": 3}
    assert res.summary["accepted"] + res.summary["rejected"] == res.summary["total"] == len(claims)
    assert {c.claim_id for c in res.accepted}.isdisjoint(c.claim_id for c, _ in res.rejected)

    accepted = make_batch(demo_practice, res.accepted)
    out = tmp_path / "accepted.x12"
    out.write_text(write_837(accepted, isa_control=7, gs_control=7, now=datetime(2026, 9, 30, 10, 0)))
    ok, errors = pyx12_check(out)
    assert ok and errors == []
    assert out.read_text().count("CLM*") == len(res.accepted)

    report = rejects_report(res)
    assert report["summary"] == res.summary
    assert report["unattributed"] == []  # the build notes (info) name no claim and block nothing
    rules = {f["rule"] for entry in report["rejected"] for f in entry["findings"]}
    assert {"CK-C002", "CK-A001", "CK-T004"} <= rules
    assert all(f["severity"] == "error" for e in report["rejected"] for f in e["findings"])
