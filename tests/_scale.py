"""Helpers of the scale tests: generated 837P files and a command's own peak memory."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Runs ARGV as a child and prints the child's peak RSS (KiB on Linux): the figure is that one
# command's own, not the test process's.
_RSS = ("import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def generated_837(gen837, path: Path, claims: int, per_st: int, edit=None) -> Path:
    """bench/gen837.py's ``claims``-claim 837P (``per_st`` claims a transaction set), with the
    segment list passed through ``edit`` first when given, written to ``path``."""
    segs = list(gen837.segments(claims, per_st=per_st))
    if edit is not None:
        segs = edit(segs)
    path.write_text("".join(s + "~\n" for s in segs), encoding="ascii", newline="")
    return path


def claimkit_peak_rss_mib(*args: str) -> float:
    """Peak RSS in MiB of ``claimkit ARGS`` (the console script beside this Python)."""
    exe = Path(sys.executable).with_name("claimkit")
    res = subprocess.run([sys.executable, "-c", _RSS, str(exe), *args], capture_output=True, text=True,
                         check=True)
    return int(res.stdout.split()[-1]) / 1024
