"""Fault injection helpers: claimkit in a subprocess, signals at a known point, clean refusals.

Synchronisation is by files, never by sleeping for a guessed time: a run started with
``pause="staged:1"`` (claimkit.outputs' test hook) writes a marker file when it has staged
its first output and waits there until the test signals it (or creates ``MARKER.go``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "x12" / "cases" / "reference.x12"
DEMO = REPO / "fixtures" / "demo"
MAIN = "import sys; from claimkit.cli.app import main; sys.argv[0] = 'claimkit'; main()"
WAIT = 120.0  # an upper bound for a loaded machine, never a timing assumption


class Claimkit:
    """Runs ``claimkit`` as a child process in ``cwd`` (no config found above it)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def env(self, pause: str | None = None, marker: Path | None = None, **extra: str) -> dict:
        env = dict(os.environ, **extra)
        env.pop("CLAIMKIT_FAULT_PAUSE", None)
        if pause:
            env["CLAIMKIT_FAULT_PAUSE"] = pause
            env["CLAIMKIT_FAULT_MARKER"] = str(marker)
        return env

    def run(self, *args: Any, **kw: Any) -> subprocess.CompletedProcess:
        kw.setdefault("capture_output", True)
        return subprocess.run([sys.executable, "-c", MAIN, *map(str, args)], cwd=self.cwd,
                              text=True, timeout=WAIT, env=kw.pop("env", None) or self.env(), **kw)

    def start(self, *args: Any, pause: str, marker: Path, **kw: Any) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", MAIN, *map(str, args)], cwd=self.cwd,
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.env(pause, marker), **kw)


def wait_for(marker: Path, proc: subprocess.Popen) -> None:
    """Until the child reached its pause point (it wrote the marker) or ended (a failure)."""
    deadline = time.monotonic() + WAIT
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"ended before the pause point (exit {proc.returncode}): {err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("never reached the pause point")
        time.sleep(0.005)


def interrupt(proc: subprocess.Popen, sig: int, marker: Path) -> tuple[int, str, str]:
    wait_for(marker, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=WAIT)
    return proc.returncode, out, err


def assert_one_line_error(stderr: str, *needles: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr
    assert len(lines) == 1, stderr
    for n in needles:
        assert n in lines[0], stderr
    return lines[0]


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def claimkit(tmp_path: Path) -> Claimkit:
    work = tmp_path / "work"
    work.mkdir()
    return Claimkit(work)


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    p = tmp_path / "in.x12"
    p.write_bytes(REFERENCE.read_bytes())
    return p


@pytest.fixture
def fault() -> SimpleNamespace:
    """The helpers above, for the test modules (importlib mode: conftest is not importable)."""
    return SimpleNamespace(wait_for=wait_for, interrupt=interrupt, temp_files=temp_files,
                           one_line_error=assert_one_line_error, REFERENCE=REFERENCE, DEMO=DEMO)
