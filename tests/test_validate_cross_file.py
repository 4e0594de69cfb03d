"""`validate a.csv b.csv` finds the session duplicates across files that `build a.csv b.csv`
finds (issue 12: CK-U008/CK-U009 used to be found within one file only by validate)."""
from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()


def _files(tmp_path, demo_dir):
    lines = (demo_dir / "sessions.jsonl").read_text().splitlines(True)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(lines[:4]))  # S0001..S0004
    moved = json.loads(lines[1])
    moved["date_of_service"] = "2025-01-10"  # S0002 again, another day: a different session
    b.write_text("".join(lines[3:6]) + json.dumps(moved) + "\n")  # S0004 repeated exactly
    return a, b


def _errors(text):
    return sorted(re.findall(r"(\S+\.jsonl):(\d+).*?error (CK-U00[89])", text))


def test_validate_of_two_session_files_names_both_places(tmp_path, demo_dir):
    a, b = _files(tmp_path, demo_dir)
    cfg = str(demo_dir / "claimkit.toml")
    res = runner.invoke(app, ["validate", str(a), str(b), "-c", cfg])
    assert res.exit_code == 1
    out = res.stdout
    assert "session S0004 at " + str(b) + " line 1 repeats " + str(a) + " line 4 exactly" in out
    assert (f"session ID S0002 names two different sessions, at {b} line 4 and {a} line 2 "
            "(date_of_service differ)") in out
    assert (f"at {a} line 2 and {b} line 4") in out  # the twin, at the first place
    # the same findings, at the same places, as build gives for the two files as one input
    built = runner.invoke(app, ["build", str(a), str(b), "-c", cfg])
    assert built.exit_code == 1
    assert _errors(out) == _errors(built.stderr) and len(_errors(out)) == 3
    # each file alone has none of them
    for f in (a, b):
        alone = runner.invoke(app, ["validate", str(f), "-c", cfg])
        assert alone.exit_code == 0 and not re.search("CK-U00[89]", alone.stdout)


def test_the_same_file_twice(tmp_path, demo_dir):
    a, _ = _files(tmp_path, demo_dir)
    res = runner.invoke(app, ["validate", str(a), str(a), "-c", str(demo_dir / "claimkit.toml"),
                              "-f", "json"])
    assert res.exit_code == 1
    found = [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "CK-U008"]
    assert len(found) == 4 and all("the file is given twice" in f["message"] for f in found)
