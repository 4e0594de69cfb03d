"""Progress on stderr (rich), never on stdout which may carry X12."""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import sys


@contextlib.contextmanager
def progress_counter(label: str, *, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """Yield ``tick(count)``; shows a live counter only when stderr is a terminal."""
    from ._common import is_quiet

    if not enabled or is_quiet() or not sys.stderr.isatty():
        yield lambda _n: None
        return
    # rich is imported only here: it costs startup time every other command would pay
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    _console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn(f"{label}: {{task.completed}}"), TimeElapsedColumn(),
                  console=_console, transient=True) as prog:
        task = prog.add_task(label, total=None)
        yield lambda n: prog.update(task, completed=n)
