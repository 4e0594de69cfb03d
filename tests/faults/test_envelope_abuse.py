"""Envelope abuse is a finding with an error exit, not exit 0: many empty interchanges, content
after the last IEA, empty segments, repeated ISA13; pyx12 (an independent oracle) rejects the
same files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app

CASES = Path(__file__).resolve().parents[1] / "x12" / "cases"
runner = CliRunner()


def test_many_empty_interchanges_fail_and_few_are_listed(tmp_path, fault) -> None:
    """10,000 ISA/IEA pairs with nothing inside (the issue's 1,000,000, scaled to stay fast)."""
    isa = fault.REFERENCE.read_text().split("~")[0]
    path = tmp_path / "empty.x12"
    path.write_text("".join(f"{isa[:90]}{n:09d}{isa[99:]}~IEA*0*{n:09d}~\n" for n in range(1, 10_001)))
    res = runner.invoke(app, ["validate", str(path), "-f", "json"])
    assert res.exit_code == 1, res.stderr
    findings = json.loads(res.stdout)["findings"]
    found = [d for d in findings if d["rule"] == "CK-X026"]
    assert len(found) == 20 and "not listed" in found[-1]["message"]
    assert not any(d["rule"] == "CK-X027" for d in findings)  # each has its own ISA13


# Where pyx12 checks the same thing it rejects the file too. (It accepts empty envelopes and
# plain text after the last IEA, and crashes on text between interchanges: there we are stricter.)
AGREE = ["CK-X024/fail_segment-after-iea_seg58.x12", "CK-X025/fail_doubled-terminator_seg3.x12",
         "CK-X025/fail_blank-segments-in-claim_seg21.x12", "CK-X027/fail_repeated-isa13_seg59.x12"]


@pytest.mark.parametrize("case", AGREE)
def test_pyx12_rejects_the_same_files(case, pyx12_check) -> None:
    ok, _ = pyx12_check(CASES / case)
    assert not ok


def test_pyx12_accepts_two_interchanges_with_their_own_isa13(pyx12_check) -> None:
    assert pyx12_check(CASES / "CK-X027" / "pass_two-interchanges-own-numbers.x12") == (True, [])


@pytest.mark.parametrize("rule", ["CK-X024", "CK-X025", "CK-X026", "CK-X027"])
def test_the_cli_exits_1_on_each_failing_case(rule, tmp_path) -> None:
    for path in sorted((CASES / rule).glob("fail_*.x12")):
        res = runner.invoke(app, ["validate", str(path), "-f", "json"])
        assert res.exit_code == 1, (path.name, res.stderr)
        assert rule in res.stdout
