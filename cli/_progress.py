"""Progress on stderr (rich), never on stdout which may carry X12.

Shown only when stderr is a terminal and the run is not --quiet. With a known ``total`` the
line has a bar, the percentage and the time left; without one it counts.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator


@contextlib.contextmanager
def progress_counter(label: str, *, enabled: bool = True, total: int | None = None,
                     stream=None) -> Iterator[Callable[[int], None]]:
    """Yield ``tick(completed)``; a live progress line on stderr (``stream``) on a terminal."""
    from ._common import is_quiet

    out = stream if stream is not None else sys.stderr
    if not enabled or is_quiet() or not out.isatty():
        yield lambda _n: None
        return
    # rich is imported only here: it costs startup time every other command would pay
    from rich.console import Console
    from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    console = Console(file=out, force_terminal=True)
    if total:
        columns = (SpinnerColumn(), TextColumn(label), BarColumn(), TaskProgressColumn(),
                   TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                   TimeRemainingColumn())
    else:
        columns = (SpinnerColumn(), TextColumn(f"{label}: {{task.completed:,}}"),
                   TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as prog:
        task = prog.add_task(label, total=total or None)
        yield lambda n: prog.update(task, completed=n)
