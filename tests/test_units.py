"""Unit policies against the CMS manual's worked examples (Pub. 100-04 ch. 5 sec. 20.2)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.units import POLICIES, units_for_minutes

CMS, AMA = POLICIES["cms"], POLICIES["ama"]

# (minutes by code, CMS total, CMS units by code (default choice), every CMS choice, AMA units)
MANUAL = [
    ({"97112": 24, "97110": 23}, 3, {"97112": 2, "97110": 1}, 1, {"97112": 2, "97110": 2}),
    ({"97112": 20, "97110": 20}, 3, {"97112": 2, "97110": 1}, 2, {"97112": 1, "97110": 1}),
    ({"97110": 33, "97140": 7}, 3, {"97110": 2, "97140": 1}, 1, {"97110": 2, "97140": 0}),
    ({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, 3,
     {"97110": 1, "97140": 1, "97116": 1, "97035": 0}, 1,
     {"97110": 1, "97140": 1, "97116": 1, "97035": 1}),
    ({"97112": 7, "97110": 7, "97140": 7}, 1, {"97112": 1, "97110": 0, "97140": 0}, 3,
     {"97112": 0, "97110": 0, "97140": 0}),
    ({"97530": 60}, 4, {"97530": 4}, 1, {"97530": 4}),
]


@pytest.mark.parametrize("minutes,total,default,choices,ama", MANUAL)
def test_cms_manual_examples(minutes, total, default, choices, ama):
    alloc = CMS.allocate(minutes)
    assert alloc.total_minutes == sum(minutes.values())
    assert alloc.total_units == total
    assert alloc.units() == default
    assert 1 + len(alloc.alternatives) == choices
    for alt in alloc.alternatives:  # every alternative bills the same total, never 3 on one code
        assert sum(ln.units for ln in alt) == total
        assert {ln.code: ln.units for ln in alt} != default
    assert AMA.allocate(minutes).units() == ama


def test_example_2_alternative_is_the_other_code():
    alloc = CMS.allocate({"97112": 20, "97110": 20})
    assert [{ln.code: ln.units for ln in alt} for alt in alloc.alternatives] == [{"97112": 1, "97110": 2}]


@pytest.mark.parametrize("m,u", [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3),
                                 (52, 3), (53, 4), (67, 4), (68, 5)])
def test_threshold_table(m, u):
    assert units_for_minutes(m) == u


def test_same_code_twice_is_summed():
    assert CMS.allocate([("97110", 10), ("97110", 13)]).units() == {"97110": 2}


@given(st.dictionaries(st.sampled_from(["97110", "97112", "97140", "97530", "97116"]),
                       st.integers(0, 120), min_size=1))
def test_cms_invariants(minutes):
    alloc = CMS.allocate(minutes)
    assert sum(ln.units for ln in alloc.lines) == units_for_minutes(sum(minutes.values()))
    for alt in (alloc.lines, *alloc.alternatives):
        for ln in alt:  # full units first, then at most one more per code
            assert ln.minutes // 15 <= ln.units <= ln.minutes // 15 + 1


def test_cli_units_json_matches_issue_example():
    res = CliRunner().invoke(app, ["units", "--rule", "cms", "97112=24", "97110=23", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {k: data[k] for k in ("rule", "total_minutes", "total_units", "lines", "alternatives")} == {
                    "rule": "cms", "total_minutes": 47, "total_units": 3,
                    "lines": [{"code": "97112", "minutes": 24, "units": 2},
                              {"code": "97110", "minutes": 23, "units": 1}],
                    "alternatives": []}


def test_cli_units_lists_every_code_and_ties():
    res = CliRunner().invoke(app, ["units", "97112=7", "97110=7", "97140=7", "--format", "json"])
    data = json.loads(res.stdout)
    assert [ln["code"] for ln in data["lines"]] == ["97112", "97110", "97140"]
    assert len(data["alternatives"]) == 2
    ama = json.loads(CliRunner().invoke(app, ["units", "--rule", "ama", "97112=24", "97110=23",
                                              "--format", "json"]).stdout)
    assert ama["total_units"] == 4


def test_cli_units_untimed_codes_bill_one_unit_and_do_not_pool():
    res = CliRunner().invoke(app, ["units", "97161=45", "97010=30", "97110=20", "--on", "2025-03-01",
                                   "--format", "json"])
    data = json.loads(res.stdout)
    assert {ln["code"]: ln["units"] for ln in data["lines"]} == {"97161": 1, "97010": 1, "97110": 1}
    assert data["total_minutes"] == 20  # only timed minutes are pooled


@pytest.mark.parametrize("arg,needle", [("97129=30", "initial + add-on"), ("99999=10", "not a known"),
                                        ("ABCDE=10", "not a known")])
def test_cli_units_refuses_what_minutes_cannot_decide(arg, needle):
    res = CliRunner().invoke(app, ["units", arg, "--on", "2025-03-01"])
    assert res.exit_code == 2 and needle in res.stderr


def test_cli_units_bad_argument_exit_2():
    res = CliRunner().invoke(app, ["units", "97110=-3"])
    assert res.exit_code == 2
    assert "CODE=MINUTES" in res.stderr
