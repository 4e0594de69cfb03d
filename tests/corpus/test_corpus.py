"""The third-party 837P corpus: every file has a recorded origin, the pyx12 record is current,
and claimkit answers every file (exit 0 or 1) without crashing.

The claimkit/pyx12 agreement itself is measured by tools/corpus_compare.py, not asserted here.
"""
from __future__ import annotations

import importlib.util
import json
import traceback
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _oracle():
    spec = importlib.util.spec_from_file_location("corpus_oracle", HERE / "oracle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


oracle = _oracle()
FILES = oracle.corpus_files()
SOURCES = json.loads(oracle.SOURCES.read_text())
EXPECTED = json.loads(oracle.EXPECTED.read_text())


def test_corpus_is_big_enough() -> None:
    upstream = [e for e in SOURCES if e["kind"] == "upstream"]
    assert len(FILES) >= 40 and len(upstream) >= 25


def test_every_file_has_a_source_and_every_source_a_file() -> None:
    listed = [e["file"] for e in SOURCES]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert sorted(listed) == [p.name for p in FILES]


@pytest.mark.parametrize("entry", SOURCES, ids=lambda e: e["file"])
def test_source_entry_names_an_origin(entry) -> None:
    assert entry["exercises"] and entry["licence"]
    if entry["kind"] == "upstream":
        assert entry["repo"] and entry["path"] and len(entry["commit"]) == 40
        assert entry["url"].startswith("https://github.com/")
    else:
        assert entry["kind"] == "variant"
        assert (oracle.X12_DIR / entry["base"]).is_file()
        base = (oracle.X12_DIR / entry["base"]).read_text(encoding="latin-1")
        assert (oracle.X12_DIR / entry["file"]).read_text(encoding="latin-1") != base


def test_expected_lists_every_file() -> None:
    assert sorted(EXPECTED) == [p.name for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_expected_is_what_pyx12_says_now(path) -> None:
    """The oracle record is current: regenerate with python tools/corpus_pyx12.py."""
    assert oracle.pyx12_record(path) == EXPECTED[path.name]


def test_the_corpus_has_both_verdicts() -> None:
    verdicts = {r["accepted"] for r in EXPECTED.values()}
    assert verdicts == {True, False}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_claimkit_answers_without_crashing(path, tmp_path, monkeypatch) -> None:
    """``claimkit validate FILE`` exits 0 or 1: never 2 (unusable input) and never a traceback."""
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    monkeypatch.chdir(tmp_path)  # no claimkit.toml found by accident
    res = CliRunner().invoke(app, ["validate", str(path), "--format", "json", "-j", "1"])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        pytest.fail("".join(traceback.format_exception(type(res.exception), res.exception,
                                                       res.exception.__traceback__)))
    assert res.exit_code in (0, 1), res.stderr
    report = json.loads(res.stdout)
    assert all(f["severity"] in ("error", "warning", "info") for f in report["findings"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_acknowledgment_is_valid_for_pyx12(path, tmp_path, pyx12_check) -> None:
    """Every 999 and 277CA claimkit writes for a third-party file (missing loops, names, dates,
    invalid ISA qualifiers included) is accepted by pyx12. A 277CA is only refused, with exit 2
    and the reason, when no claim could be read (X214 needs a billing provider and a claim)."""
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    runner = CliRunner()
    for kind in ("999", "277ca"):
        out = tmp_path / f"ack.{kind}"
        res = runner.invoke(app, ["validate", str(path), "--ack", kind, "-o", str(out),
                                  "--report", str(tmp_path / "report.txt")])
        assert "Traceback" not in res.output
        if kind == "277ca" and res.exit_code == 2:
            assert "no claim could be read" in res.stderr and not out.exists()
            continue
        assert res.exit_code in (0, 1), res.output
        ok, errors = pyx12_check(out)
        assert ok and errors == [], (kind, errors)


def _compare_tool():
    spec = importlib.util.spec_from_file_location(
        "corpus_compare", HERE.parent.parent / "tools" / "corpus_compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_same_defect_matching_is_scoped() -> None:
    """The comparison's "same defect elsewhere" needs the rule, the place and (for a missing
    segment) the same segment ID; anything else stays a disagreement."""
    tool = _compare_tool()
    miss = ['Line:46 SEG:3 - Mandatory segment "Other Payer Referring Provider Secondary '
            'Identification" (REF) missing']
    g001 = {"rule": "CK-G001", "message": "loop 2330C has no REF segment (required)",
            "location": {"segment_index": 45}}
    other = dict(g001, message="loop 2400 has no DTP segment (required)")
    assert tool._same_defect(46, miss, [g001], [3]) == "CK-G001"
    assert tool._same_defect(46, miss, [other], [3]) is None  # another segment is missing
    assert tool._same_defect(46, miss, [g001], [3, 46]) is None  # another transaction set
    assert tool._same_defect(44, miss, [g001], [3]) is None  # reported after pyx12's place
    se = ["Line:3 ST:4 - SE count of 25 for SE02=1 is wrong. I count 34"]
    x011 = {"rule": "CK-X011", "message": "SE01 says '25'", "location": {"segment_index": 36}}
    assert tool._same_defect(3, se, [x011], [3]) == "CK-X011"
    assert tool._same_defect(3, ["Line:3 - something else"], [x011], [3]) is None
