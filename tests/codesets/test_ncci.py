"""NCCI PTP edits and MUE limits by date."""
from __future__ import annotations

from datetime import date


def test_massage_and_manual_therapy_never_together(reg):
    edit = reg.ptp_edit("97140", "97124", date(2024, 5, 1))
    assert edit is not None and edit.modifier_indicator == "0" and not edit.stale
    assert reg.ptp_edit("97124", "97140", date(2024, 5, 1)) is None  # column order matters here


def test_edits_for_a_set_of_codes_in_either_order(reg):
    edits = reg.ptp_edits_for(["97124", "97140", "97110"], date(2024, 5, 1))
    assert [(e.column1, e.column2, e.modifier_indicator) for e in edits] == [("97140", "97124", "0")]


def test_group_therapy_pairs_are_bypassable(reg):
    assert reg.ptp_edit("97150", "97110", date(2024, 5, 1)).modifier_indicator == "1"


def test_later_dates_are_answered_but_flagged_stale(reg):
    edit = reg.ptp_edit("97140", "97124", date(2026, 3, 2))
    assert edit.stale and edit.release == "v30.1-2024Q2"
    assert reg.mue("97110", date(2026, 3, 2)).stale


def test_dates_before_the_release_are_not_covered(reg):
    assert reg.ptp_edit("97140", "97124", date(2023, 5, 1)) is None
    assert reg.mue("97110", date(2023, 5, 1)) is None


def test_deleted_edit_is_inactive(reg):
    edits = {(e.column1, e.column2) for e in reg.ptp_edits_for(["97012", "97010", "97018"], date(2024, 5, 1))}
    assert ("97012", "97010") not in edits  # deleted 1996-01-01
    assert ("97012", "97018") in edits


def test_mue_values(reg):
    assert reg.mue("97110", date(2024, 5, 1)).value == 6
    assert reg.mue("97112", date(2024, 5, 1)).value == 4
    assert reg.mue("97535", date(2024, 5, 1)).value == 8
    found = reg.mue("97161", date(2024, 5, 1))
    assert found.value == 1
    assert reg.mue("99999", date(2024, 5, 1)) is None
