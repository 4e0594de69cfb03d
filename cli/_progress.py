"""Progress on stderr (rich), never on stdout which may carry X12.

Shown only when stderr is a terminal and the run is not --quiet (never in CI logs or pipes).
With a known ``total`` the line has a bar, the percentage, done/total and the time left;
without one it counts. A total that costs work (counting an 837P's claims) may be given as a
function: it is called only when the line is shown.
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Sequence, Union

Total = Union[int, None, Callable[[], Union[int, None]]]


def _shown(out: IO[str], enabled: bool) -> bool:
    from ._common import is_quiet

    return enabled and not is_quiet() and out.isatty()


@contextlib.contextmanager
def progress_counter(label: str, *, enabled: bool = True, total: Total = None,
                     stream: IO[str] | None = None) -> Iterator[Callable[[int], None]]:
    """Yield ``tick(completed)``; a live progress line on stderr (``stream``) on a terminal."""
    out = stream if stream is not None else sys.stderr
    if not _shown(out, enabled):
        yield lambda _n: None
        return
    if callable(total):
        total = total()
    # rich is imported only here: it costs startup time every other command would pay
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=out, force_terminal=True)
    columns: tuple[ProgressColumn, ...]
    if total:
        columns = (SpinnerColumn(), TextColumn(label), BarColumn(), TaskProgressColumn(),
                   TextColumn("{task.completed:,}/{task.total:,}"), TimeElapsedColumn(),
                   TimeRemainingColumn())
    else:
        columns = (SpinnerColumn(), TextColumn(f"{label}: {{task.completed:,}}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as prog:
        task = prog.add_task(label, total=total or None)
        yield lambda n: prog.update(task, completed=n)


def claim_total(paths: Sequence[Path]) -> int | None:
    """The claims in all ``paths`` counted from their bytes, None when a file is not an 837P or
    claims file (sessions become claims only when built)."""
    import claimkit

    counts = [claimkit.count_claims(p) for p in paths]
    return None if any(n is None for n in counts) else sum(n or 0 for n in counts)


class _Run:
    """Where a run over several files is: the file being read, claims of the files before it."""

    def __init__(self) -> None:
        self.file: str | None = None
        self.before = 0
        self.last = 0
        self.files = 0


@contextlib.contextmanager
def files_progress(label: str, paths: Sequence[Path], *, stream: IO[str] | None = None,
                   every: int = 100) -> Iterator[Callable[[str, int], None]]:
    """Yield ``progress(file, claims_done_in_file)`` for a run over ``paths``.

    The total is the claims of every file when each can be counted, else (several files) the
    number of files; one file that cannot be counted gives a counter without a total.
    """
    out = stream if stream is not None else sys.stderr
    counted: list[int | None] = []

    def total() -> int | None:
        counted.append(claim_total(paths))
        return counted[0] if counted[0] is not None else (len(paths) if len(paths) > 1 else None)

    state = _Run()
    with progress_counter(label, total=total, stream=out) as tick:
        by_claims = not counted or counted[0] is not None or len(paths) == 1

        def progress(file: str, n: int) -> None:
            if file != state.file:
                if state.file is not None:
                    state.before += state.last
                    state.files += 1
                state.file = file
                if not by_claims:
                    tick(state.files)
            state.last = n
            if by_claims and n % every == 0:
                tick(state.before + n)

        yield progress


class ClaimTicker:
    """The ``on_claim`` callback of a streamed conversion (parse, export): counts claims,
    redraws the progress line every 64 of them (a bar redrawn per claim would cost more than
    the claim) and lists each claim with --verbose."""

    def __init__(self) -> None:
        self.done = 0
        self.tick: Callable[[int], None] | None = None  # the open progress line, once there is one

    def __call__(self, claim: Any) -> None:
        from ._common import detail

        self.done += 1
        if self.tick is not None and self.done % 64 == 0:
            self.tick(self.done)
        detail(f"claim {claim.claim_id}: {len(claim.lines)} line(s)")
