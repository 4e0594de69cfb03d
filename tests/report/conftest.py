"""A validation result with findings of every kind (X12 segments, claims JSON, PHI values) for
the report format tests."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "rules" / "data"
PHI = ("DOE", "JOHN", "W123456789", "1980-03-15", "19800315", "NGUYEN", "X987654321")


def _claims_json(tmp: Path) -> Path:
    """Claim 1 of the reference as claims JSON, with a service dated before the patient's birth,
    a pointer past the list and an unknown modifier (a warning)."""
    claim = {
        "claim_id": "PT0001-20240110",
        "payer": {"name": "EXAMPLE HEALTH PLAN", "payer_id": "EHP01"},
        "billing_provider": {"npi": "1234567893", "last_name": "WELLNESS THERAPY GROUP",
                             "is_organization": True, "taxonomy": "225100000X"},
        "subscriber": {"last_name": "DOE", "first_name": "JOHN", "birth_date": "1980-03-15",
                       "sex": "M", "member_id": "W123456789",
                       "address": {"line1": "456 OAK AVENUE", "city": "SPRINGFIELD", "state": "IL",
                                   "zip": "62704"}},
        "place_of_service": "11",
        "diagnoses": ["M5450", "M6281"],
        "lines": [
            {"number": 1, "code": "97110", "modifiers": ["GP"], "charge": "120", "units": 2,
             "pointers": [1, 3], "date_of_service": "1979-05-01"},
            {"number": 2, "code": "97140", "modifiers": ["GP", "ZZ"], "charge": "55", "units": 1,
             "pointers": [2], "date_of_service": "2024-01-10"},
        ],
    }
    path = tmp / "claims, 100% synthetic.json"  # a comma and a percent sign to escape
    path.write_text(json.dumps({"claims": [claim]}))
    return path


def _x12(tmp: Path) -> Path:
    """The reference with a fifth diagnosis pointer-free defect: line 1 points to diagnosis 4."""
    text = (DATA / "837p_reference.x12").read_text()
    text = text.replace("SV1*HC:97110:GP*120*UN*2***1:2~", "SV1*HC:97110:GP*120*UN*2***1:4~", 1)
    path = tmp / "broken.x12"
    path.write_text(text)
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    return {"claims": _claims_json(tmp_path), "x12": _x12(tmp_path),
            "clean": DATA / "837p_reference.x12"}


@pytest.fixture
def result(inputs, registry):
    from claimkit.rules.engine import Selection
    from claimkit.validation import validate_paths

    # CK-C011 ignored: the reference's January 2024 dates precede the bundled NCCI/MUE quarter,
    # and these tests want the reference clean.
    return validate_paths([inputs["x12"], inputs["claims"], inputs["clean"]], registry=registry,
                          today=date(2024, 2, 1), selection=Selection(ignore=frozenset({"CK-C011"})))


@pytest.fixture
def phi_strings():
    return PHI


@pytest.fixture(scope="session")
def sarif_schema():
    """The OASIS SARIF 2.1.0 schema (a copy of ../shared/data/ci/ kept in tests/data/ci)."""
    path = Path(__file__).resolve().parents[1] / "data" / "ci" / "sarif-schema-2.1.0.json"
    return json.loads(path.read_text())
