"""Decisions moved out of the CLI into claimkit.policy, checked through the public API: rule
settings over the configuration, one 837P per triage, and what a triage writes (the
acknowledgment goes back from receiver to sender; accepted + rejected = every claim)."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

import claimkit

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 30)


def _isa(x12: str) -> list[str]:
    return x12[:x12.index("~")].split("*")


def test_rule_settings_put_the_callers_choices_over_the_configuration(demo_dir: Path) -> None:
    practice = claimkit.load_settings(demo_dir / "claimkit.toml")
    base = claimkit.rule_settings(practice)
    assert base.fail_on is claimkit.Severity.ERROR
    tuned = claimkit.rule_settings(practice, select=["CK-D001,CK-D002"], severity=["CK-D001=warning"],
                                   fail_on="warning")
    assert tuned.fail_on is claimkit.Severity.WARNING
    with pytest.raises(claimkit.ConfigError, match="no rule matches 'CK-NOPE'"):
        claimkit.rule_settings(practice, ignore=["CK-NOPE"])
    with pytest.raises(claimkit.ConfigError, match="ID=LEVEL"):
        claimkit.rule_settings(practice, severity=["CK-D001"])


def test_triage_answers_one_837_only(repo: Path, demo_dir: Path) -> None:
    ref = repo / "tests" / "golden" / "demo-837p.x12"
    claimkit.require_one_837([ref])
    with pytest.raises(claimkit.ConfigError, match="exactly one"):
        claimkit.require_one_837([ref, ref])
    with pytest.raises(claimkit.ConfigError, match="need an 837P"):
        claimkit.require_one_837([demo_dir / "sessions.jsonl"])


def test_triage_outputs(repo: Path, tmp_path: Path, pyx12_check) -> None:
    ref = repo / "tests" / "golden" / "demo-837p.x12"
    result = claimkit.validate([ref], today=TODAY, keep_claims=True)
    control = tmp_path / "control.json"
    t = claimkit.triage(ref, result, ack="999", accepted=True, rejects=True, control_file=control, now=NOW)
    incoming = _isa(ref.read_text())
    ack = _isa(t.ack)
    # ISA05-08 of the answer are ISA07-08/05-06 of the incoming interchange (TR3 999: receiver -> sender)
    assert (ack[5], ack[6], ack[7], ack[8]) == (incoming[7], incoming[8], incoming[5], incoming[6])
    s = t.summary
    assert s["total"] == 40 and s["accepted"] + s["rejected"] == 40 and s["accepted"] > 0
    assert json.loads(t.rejects)["summary"]["rejected"] == s["rejected"]
    out = tmp_path / "accepted.x12"
    out.write_text(t.accepted)
    assert pyx12_check(out) == (True, [])
    # the accepted 837P travels on (sender -> receiver as received), the 999 back: two sequences
    again = claimkit.triage(ref, result, ack="999", accepted=True, control_file=control, now=NOW)
    assert int(_isa(again.ack)[13]) == int(ack[13]) + 1
    assert int(_isa(again.accepted)[13]) == int(_isa(t.accepted)[13]) + 1


def test_triage_writes_no_837_without_an_accepted_claim(repo: Path, tmp_path: Path) -> None:
    """A blocking finding outside every claim (here a broken GE count) rejects the whole
    transaction set: no accepted 837P is written (an interchange without claims is invalid)."""
    text = (repo / "tests" / "golden" / "demo-837p.x12").read_text()
    ge = text.index("GE*")
    bad = tmp_path / "bad.x12"
    bad.write_text(text[:ge] + "GE*9" + text[text.index("*", ge + 3):])
    result = claimkit.validate([bad], today=TODAY, keep_claims=True)
    assert result.failed(claimkit.Severity.ERROR)
    t = claimkit.triage(bad, result, accepted=True, rejects=True, now=NOW)
    assert t.summary == {"total": 40, "accepted": 0, "rejected": 40}
    assert t.accepted is None and t.ack is None  # (the 999 was not asked for)
    assert len(json.loads(t.rejects)["rejected"]) == 40
