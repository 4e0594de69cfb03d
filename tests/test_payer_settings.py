"""Payer settings for the payer edits (docs/payers.md): defaults by payer kind, errors naming
the key, the documented example, and NCCI applied only for payers that apply it (issue 12)."""
from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from decimal import Decimal

import pytest

from claimkit.config import PayerConfig, parse_practice
from claimkit.errors import ConfigError


def _payer(**kw) -> PayerConfig:
    return PayerConfig.model_validate({"name": "X", "payer_id": "X1"} | kw)


@pytest.mark.parametrize("settings,ncci,telehealth,kx", [
    ({"medicare": True, "filing_indicator": "MB"}, True, "medicare-list", True),
    ({"filing_indicator": "MA"}, True, "any", False),
    ({"filing_indicator": "MC"}, True, "any", False),  # Medicaid NCCI (ACA sec. 6507)
    ({"filing_indicator": "CI"}, False, "any", False),
    ({"filing_indicator": "CI", "ncci": True, "telehealth": "none", "kx_threshold": True}, True, "none", True),
    ({"medicare": True, "ncci": False, "telehealth": "any", "kx_threshold": False}, False, "any", False),
])
def test_defaults_follow_the_payer_kind(settings, ncci, telehealth, kx):
    payer = _payer(**settings)
    assert (payer.applies_ncci, payer.telehealth_policy, payer.applies_kx_threshold) == (ncci, telehealth, kx)


def _demo_data(demo_dir) -> dict:
    return tomllib.loads((demo_dir / "claimkit.toml").read_text())


def test_docs_example_loads(repo, demo_dir):
    text = (repo / "docs" / "payers.md").read_text()
    [block] = re.findall(r"```toml\n(.*?)```", text, re.S)
    data = _demo_data(demo_dir) | tomllib.loads(block)
    practice = parse_practice(data, "docs/payers.md")
    mcr, lake = practice.payers["medicare"], practice.payers["lakeshore"]
    used = mcr.therapy_used["1EG4TE5MK73"]
    assert (used.year, used.pt_slp, used.ot) == (2025, Decimal("1480.00"), Decimal(0))
    assert (mcr.applies_ncci, mcr.telehealth_policy, mcr.applies_kx_threshold) == (True, "medicare-list", True)
    assert (lake.applies_ncci, lake.telehealth_policy, lake.credentials_by_license) == (False, "any", True)


@pytest.mark.parametrize("patch,key", [
    ({"telehealth": "sometimes"}, "payers.lakeshore.telehealth"),
    ({"ncci": "maybe"}, "payers.lakeshore.ncci"),
    ({"therapy_used": {"W1": {"pt_slp": 10}}}, "payers.lakeshore.therapy_used.W1.year"),
    ({"therapy_used": {"W1": {"year": 2025, "ot": -5}}}, "payers.lakeshore.therapy_used.W1.ot"),
    ({"credentials_by_licence": True}, "payers.lakeshore.credentials_by_licence"),  # a typo is no silent default
])
def test_bad_setting_names_the_key(demo_dir, patch, key):
    data = _demo_data(demo_dir)
    data["payers"]["lakeshore"].update(patch)
    with pytest.raises(ConfigError) as exc:
        parse_practice(data, "claimkit.toml")
    assert key in str(exc.value) and "claimkit.toml" in str(exc.value)


def test_member_ids_of_therapy_used_are_matched_as_claims_carry_them():
    payer = _payer(medicare=True, therapy_used={" 1eg4te5mk73 ": {"year": 2025, "pt_slp": 100}})
    assert list(payer.therapy_used) == ["1EG4TE5MK73"]


def _massage_day(tmp_path, payer_key: str):
    """A massage therapist's 97140 + 97124 on one day (an NCCI indicator-0 pair)."""
    session = {
        "session_id": "M1", "date_of_service": "2025-01-06", "payer": payer_key, "rendering_provider": "lind",
        "patient": {"id": "P9", "last_name": "TESTER", "first_name": "ANA", "birth_date": "1980-02-02", "sex": "F",
                    "address": {"line1": "1 A ST", "city": "SPRINGFIELD", "state": "IL", "zip": "62704"},
                    "member_id": "LK1234567", "relationship": "self"},
        "diagnoses": ["M62.830"],
        "services": [{"code": "97140", "minutes": 30}, {"code": "97124", "minutes": 30}],
    }
    path = tmp_path / "massage.json"
    path.write_text(json.dumps([session]))
    return path


@pytest.mark.parametrize("ncci,fires", [(None, False), (False, False), (True, True)])
def test_commercial_massage_pair_follows_the_ncci_setting(tmp_path, demo_practice, registry, ncci, fires):
    from claimkit.rules.engine import Selection
    from claimkit.validation import validate_paths

    payers = dict(demo_practice.payers)
    payers["lakeshore"] = payers["lakeshore"].model_copy(update={"ncci": ncci})
    practice = demo_practice.model_copy(update={"payers": payers})
    result = validate_paths([_massage_day(tmp_path, "lakeshore")], kind="sessions", practice=practice,
                            registry=registry, today=date(2025, 2, 1),
                            selection=Selection(select=frozenset({"CK-T004"})))
    assert bool([d for d in result.diagnostics if d.rule == "CK-T004"]) is fires
