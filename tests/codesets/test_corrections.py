"""Corrected code set facts (issue 10, item 4): each test names its source in its docstring.

Sources are also recorded in codesets/sources.json ("citations") for the procedure table.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.codesets import Status, default_registry, therapy_list

runner = CliRunner()
SLP = {"92507": "untimed", "92508": "untimed", "92521": "untimed", "92522": "untimed", "92523": "untimed",
       "92524": "untimed", "92526": "untimed", "92597": "untimed", "92605": "initial", "92606": "untimed",
       "92607": "initial", "92608": "addon", "92609": "untimed", "92610": "untimed", "92618": "addon"}


@pytest.fixture(scope="module")
def reg():
    return default_registry()


def test_slp_codes_and_time_models(reg):
    """ASHA, "Medicare SLP coding rules" and "New CPT evaluation codes for SLPs": 92507/92508/
    92526 are per-session treatment codes, 92521-92524 per-session evaluations (from 2014-01-01,
    replacing 92506), 92605 and 92607 cover the first hour with 92618 and 92608 for each further
    30 minutes; every other SLP code is per session."""
    for code, model in SLP.items():
        found = reg.lookup("procedure", code, date(2025, 6, 1))
        assert found.status is Status.BILLABLE, code
        assert found.attrs["time_model"] == model, code
    assert reg.lookup("procedure", "92605", date(2025, 6, 1)).attrs["initial_minutes"] == "60"
    assert reg.lookup("procedure", "92607", date(2025, 6, 1)).attrs["initial_minutes"] == "60"


def test_codeset_show_92507_billable():
    result = runner.invoke(app, ["codeset", "show", "92507", "--on", "2025-06-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "billable"


def test_slp_taxonomy(reg):
    """NUCC Health Care Provider Taxonomy: 235Z00000X is Speech-Language Pathologist (group
    "Respiratory, Developmental, Rehabilitative and Restorative Service Providers")."""
    found = reg.lookup("taxonomy", "235Z00000X", date(2025, 6, 1))
    assert found.status is Status.BILLABLE and found.label == "Speech-Language Pathologist"


def test_slp_codes_build_with_gn_for_a_speech_therapist(demo_dir, tmp_path):
    """Pub. 100-04 ch. 5 sec. 20.1: services under a speech-language pathology plan of care
    carry GN; the SLP evaluation and treatment codes are "always therapy" (CMS therapy code list)."""
    from claimkit.config import load_practice
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import build_and_check

    toml = (demo_dir / "claimkit.toml").read_text()
    toml = toml.replace("[payers.medicare]", '[providers.haas]   # speech-language pathologist\n'
                        'npi = "1245319599"\nlast_name = "HAAS"\nfirst_name = "LENA"\n'
                        'taxonomy = "235Z00000X"\ntherapy_modifier = "GN"\n\n[payers.medicare]', 1)
    toml = toml.replace("[payers.lakeshore.fees]", '[payers.lakeshore.fees]\n"92507" = 90.00\n"92523" = 160.00', 1)
    (tmp_path / "claimkit.toml").write_text(toml)
    practice = load_practice(tmp_path / "claimkit.toml")
    session = {"session_id": "SLP1", "date_of_service": "2025-06-02", "payer": "lakeshore",
               "rendering_provider": "haas",
               "patient": {"id": "P900", "last_name": "ZZTEST", "first_name": "ZZSLP", "birth_date": "1980-02-02",
                           "sex": "F", "member_id": "ZZM0000001", "relationship": "self",
                           "address": {"line1": "1 TEST ST", "city": "SPRINGFIELD", "state": "IL", "zip": "62704"}},
               "diagnoses": ["R47.01"],
               "services": [{"code": "92523", "minutes": 60}, {"code": "92507", "minutes": 45}]}
    (tmp_path / "s.jsonl").write_text(json.dumps(session) + "\n")
    outcome = build_and_check(list(load_sessions(tmp_path / "s.jsonl")), practice, today=date(2025, 7, 1))
    assert [d for d in outcome.diagnostics if d.severity.value == "error"] == []
    lines = {ln.code: ln for ln in outcome.claims[0].lines}
    assert lines["92523"].modifiers[:1] == ["GN"] and lines["92507"].modifiers[:1] == ["GN"]
    assert lines["92523"].units == 1 and lines["92507"].units == 1  # per session, whatever the minutes


def test_units_handles_slp_codes_by_time_model():
    """92507 is per session (1 unit, minutes not pooled with the timed codes); 92605 is an initial
    block (first hour) whose units the clinician gives (ASHA SLP coding rules)."""
    ok = runner.invoke(app, ["units", "92507=45", "97110=30", "--on", "2025-06-01", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert {ln["code"]: ln["units"] for ln in data["lines"]} == {"92507": 1, "97110": 2}
    assert data["total_minutes"] == 30
    block = runner.invoke(app, ["units", "92605=75", "--on", "2025-06-01"])
    assert block.exit_code == 2 and "initial + add-on" in block.stderr


@pytest.mark.parametrize("code", ["97039", "97139", "97799"])
def test_unlisted_codes_are_not_pooled(reg, code):
    """An unlisted code has no defined unit of time (CPT unlisted-code convention; Noridian asks
    for a description of the service instead): units are given explicitly, never derived under
    the 8-minute rule of Pub. 100-04 ch. 5 sec. 20.2, which counts codes defined per 15 minutes."""
    assert reg.time_model(code, date(2025, 6, 1)) == "unlisted"
    result = runner.invoke(app, ["units", f"{code}=30", "97110=8", "--on", "2025-06-01"])
    assert result.exit_code == 2 and "unlisted" in result.stderr and "Traceback" not in result.output


def test_athletic_training_evaluations_replaced_in_2017(reg):
    """CPT 2017: 97005/97006 were deleted on 2017-01-01 and replaced by 97169-97171 (evaluations
    by complexity) and 97172 (re-evaluation)."""
    old = reg.lookup("procedure", "97005", date(2017, 3, 1))
    assert old.status is Status.TERMINATED and old.replacements == ("97169", "97170", "97171")
    assert reg.lookup("procedure", "97006", date(2017, 3, 1)).replacements == ("97172",)
    assert reg.lookup("procedure", "97005", date(2016, 12, 31)).status is Status.BILLABLE


def test_wound_care_is_sometimes_therapy(reg):
    """CMS therapy code list (WPS copy, "sometimes therapy" marked): the wound care codes are
    therapy only when a therapist furnishes them under a plan of care. 97607/97608 started
    2015-01-01, 97610 2014-01-01 (CPT)."""
    for code in ("97597", "97598", "97602", "97605", "97606", "97607", "97608", "97610"):
        assert therapy_list(reg.lookup("procedure", code, date(2025, 6, 1))) == "sometimes", code
    assert reg.lookup("procedure", "97598", date(2025, 6, 1)).attrs["time_model"] == "addon"
    # the table starts 2015-10-01, so the start dates are recorded rather than asked on a date
    assert reg.lookup("procedure", "97607", date(2025, 6, 1)).attrs["effective_from"] == "2015-01-01"
    assert reg.lookup("procedure", "97610", date(2025, 6, 1)).attrs["effective_from"] == "2014-01-01"


def test_remote_therapeutic_monitoring_2026(reg):
    """CPT 2026 and CMS CR 14250: 98979 (treatment management, 10-19 minutes in a calendar month)
    and 98984-98986 (device supply, 2-15 days in 30 days) start 2026-01-01; 98976-98978 are the
    16-30 day supply codes (98978 from 2023-01-01); CMS lists the RTM codes as "sometimes therapy"
    (NGS, 2024 annual therapy code list update; 98979/98984/98985 added by CR 14250)."""
    on = date(2026, 3, 1)
    assert "10 to 19 minutes" in reg.lookup("procedure", "98979", on).label
    for code in ("98984", "98985", "98986"):
        assert "2 to 15 days" in reg.lookup("procedure", code, on).label
        assert reg.lookup("procedure", code, date(2025, 12, 31)).status is Status.NOT_YET_VALID
    for code in ("98976", "98977", "98978"):
        assert "16 to 30 days" in reg.lookup("procedure", code, on).label
    assert reg.lookup("procedure", "98978", date(2022, 6, 1)).status is Status.NOT_YET_VALID
    for code in ("98975", "98976", "98977", "98979", "98980", "98981", "98984", "98985"):
        assert therapy_list(reg.lookup("procedure", code, on)) == "sometimes", code


def test_therapy_list_flags(reg):
    """CMS therapy code list: caregiver training 97550-97552 "sometimes therapy" (CY2024 PFS
    final rule); 97129/97130 and G0281 "sometimes therapy"; 97545/97546 and the PT/OT
    evaluations "always therapy" (CMS 2017 therapy code list update: GP on 97161-97164, GO on
    97165-97168)."""
    on = date(2025, 6, 1)
    for code in ("97550", "97551", "97552", "97129", "97130", "G0281"):
        assert therapy_list(reg.lookup("procedure", code, on)) == "sometimes", code
    for code in ("97545", "97546", "97161", "97165", "G0283", "97110"):
        assert therapy_list(reg.lookup("procedure", code, on)) == "always", code
    assert therapy_list(reg.lookup("procedure", "99406", on)) == ""


@pytest.mark.parametrize("pos,start", [("02", "2017-01-01"), ("10", "2022-01-01"), ("19", "2016-01-01"),
                                       ("27", "2023-10-01"), ("58", "2020-01-01"), ("17", "2010-05-01"),
                                       ("18", "2013-01-01"), ("09", "2006-07-01")])
def test_pos_start_dates(reg, pos, start):
    """CMS Place of Service code set and its change requests: 02 telehealth 2017-01-01, 10
    2022-01-01 (CR 12427), 19 off-campus outpatient hospital 2016-01-01, 27 2023-10-01 (CR 13314),
    58 2020-01-01 (CR 11353), 17 2010-05-01, 18 2013-01-01, 09 2006-07-01."""
    day = date.fromisoformat(start)
    assert reg.lookup("pos", pos, day).status is Status.BILLABLE
    assert reg.lookup("pos", pos, date.fromordinal(day.toordinal() - 1)).status is Status.NOT_YET_VALID


def test_sources_json_cites_the_corrections(repo: Path):
    sources = json.loads((repo / "codesets" / "sources.json").read_text())
    cites = " ".join(sources["systems"]["procedure"][0]["citations"])
    for fact in ("92507", "97005", "97139", "97597", "98979", "97550", "G0281"):
        assert fact in cites, fact
    assert "2016-01-01" in sources["systems"]["pos"][0]["notes"]
