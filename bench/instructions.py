"""Validation cost in CPU instructions: claimkit vs pyx12 on the same generated 837P.

Wall time on a shared machine drifts from run to run (on the 2-vCPU VM this was written on, by
20-40%); instructions counted by valgrind's callgrind do not, so this ratio is repeatable. Each
tool validates the file once and twice in a fresh interpreter under callgrind; the difference
is the cost of one validation, without interpreter start-up, imports or one-time loading
(code-set tables, pyx12's maps). claimkit runs ``validate_paths`` with every rule (as
``claimkit validate -j 1``), pyx12 its ``x12n_document`` (as ``validate_bench.py`` does).

    python bench/instructions.py --claims 2000      # about 15 minutes: pyx12 is slow under valgrind
    python bench/instructions.py --file some.x12

Needs valgrind (``apt install valgrind``). Not a test: it takes minutes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen837  # noqa: E402  (the generator beside this script)

TODAY = dt.date(2024, 6, 5)  # the generated claims are dated 2024-04-01..2024-05-30
_COLLECTED = re.compile(r"Collected : (\d+)")


def _validate(tool: str, path: str, times: int) -> None:
    """Validate PATH TIMES times with TOOL (run inside callgrind)."""
    if tool == "claimkit":
        from claimkit.validation import validate_paths

        for _ in range(times):
            validate_paths([path], today=TODAY, jobs=1)
        return
    for _ in range(times):
        gen837.pyx12_validate(path)


def count(tool: str, path: str, times: int) -> int:
    """Instructions of a fresh interpreter that validates PATH TIMES times."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
           __file__, "_validate", tool, path, str(times)]
    env = dict(os.environ, PYTHONHASHSEED="0")  # same dict layouts, same count, every run
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"instructions.py: {tool} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_run(tool: str, path: str) -> int:
    return count(tool, path, 2) - count(tool, path, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=2000)
    ap.add_argument("--file", help="count on this file instead of a generated one")
    ap.add_argument("--no-pyx12", action="store_true", help="count claimkit only")
    a = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("instructions.py: valgrind is not installed (apt install valgrind)", file=sys.stderr)
        return 2
    with gen837.input_file(a.file, a.claims) as path:
        print(f"input: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
        ck = per_run("claimkit", path)
        print(f"claimkit: {ck / 1e6:10,.0f}M instructions per validation (one process, all rules)")
        if not a.no_pyx12:
            px = per_run("pyx12", path)
            print(f"pyx12:    {px / 1e6:10,.0f}M instructions per validation")
            print(f"ratio: claimkit runs {px / ck:.1f}x fewer instructions than pyx12")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_validate":
        _validate(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        raise SystemExit(0)
    raise SystemExit(main())
