"""A failed write to stdout is an error exit: a reader that is gone, `| head -1`, stdout closed.

Never exit 0, never a traceback (nor Python's "Exception ignored" at exit), and no summary
that claims the claims were delivered.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from claimkit.cli import app as _app  # noqa: F401  (the installed CLI is what the child runs)

MAIN = "import sys; from claimkit.cli.app import main; sys.argv[0] = 'claimkit'; main()"


def _gone_reader(claimkit, *args) -> subprocess.CompletedProcess:
    """stdout is a pipe whose read end is closed before claimkit starts: every write fails."""
    r, w = os.pipe()
    os.close(r)
    try:
        return claimkit.run(*args, stdout=w, stderr=subprocess.PIPE, capture_output=False)
    finally:
        os.close(w)


@pytest.mark.parametrize("command", ["build", "validate"])
def test_reader_gone_is_an_error_exit(claimkit, reference, fault, command) -> None:
    args = ["build", "--demo"] if command == "build" else ["validate", reference, "-f", "sarif"]
    res = _gone_reader(claimkit, *args)
    assert res.returncode == 2, res.stderr
    fault.one_line_error(res.stderr, "standard output", "broken pipe")
    assert "built" not in res.stderr


def test_head_dies_mid_stream(claimkit, reference, fault) -> None:
    """`claimkit validate X -f sarif | head -1`: the report (~180 kB) is larger than a pipe
    holds, so head has exited while claimkit is still writing."""
    proc = subprocess.Popen([sys.executable, "-c", MAIN, "validate", str(reference), "-f", "sarif"],
                            cwd=claimkit.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=claimkit.env())
    head = subprocess.Popen(["head", "-1"], stdin=proc.stdout, stdout=subprocess.PIPE)
    proc.stdout.close()  # as a shell does: head holds the only read end
    first, _ = head.communicate(timeout=120)
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.strip() == b"{"
    assert proc.returncode == 2, err
    fault.one_line_error(err, "broken pipe")


def test_stdout_closed(claimkit, reference, fault) -> None:
    """`claimkit validate X >&-`: refused before the work, with a hint to use -o."""
    res = claimkit.run("validate", reference, stdout=None, stderr=subprocess.PIPE,
                       capture_output=False, preexec_fn=lambda: os.close(1))
    assert res.returncode == 2, res.stderr
    fault.one_line_error(res.stderr, "standard output is closed", "-o")
    assert "claim(s) checked" not in res.stderr
