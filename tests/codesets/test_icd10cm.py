"""ICD-10-CM by date of service: the issue's acceptance points and the edge rules."""
from __future__ import annotations

import time
from datetime import date

import pytest

from claimkit.codesets import Registry, Status
from claimkit.codesets.icd import IcdTable
from claimkit.codesets.importers.icd import derive_headers
from claimkit.codesets.registry import bundled_root
from claimkit.codesets.tables import bundled_releases


def test_m545_billable_in_fy2021(reg):
    found = reg.lookup("icd10cm", "M54.5", date(2021, 9, 30))
    assert (found.status, found.release, found.code) == (Status.BILLABLE, "FY2021", "M545")
    assert found.label == "Low back pain"


def test_m545_header_in_fy2024_with_replacements(reg):
    found = reg.lookup("icd10cm", "M545", date(2024, 3, 1))
    assert found.status is Status.HEADER and found.release == "FY2024"
    assert found.replacements == ("M5450", "M5451", "M5459")


@pytest.mark.parametrize("day", [date(2021, 10, 1), date(2022, 5, 1), date(2023, 9, 30), date(2026, 10, 1)])
def test_dates_without_a_release_are_not_substituted(reg, day):
    found = reg.lookup("icd10cm", "M54.5", day)
    assert found.status is Status.NO_RELEASE and found.release is None
    assert day.isoformat() in found.attrs["reason"]


@pytest.mark.parametrize("day,release", [(date(2020, 10, 1), "FY2021"), (date(2023, 10, 1), "FY2024"),
                                         (date(2024, 10, 1), "FY2025"), (date(2025, 10, 1), "FY2026-april"),
                                         (date(2026, 9, 30), "FY2026-april")])
def test_release_boundaries(reg, day, release):
    assert reg.release_for("icd10cm", day).name == release


def test_diff_fy2024_fy2025_matches_cms_counts(reg):
    d = reg.diff("icd10cm", "FY2024", "FY2025")
    assert (len(d.added), len(d.deleted), len(d.revised)) == (252, 36, 13)
    assert {"M5136", "M5137"} <= set(d.billability_changed)
    assert {"M5136", "M5137"} <= set(d.deleted)
    assert "M51360" in d.added


def test_diff_accepts_dates(reg):
    d = reg.diff("icd10cm", date(2024, 3, 1), "2025-01-01")
    assert (d.old, d.new) == ("FY2024", "FY2025")


def test_m5136_header_in_fy2025(reg):
    found = reg.lookup("icd10cm", "M51.36", date(2025, 1, 1))
    assert found.status is Status.HEADER
    assert found.replacements == ("M51360", "M51361", "M51362", "M51369")


def test_seventh_character_is_part_of_the_code(reg):
    assert reg.lookup("icd10cm", "S13.4XXA", date(2024, 3, 1)).status is Status.BILLABLE
    assert reg.lookup("icd10cm", "S13.4", date(2024, 3, 1)).status is Status.HEADER


def test_newer_code_is_not_yet_valid_on_an_older_date(reg):
    # M62.85 is not in FY2021 but is in later releases
    found = reg.lookup("icd10cm", "M62.85", date(2021, 1, 4))
    assert found.status is Status.NOT_YET_VALID
    assert reg.lookup("icd10cm", "M62.85", date(2025, 1, 4)).status is Status.BILLABLE


def test_deleted_code_is_terminated_with_successors(reg):
    found = reg.lookup("icd10cm", "T81.32XA", date(2025, 3, 1))
    assert found.status is Status.TERMINATED and found.attrs["seen_in"] == "FY2024"
    assert found.replacements == ("T81320A", "T81321A", "T81328A", "T81329A")
    assert reg.lookup("icd10cm", "T81.32XA", date(2024, 3, 1)).status is Status.BILLABLE
    assert reg.lookup("icd10cm", "ZZZ99", date(2025, 3, 1)).status is Status.UNKNOWN


def test_icd9_code_is_unknown(reg):
    assert reg.lookup("icd10cm", "724.2", date(2024, 3, 1)).status is Status.UNKNOWN


def test_first_load_is_fast_and_later_lookups_constant():
    fresh = Registry(bundled_releases(bundled_root()))
    start = time.perf_counter()
    fresh.lookup("icd10cm", "M54.5", date(2025, 1, 1))
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(1000):
        fresh.lookup("icd10cm", "M54.50", date(2025, 1, 1))
    per = (time.perf_counter() - start) / 1000
    assert first < 0.5, first
    assert per < 0.001, per


def test_fy2024_headers_are_derived(reg):
    table: IcdTable = reg.table(reg.release_named("icd10cm", "FY2024"))
    assert table.entry("M545") == (False, "", "")
    assert "S134X" not in table  # placeholder padding is not a header


def test_derive_headers_rule():
    assert derive_headers({"M5450", "M5451", "S134XXA", "H540X33", "H540X3"} - {"H540X3"}) == {
        "M54", "M545", "S13", "S134", "H54", "H540", "H540X", "H540X3"}
