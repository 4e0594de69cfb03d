"""FY2021: the January 2021 ICD-10-CM update's codes are valid from 2021-01-01, not 2020-10-01.

The bundled FY2021 release is built from the January 2021 order file but covers the whole fiscal
year 2020-10-01..2021-09-30; the codes that update added carry a per-code valid_from.
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from claimkit.codesets import Status
from claimkit.codesets.bundle import _code_valid_from, _convert
from claimkit.codesets.importers import Parsed
from claimkit.codesets.registry import bundled_root
from claimkit.codesets.tables import sha256_file, write_tsv

# CMS "2021 ICD-10-CM" January 2021 addendum; CDC/NCHS announcement (December 2020) of the six
# COVID-19 codes effective January 1, 2021.
JANUARY_2021_CODES = ("J12.82", "M35.81", "M35.89", "Z11.52", "Z20.822", "Z86.16")


@pytest.mark.parametrize("code", JANUARY_2021_CODES)
def test_january_2021_codes_not_valid_before_2021_01_01(reg, code):
    """CDC/NCHS announced J12.82, M35.81, M35.89, Z11.52, Z20.822 and Z86.16 as new ICD-10-CM
    codes effective January 1, 2021 (CMS "2021 ICD-10-CM", January 2021 addendum): on
    2020-10-01 and 2020-12-31 they are not yet valid, from 2021-01-01 they are billable."""
    for day in (date(2020, 10, 1), date(2020, 12, 31)):
        found = reg.lookup("icd10cm", code, day)
        assert (found.status, found.release) == (Status.NOT_YET_VALID, "FY2021"), day
        assert found.attrs["valid_from"] == "2021-01-01"
        assert not found.valid
    for day in (date(2021, 1, 1), date(2021, 9, 30)):
        assert reg.lookup("icd10cm", code, day).status is Status.BILLABLE, day


def test_other_fy2021_codes_keep_the_whole_year(reg):
    """U07.1 (COVID-19) was valid from 2020-04-01 (CDC/NCHS, effective April 1, 2020), so the
    January date applies only to the January 2021 codes: U07.1 and J12.89 are billable on
    2020-10-01."""
    assert reg.lookup("icd10cm", "U07.1", date(2020, 10, 1)).status is Status.BILLABLE
    assert reg.lookup("icd10cm", "J12.89", date(2020, 10, 1)).status is Status.BILLABLE


def test_header_replacements_leave_out_codes_not_yet_valid(reg):
    """Before 2021-01-01 the pneumonia codes under J12.8 were J12.81 and J12.89; J12.82 (added
    January 1, 2021 by the CDC/NCHS COVID-19 update) is suggested only from that date."""
    before = reg.lookup("icd10cm", "J12.8", date(2020, 11, 2))
    assert before.status is Status.HEADER and before.replacements == ("J1281", "J1289")
    after = reg.lookup("icd10cm", "J12.8", date(2021, 1, 4))
    assert after.replacements == ("J1281", "J1282", "J1289")
    exposure = reg.lookup("icd10cm", "Z20.82", date(2020, 12, 1)).replacements
    assert "Z20822" not in exposure and "Z20828" in exposure


def test_sources_json_names_exactly_the_january_codes():
    """The maintainer metadata (codesets/sources.json) carries the six codes of the CMS/CDC
    January 2021 addendum, each with 2021-01-01, and the FY2021 notes cite the source."""
    sources = json.loads((bundled_root() / "sources.json").read_text())
    (fy2021,) = [r for r in sources["systems"]["icd10cm"] if r["name"] == "FY2021"]
    assert fy2021["code_valid_from"] == {c: "2021-01-01" for c in JANUARY_2021_CODES}
    manifest = json.loads((bundled_root() / "icd10cm" / "manifest.json").read_text())
    (entry,) = [r for r in manifest["releases"] if r["name"] == "FY2021"]
    assert "January 2021 addendum" in entry["notes"] and "code_valid_from" not in entry


def _parsed() -> Parsed:
    rows = [("J128", "0", "Other viral pneumonia"), ("J1282", "1", "Pneumonia due to COVID-19"),
            ("J1289", "1", "Other viral pneumonia")]
    return Parsed("icd10cm", ("code", "billable", "title"), rows)


SPEC = {"name": "FY2021", "effective_from": "2020-10-01", "effective_to": "2021-09-30"}


def test_converter_adds_the_valid_from_column():
    out = _code_valid_from(_parsed(), SPEC | {"code_valid_from": {"J12.82": "2021-01-01"}})
    assert out.header == ("code", "billable", "title", "valid_from")
    assert out.rows[1] == ("J1282", "1", "Pneumonia due to COVID-19", "2021-01-01")
    assert out.rows[0] == ("J128", "0", "Other viral pneumonia") and len(out.rows[2]) == 3
    assert _code_valid_from(_parsed(), SPEC).header == ("code", "billable", "title")


@pytest.mark.parametrize("starts,message", [
    ({"J12.83": "2021-01-01"}, "not in the file"),
    ({"J12.8": "2021-01-01"}, "not billable"),
    ({"J12.82": "2020-10-01"}, "not inside"),
    ({"J12.82": "2021-10-01"}, "not inside"),
])
def test_converter_refuses_a_wrong_code_valid_from(starts, message):
    with pytest.raises(ValueError, match=message):
        _code_valid_from(_parsed(), SPEC | {"code_valid_from": starts})


def test_bundled_fy2021_is_what_the_converter_makes(public_data, tmp_path):
    """Rebuilding FY2021 from the reference order file and sources.json gives the bundled bytes."""
    sources = json.loads((bundled_root() / "sources.json").read_text())
    (spec,) = [r for r in sources["systems"]["icd10cm"] if r["name"] == "FY2021"]
    parsed = _code_valid_from(_convert(public_data, spec), spec)
    digest = write_tsv(tmp_path / spec["file"], parsed.header, parsed.rows)
    assert digest == sha256_file(bundled_root() / "icd10cm" / spec["file"])
    assert sorted(r[0] for r in parsed.rows if len(r) == 4) == sorted(
        c.replace(".", "") for c in JANUARY_2021_CODES)
