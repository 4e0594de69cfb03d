"""Plan-of-care modifiers on built claims (issue 12): a "sometimes therapy" code furnished by a
therapist is therapy, so it gets the provider's GP/GO/GN like an "always therapy" code; a
massage therapist's services get none (Pub. 100-04 ch. 5 sec. 20: the CMS therapy code list
marks codes "always" or "sometimes" therapy; the latter are therapy when a therapist furnishes
them under a plan of care)."""
from __future__ import annotations

import json
from datetime import date


def _build(tmp_path, practice, provider: str, services: list[dict]):
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import build_and_check

    session = {"session_id": "SOMETIMES1", "date_of_service": "2025-06-02", "payer": "lakeshore",
               "rendering_provider": provider,
               "patient": {"id": "P901", "last_name": "ZZTEST", "first_name": "ZZPT", "birth_date": "1970-03-03",
                           "sex": "M", "member_id": "ZZM0000002", "relationship": "self",
                           "address": {"line1": "2 TEST ST", "city": "SPRINGFIELD", "state": "IL", "zip": "62704"}},
               "diagnoses": ["M62.81"], "services": services}
    (tmp_path / "s.jsonl").write_text(json.dumps(session) + "\n")
    return build_and_check(list(load_sessions(tmp_path / "s.jsonl")), practice, today=date(2025, 7, 1))


def test_sometimes_therapy_code_by_a_therapist_gets_the_plan_of_care_modifier(tmp_path, demo_practice):
    out = _build(tmp_path, demo_practice, "rivera", [{"code": "97110", "minutes": 30},
                                                      {"code": "97550", "minutes": 30, "units": 1, "charge": 50}])
    lines = {ln.code: ln for ln in out.claims[0].lines}
    assert lines["97550"].modifiers[:1] == ["GP"] and lines["97110"].modifiers[:1] == ["GP"]
    assert not [d for d in out.diagnostics if d.rule in ("CK-T007", "CK-T015")]


def test_occupational_therapist_lines_carry_go(tmp_path, demo_practice):
    out = _build(tmp_path, demo_practice, "okafor", [{"code": "97165", "minutes": 45},
                                                      {"code": "97530", "minutes": 30}])
    assert {ln.code: ln.modifiers[0] for ln in out.claims[0].lines} == {"97165": "GO", "97530": "GO"}
    assert not [d for d in out.diagnostics if d.rule == "CK-T015"]


def test_massage_therapist_gets_no_therapy_modifier(tmp_path, demo_practice):
    out = _build(tmp_path, demo_practice, "lind", [{"code": "97124", "minutes": 30}])
    assert out.claims[0].lines[0].modifiers == []
