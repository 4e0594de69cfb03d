"""Run a command with some of its streams on a pseudo-terminal and collect what the terminal
showed (colour and progress bars are for terminals only, so a pipe cannot test them)."""
from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path
from typing import IO


def on_terminal(cmd: list[str], *, env: dict[str, str], cwd: Path | None = None,
                stdin: bool = False, stdout: int | IO[bytes] | None = None,
                timeout: float = 120) -> tuple[int, str]:
    """(exit code, terminal text) of ``cmd`` with stderr on a pseudo-terminal; stdin too with
    ``stdin``, stdout too unless a file (or ``subprocess.DEVNULL``) is given for it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=follower if stdin else subprocess.DEVNULL,
                            stdout=stdout if stdout is not None else follower, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=timeout), shown.decode(errors="replace")
