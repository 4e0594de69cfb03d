"""Therapy procedure codes, modifiers, POS and taxonomy by date."""
from __future__ import annotations

from datetime import date

import pytest

from claimkit.codesets import CodesetError, Status


def test_97001_valid_until_2016(reg):
    assert reg.lookup("procedure", "97001", date(2016, 12, 31)).status is Status.BILLABLE
    found = reg.lookup("procedure", "97001", date(2017, 1, 1))
    assert found.status is Status.TERMINATED
    assert found.replacements == ("97161", "97162", "97163")


def test_replacements_follow_later_deletions(reg):
    assert reg.lookup("procedure", "97532", date(2018, 6, 1)).replacements == ("97127", "G0515")
    assert reg.lookup("procedure", "97532", date(2021, 6, 1)).replacements == ("97129", "97130")
    assert reg.lookup("procedure", "97762", date(2018, 1, 1)).replacements == ("97763",)


def test_new_codes_not_valid_before_their_start(reg):
    assert reg.lookup("procedure", "97161", date(2016, 12, 31)).status is Status.NOT_YET_VALID
    assert reg.lookup("procedure", "98985", date(2025, 12, 31)).status is Status.NOT_YET_VALID
    assert reg.lookup("procedure", "98985", date(2026, 1, 1)).status is Status.BILLABLE
    assert reg.lookup("procedure", "98977", date(2022, 1, 1)).status is Status.BILLABLE


@pytest.mark.parametrize("code,model", [("97110", "per15"), ("97124", "per15"), ("97140", "per15"),
                                        ("97010", "untimed"), ("97161", "untimed"), ("97150", "untimed"),
                                        ("G0283", "untimed"), ("97129", "initial"), ("97130", "addon"),
                                        ("97550", "initial"), ("97551", "addon"), ("97552", "untimed"),
                                        ("99999", None)])
def test_time_models(reg, code, model):
    assert reg.time_model(code, date(2024, 6, 3)) == model


def test_initial_minutes(reg):
    assert reg.lookup("procedure", "97550", date(2024, 6, 3)).attrs["initial_minutes"] == "30"
    assert reg.lookup("procedure", "97129", date(2024, 6, 3)).attrs["initial_minutes"] == "15"


def test_labels_are_own_words(reg):
    assert reg.lookup("procedure", "97124", date(2024, 6, 3)).label == "Massage"


def test_unknown_and_uncovered(reg):
    assert reg.lookup("procedure", "99213", date(2024, 6, 3)).status is Status.UNKNOWN
    assert reg.lookup("procedure", "97110", date(2015, 9, 30)).status is Status.NO_RELEASE


@pytest.mark.parametrize("code,system", [("M54.5", "icd10cm"), ("M5450", "icd10cm"), ("G0283", "procedure"),
                                         ("97110", "procedure"), ("0001F", "procedure"), ("59", "modifier"),
                                         ("GP", "modifier"), ("11", "pos"), ("225700000X", "taxonomy"),
                                         ("S134XXA", "icd10cm")])
def test_detect_system(reg, code, system):
    assert reg.detect_system(code) == system


def test_detect_system_refuses_garbage(reg):
    with pytest.raises(CodesetError):
        reg.detect_system("hello!")


def test_modifiers_pos_taxonomy_by_date(reg):
    assert reg.lookup("modifier", "CQ", date(2018, 12, 31)).status is Status.NOT_YET_VALID
    assert reg.lookup("modifier", "cq", date(2020, 1, 1)).status is Status.BILLABLE
    assert reg.lookup("pos", "10", date(2021, 12, 31)).status is Status.NOT_YET_VALID
    assert reg.lookup("pos", "10", date(2022, 1, 1)).status is Status.BILLABLE
    assert reg.lookup("taxonomy", "225700000X", date(2024, 1, 1)).label == "Massage Therapist"


def test_procedure_diff_by_dates(reg):
    d = reg.diff("procedure", "2016-12-31", "2017-01-01")
    assert {"97161", "97168", "97172"} <= set(d.added)
    assert set(d.deleted) == {"97001", "97002", "97003", "97004", "97005", "97006"}  # CPT 2017


def test_unknown_system(reg):
    with pytest.raises(CodesetError, match="unknown code system"):
        reg.lookup("cpt4", "97110", date(2024, 1, 1))
