"""Shared CLI plumbing: exit codes, the error guard, output formats, the clock edge."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, NoReturn, Optional, Sequence

import typer

from claimkit import ClaimkitError
from claimkit.outputs import OutputSet  # the CLI's files, written as a set (allow-listed: no claim policy)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class TextJson(str, Enum):
    text = "text"
    json = "json"


# The same flags, spelled the same way, on every command that has them.
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="claimkit.toml or pyproject.toml "
                                                   "(default: found from the current directory up)")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="file to write (default stdout)")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="only errors on stderr (no progress, "
                                        "summaries or warnings)")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="more detail on stderr (e.g. every "
                                          "info finding, per claim)")]

# -1 quiet, 0 normal, 1 verbose; set by each command from its --quiet/--verbose
_verbosity: contextvars.ContextVar[int] = contextvars.ContextVar("claimkit_verbosity", default=0)


def verbosity(quiet: bool, verbose: bool) -> None:
    """Record the command's --quiet/--verbose (every command calls this first)."""
    if quiet and verbose:
        fail("--quiet and --verbose exclude each other")
    _verbosity.set(-1 if quiet else 1 if verbose else 0)


def is_quiet() -> bool:
    return _verbosity.get() < 0


def is_verbose() -> bool:
    return _verbosity.get() > 0


_PREFIX = {"error:": "red", "warning:": "yellow"}


def colour_wanted(stream: object = None) -> bool:
    """Colour only on a terminal (https://no-color.org): NO_COLOR wins, FORCE_COLOR asks for
    it anywhere; the same policy as the help (cli/_style.py)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream if stream is not None else sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def _painted(message: str) -> str:
    """Each line's "error:"/"warning:" prefix in its colour (one error style on every command)."""
    out = []
    for line in message.split("\n"):
        head, sep, rest = line.partition(" ")
        colour = _PREFIX.get(head)
        out.append(typer.style(head, fg=colour, bold=True) + sep + rest if colour else line)
    return "\n".join(out)


def err(message: str) -> None:
    """Messages go to stderr; stdout is reserved for data (X12, JSON). Errors: always shown."""
    if colour_wanted():
        typer.echo(_painted(message), err=True, color=True)
    else:
        typer.echo(message, err=True, color=False)


def info(message: str) -> None:
    """A progress or summary message on stderr; --quiet drops it."""
    if not is_quiet():
        err(message)


def detail(message: str) -> None:
    """A per-item message on stderr, shown only with --verbose."""
    if is_verbose():
        err(message)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    # Several problems of one file (InputProblems) come one per line, each an error line.
    err("\n".join(f"error: {line}" for line in message.split("\n")))
    raise typer.Exit(code)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like SIGINT: the run stops, temp files go, nothing is half-written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGTERM, _on_signal)
    except ValueError:  # not the main thread (e.g. an embedding application): leave it alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stdout_gone() -> None:
    """After a failed write to stdout: point fd 1 at /dev/null so the interpreter's final
    flush cannot fail again and print its own traceback-like noise."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)


@contextlib.contextmanager
def guard(inputs: Sequence[Path] = ()) -> Iterator[None]:
    """Turn claimkit's own errors into a one-line message and exit 2 (never a traceback).

    ``inputs`` name the files in the message of the last-resort catch below. SIGINT and
    SIGTERM end the run with exit 128+signal after the outputs' temp files are removed
    (claimkit.outputs); a reader that closed our stdout is an error exit, not a traceback.
    """
    try:
        with _terminate_as_interrupt():
            yield
    except ClaimkitError as exc:
        fail(str(exc), exc.exit_code)
    except BrokenPipeError:
        _stdout_gone()
        fail("standard output was closed by the reader (broken pipe): output incomplete")
    except OSError as exc:  # unreadable/unwritable files named by the user
        fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except RecursionError:
        # Last resort: the loaders bound nesting themselves (claimkit.limits), but a reader
        # that peeks at content first (e.g. format detection) may still recurse on hostile input.
        names = ", ".join(map(str, inputs))
        fail(f"{names}: nested too deeply to read".lstrip(": "))
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        fail(f"interrupted by {signal.Signals(signum).name}", 128 + signum)


def today() -> _dt.date:
    """The only place the CLI reads the clock (tests freeze it with freezegun)."""
    return _dt.date.today()


def now() -> _dt.datetime:
    return _dt.datetime.now()


def parse_timestamp(value: str | None, option: str = "--timestamp") -> _dt.datetime | None:
    """An ISO date-time option (parsed here, not by typer: its datetime adapter is bound at
    import and would break under freezegun in tests)."""
    if value is None:
        return None
    try:
        return _dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date-time like 2026-01-05T09:30")


def parse_day(value: str | None, option: str = "--on") -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date like 2026-01-05")


def write_atomic(path: Path, data: str | bytes, option: str = "--output") -> None:
    """Write one whole file or nothing (a set of one: see claimkit.outputs)."""
    outs = OutputSet()
    outs.add(option, Path(path))
    outs.write({option: data})


def outputs(inputs: Sequence[Path] = (), control: Path | None = None,
            **targets: Path | None) -> OutputSet:
    """The run's outputs, checked now, before the work (claimkit.outputs).

    ``targets`` map an option's name (``output``, ``rejects``, ``accepted``, ``report``) to its
    path; an option given as None is not written, except ``output``, which is then stdout.
    """
    outs = OutputSet(inputs, control)
    for name, path in targets.items():
        if path is not None or name == "output":
            outs.add(f"--{name}", path)
    return outs


def emit(data: str, output: Path | None) -> None:
    """Write data to ``output`` atomically, or to stdout (a single-output run)."""
    outs = OutputSet()
    outs.add("--output", output)
    outs.write({"--output": data})
