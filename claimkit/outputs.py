"""The output files of one run, written as a set: all of them or none.

Every target is checked when it is named, before the run does its work: its directory must
exist and be writable; it must not be a directory, a device, a FIFO or a read-only file (no
write bit in its mode: checked on purpose, because root may write such a file anyway); and it
must not be an input, the control-number file or another output of the same run (same resolved
path or same inode). Then :meth:`OutputSet.stage` writes each output to a temporary file
``.NAME.<pid>.<random>.tmp`` beside its target (mode 0600 less the umask: outputs carry PHI),
fsyncs it, and :meth:`OutputSet.commit` renames them all at the end with SIGINT/SIGTERM held
back, then fsyncs the directories. Any failure before the commit (an exception, a full disk,
SIGINT, SIGTERM) removes the temporary files and leaves every existing output as it was.

What cannot be caught: SIGKILL (or a power cut) during staging leaves a ``.NAME.<pid>.*.tmp``
file of a process that no longer exists; the next run naming the same output removes it. A
SIGKILL between two renames of the commit leaves the outputs renamed so far (no journal).

For the fault tests only: ``CLAIMKIT_FAULT_PAUSE=staged:N`` (after the N-th staged file) or
``renamed:N`` (after the N-th rename, signals held) makes the run write the file named by
``CLAIMKIT_FAULT_MARKER`` and wait there (for a signal, or for ``MARKER.go`` to appear), so
a test can interrupt it at that exact point without timing races.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, TextIO

from claimkit.errors import ClaimkitError

STDOUT = None  # a target of None is standard output
_TEMP_REST = re.compile(r"(\d+)\.[A-Za-z0-9_]+\.tmp")  # after ".NAME.": "<pid>.<random>.tmp"
_HELD = {signal.SIGINT, signal.SIGTERM}


class OutputError(ClaimkitError):
    """An output cannot be written where it was asked for (exit 2, nothing written)."""


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in the user's words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@dataclass
class _Known:
    """A file the outputs must not land on: an input, the control file or an earlier output."""

    label: str
    shown: str
    real: str
    inode: Optional[tuple[int, int]]


def _identity(path: Path) -> tuple[str, Optional[tuple[int, int]]]:
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return real, None
    return real, (st.st_dev, st.st_ino)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def clean_stale(real: Path) -> None:
    """Remove temp files a killed run left beside ``real`` (``.NAME.<pid>.*.tmp``, pid gone)."""
    prefix = f".{real.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(real.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            m = _TEMP_REST.fullmatch(name[len(prefix):])  # (not another output's: "NAME.x")
            pid = int(m.group(1)) if m else None
            if pid is not None and pid != os.getpid() and not _pid_alive(pid):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def fault_point(point: str) -> None:
    """The test hook described in the module docstring (no effect unless the variables are set)."""
    if os.environ.get("CLAIMKIT_FAULT_PAUSE") != point:
        return
    marker = os.environ.get("CLAIMKIT_FAULT_MARKER")
    if not marker:
        return
    Path(marker).write_text(point)
    go = Path(marker + ".go")
    while not go.exists():  # a signal (unless held) interrupts the wait
        time.sleep(0.01)


@dataclass
class _Target:
    option: str
    shown: str
    real: Optional[Path]  # None: stdout
    tmp: Optional[Path] = None
    data: Optional[bytes] = None  # stdout only: written at commit
    spool: Optional[Any] = None  # stdout only, streamed (see OutputSet.stream): copied at commit


class OutputSet:
    """The outputs of one run; see the module docstring.

    Args:
        inputs: files the run reads (never replaced by an output).
        control: the control-number file, if any (never replaced by an output).
    """

    def __init__(self, inputs: Iterable[Path] = (), control: Path | None = None) -> None:
        self._known: list[_Known] = []
        for p in inputs:
            self._known.append(_Known("input", str(p), *_identity(Path(p))))
        if control is not None:
            self._known.append(_Known("--control-file", str(control), *_identity(Path(control))))
        self._targets: dict[str, _Target] = {}
        self._staged = 0

    # -- naming the targets (before the work) -------------------------------------------------

    def add(self, option: str, path: Path | None) -> None:
        """Name an output (``None``: stdout) and check it now; raises OutputError (exit 2)."""
        if path is None:
            if sys.stdout is None or not _fd_open(1):
                raise OutputError(f"{option}: standard output is closed; give {option} FILE")
            self._targets[option] = _Target(option, "stdout", None)
            return
        shown = str(path)
        real, inode = _identity(Path(path))
        for k in self._known:
            if real == k.real or (inode is not None and inode == k.inode):
                raise OutputError(f"{option} {shown} is the same file as {k.label} {k.shown}: "
                                  "refusing to overwrite it (choose another output path)")
        folder = os.path.dirname(real)
        try:
            fst = os.stat(folder)
        except OSError:
            raise OutputError(f"{option} {shown}: the directory {os.path.dirname(shown) or '.'} does "
                              "not exist") from None
        if not stat.S_ISDIR(fst.st_mode):
            raise OutputError(f"{option} {shown}: {os.path.dirname(shown)} is not a directory")
        if not fst.st_mode & 0o222 or not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"{option} {shown}: the directory {os.path.dirname(shown) or '.'} is "
                              "read-only")
        if inode is not None:
            st = os.stat(real)
            kind = _kind(st.st_mode)
            if kind:
                raise OutputError(f"{option} {shown} is {kind}: write the output to a regular file")
            if not st.st_mode & 0o222:
                raise OutputError(f"{option} {shown} is read-only (mode {stat.S_IMODE(st.st_mode):04o}): "
                                  "make it writable or remove it to replace it")
        self._known.append(_Known(option, shown, real, inode))
        self._targets[option] = _Target(option, shown, Path(real))
        clean_stale(Path(real))

    def __contains__(self, option: str) -> bool:
        return option in self._targets

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def _temp_file(t: Any) -> int:
        """A temp file beside the target, named so that a later run can clean it up after a
        kill (``.NAME.PID.*.tmp``); mkstemp creates it 0600, less the umask."""
        fd, tmp = tempfile.mkstemp(dir=t.real.parent, prefix=f".{t.real.name}.{os.getpid()}.",
                                   suffix=".tmp")
        t.tmp = Path(tmp)
        return fd

    def stage(self, option: str, data: str | bytes) -> None:
        """Write one output to its temp file (fsynced); nothing is visible until commit()."""
        t = self._targets[option]
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if t.real is None:
            t.data = raw
            return
        fd = self._temp_file(t)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(f"{option} {t.shown}: cannot write ({exc.strerror or exc}); nothing "
                              "written") from None
        self._staged += 1
        fault_point(f"staged:{self._staged}")

    @contextlib.contextmanager
    def stream(self, option: str) -> Iterator[TextIO]:
        """Write one output as text piece by piece (flat memory: claimkit.claims_stream) into
        its temp file, fsynced at the end; nothing is visible until commit(), as with stage().
        For stdout the text goes to an anonymous temp file, copied out at commit."""
        t = self._targets[option]
        if t.real is None:
            t.spool = tempfile.TemporaryFile()
            text = io.TextIOWrapper(t.spool, encoding="utf-8", newline="")
            yield text
            text.flush()
            text.detach()
            return
        fd = self._temp_file(t)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            try:
                yield fh
            except OSError as exc:  # a write failed (disk full, file size limit): as stage() says
                raise OutputError(f"{option} {t.shown}: cannot write ({exc.strerror or exc}); "
                                  "nothing written") from None
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise OutputError(f"{option} {t.shown}: cannot write ({exc.strerror or exc}); "
                                  "nothing written") from None
        self._staged += 1
        fault_point(f"staged:{self._staged}")

    def commit(self) -> None:
        """Stdout first (it may fail: broken pipe), then every rename with signals held back."""
        for t in self._targets.values():
            if t.real is None and t.data is not None:
                _write_stdout(t.data)
                t.data = None
            if t.real is None and t.spool is not None:
                t.spool.seek(0)
                while chunk := t.spool.read(1 << 20):
                    _write_stdout(chunk)
                t.spool.close()
                t.spool = None
        staged = [t for t in self._targets.values() if t.tmp is not None]
        held = _hold_signals()
        try:
            folders = set()
            for n, t in enumerate(staged, 1):
                assert t.real is not None and t.tmp is not None
                os.replace(t.tmp, t.real)
                t.tmp = None
                folders.add(t.real.parent)
                fault_point(f"renamed:{n}")
            for folder in folders:
                fsync_dir(folder)
        finally:
            _release_signals(held)

    def discard(self) -> None:
        """Remove every temp file not yet renamed (the run failed)."""
        for t in self._targets.values():
            t.data = None
            if t.spool is not None:
                t.spool.close()
                t.spool = None
            if t.tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(t.tmp)
                t.tmp = None

    def write(self, items: dict[str, str | bytes]) -> None:
        """Stage and commit ``{option: data}`` as one set (options not given are not written)."""
        with self:
            for option, data in items.items():
                self.stage(option, data)

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.discard()
                raise
        else:
            self.discard()


def _write_stdout(data: bytes) -> None:
    """All of ``data`` to stdout, or an OSError (BrokenPipeError when the reader is gone).

    Straight to the file descriptor, in a loop: a pipe whose reader leaves mid-write gives a
    short write, which a buffered stream may report as a count rather than an error.
    """
    sys.stdout.flush()  # anything printed before stays before
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        fd = None
    if fd is None:  # not a real file (e.g. a test runner's capture)
        buf = getattr(sys.stdout, "buffer", None)
        if buf is not None:
            buf.write(data)
            buf.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
        return
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def fsync_dir(folder: Path) -> None:
    """Make the renames durable (POSIX: a rename is in the directory's data)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _hold_signals() -> set | None:
    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    except (AttributeError, ValueError, OSError):  # not POSIX, or not the main thread
        return None


def _release_signals(previous: set | None) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
