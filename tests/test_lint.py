"""The repository is lint-clean (issue 13): ``ruff check .`` and ``mypy`` report nothing.

Both run as a developer runs them, from the repository root with the settings in pyproject.toml
([tool.ruff], [tool.mypy]), through this interpreter so that the versions pinned in the test
extra are the ones asked (a new ruff or mypy release adds rules). .ci/run runs this file with the
rest of the suite.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Findings per file still allowed (a count may only go down; a file not listed may have none).
# Both are empty: the repository is clean, and a new finding anywhere fails this gate.
RUFF_PENDING: dict[str, int] = {}
MYPY_PENDING: dict[str, int] = {}

# ruff --output-format concise: "path:line:col: CODE message"; mypy: "path:line: error: message"
_RUFF_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):\d+:\d+: ")
_MYPY_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):\d+: error: ")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.fail(f"no pyproject.toml in {ROOT}: the lint gate runs on a checkout")
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    if "No module named" in proc.stderr:
        pytest.fail(f"{args[0]} is not installed: pip install '.[test]' ({proc.stderr.strip()})")
    return proc


def _findings(proc: subprocess.CompletedProcess[str], pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(file as a repository path, the finding's line of output) for each finding reported."""
    out = []
    for line in proc.stdout.splitlines():
        m = pattern.match(line)
        if m:
            out.append((Path(m["file"]).as_posix(), line))
    return out


def _over(findings: list[tuple[str, str]], pending: dict[str, int]) -> list[str]:
    """The findings of every file that has more than its pending count."""
    counts = Counter(f for f, _ in findings)
    worse = {f for f, n in counts.items() if n > pending.get(f, 0)}
    return [f"{line}   [{counts[f]} in this file, {pending.get(f, 0)} allowed]"
            for f, line in findings if f in worse]


def _check(tool: str, proc: subprocess.CompletedProcess[str], pattern: re.Pattern[str],
           pending: dict[str, int]) -> None:
    # 0: clean, 1: findings; anything else (2: bad configuration, a crash) is a failure itself.
    assert proc.returncode in (0, 1), f"{tool} failed to run:\n{proc.stdout}\n{proc.stderr}"
    findings = _findings(proc, pattern)
    assert findings or proc.returncode == 0, f"{tool} exited 1 but no finding was read:\n{proc.stdout}"
    new = _over(findings, pending)
    assert not new, f"{tool} reports {len(new)} new finding(s):\n" + "\n".join(new)


def test_ruff_reports_nothing_new() -> None:
    proc = _run("ruff", "check", ".", "--output-format", "concise", "--no-cache")
    _check("ruff check .", proc, _RUFF_LINE, RUFF_PENDING)


def test_mypy_reports_nothing_new() -> None:
    # No arguments: [tool.mypy] says what to check (claimkit and cli) and how.
    proc = _run("mypy")
    _check("mypy", proc, _MYPY_LINE, MYPY_PENDING)


def test_the_counts_find_what_the_tools_print() -> None:
    """The parsing and the ratchet themselves: a finding in an unlisted file, or one more than
    a pending file may have, is reported; a pending file at or under its count is not."""
    ruff = subprocess.CompletedProcess(["ruff"], 1, stdout=(
        "claimkit/units.py:3:5: D103 Missing docstring in public function\n"
        "cli/app.py:9:1: E501 Line too long (121 > 120)\n"
        "cli/app.py:12:1: E501 Line too long (125 > 120)\n"
        "Found 3 errors.\n"), stderr="")
    found = _findings(ruff, _RUFF_LINE)
    assert [f for f, _ in found] == ["claimkit/units.py", "cli/app.py", "cli/app.py"]
    assert _over(found, {"cli/app.py": 2}) == [found[0][1] + "   [1 in this file, 0 allowed]"]
    assert len(_over(found, {"cli/app.py": 1, "claimkit/units.py": 1})) == 2
    mypy = subprocess.CompletedProcess(["mypy"], 1, stdout=(
        "claimkit/units.py:7: error: Incompatible return value type  [return-value]\n"
        "claimkit/units.py:7: note: a note is not a finding\n"
        "Found 1 error in 1 file (checked 140 source files)\n"), stderr="")
    assert [f for f, _ in _findings(mypy, _MYPY_LINE)] == ["claimkit/units.py"]
    with pytest.raises(AssertionError, match="1 new finding"):
        _check("mypy", mypy, _MYPY_LINE, {})
    with pytest.raises(AssertionError, match="failed to run"):
        _check("mypy", subprocess.CompletedProcess(["mypy"], 2, "", "bad config"), _MYPY_LINE, {})
