"""Interchange control numbers that are never reused: the control-number file.

One JSON file holds, per sender/receiver pair, the last ISA13 and GS06 handed out. Each call
takes an exclusive lock (``<file>.lock``, the filelock package), reads, increments, writes a
temporary file, fsyncs it and renames it over the old one, then releases the lock: concurrent
runs serialise on the lock, and a crash leaves either the old or the new file, never half of one.
The path is resolved first: symlinks to one file share its lock and its sequence, the link
stays a link, and the replaced file keeps its owner, group and mode (a shared file stays shared).
ISA13 is a 9-digit number (X12.5 ISA13, 000000001-999999999), GS06 up to 9 digits; both wrap
from 999999999 back to 1.
"""
from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from claimkit.errors import InputError
from claimkit.limits import loads_json
from claimkit.outputs import fsync_dir

MAX_CONTROL = 999_999_999
FORMAT = "claimkit-control-numbers/1"


def _next(n: int) -> int:
    return 1 if n >= MAX_CONTROL else n + 1


class ControlFile:
    """Hands out ISA13/GS06 pairs from a JSON file shared by every run of a practice.

    Args:
        path: the control-number file (created on first use).
        timeout: seconds to wait for another run holding the lock.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.shown = str(path)
        # The resolved file: two symlinks to it must share one lock (else both read N and
        # both hand out N+1) and the rename must replace the file, not the link.
        self.path = Path(os.path.realpath(path))
        self.timeout = timeout
        self._lock = FileLock(str(self.path) + ".lock", timeout=timeout)

    @staticmethod
    def key(sender: str, receiver: str) -> str:
        """The JSON key under which a sender/receiver pair's control numbers are kept."""
        return f"{sender}|{receiver}"

    def _load(self) -> dict:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {"format": FORMAT, "pairs": {}}
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"control-number file is not UTF-8 text (byte {exc.start}); fix or "
                             "restore it", file=self.shown) from None
        try:  # bounded: a hostile file nested thousands deep is an error, not a RecursionError
            data = loads_json(text, file=self.shown)
        except InputError as exc:
            # Never start again from 1: that would reuse numbers the partner has seen.
            where = f" at {exc.where}" if exc.where else ""
            raise InputError(f"control-number file is not usable JSON ({exc.detail}{where}); fix or "
                             "restore it", file=self.shown) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(
                data.get("pairs"), dict):
            raise InputError(f"not a control-number file (expected format {FORMAT!r})",
                             file=self.shown)
        for key, entry in data["pairs"].items():
            if not (isinstance(entry, dict) and all(
                    isinstance(entry.get(k), int) and 0 <= entry[k] <= MAX_CONTROL
                    for k in ("isa13", "gs06"))):
                raise InputError(f"entry {key!r} needs integer isa13 and gs06 in 0..{MAX_CONTROL}",
                                 file=self.shown)
        return data

    def _save(self, data: dict) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        try:
            old = os.stat(self.path)
        except FileNotFoundError:
            old = None
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            if old is not None:  # the replacement keeps the file's owner, group and mode
                with contextlib.suppress(PermissionError):  # not root: our own files only
                    os.fchown(fd, old.st_uid, old.st_gid)
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            fsync_dir(folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def next_numbers(self, sender: str, receiver: str) -> tuple[int, int]:
        """Reserve and return the next ``(isa13, gs06)`` for this sender/receiver pair.

        Raises:
            InputError: the file is corrupt, or another run held the lock past the timeout.
        """
        try:
            with self._lock:
                data = self._load()
                entry = data["pairs"].get(self.key(sender, receiver), {"isa13": 0, "gs06": 0})
                isa13, gs06 = _next(entry["isa13"]), _next(entry["gs06"])
                data["pairs"][self.key(sender, receiver)] = {"isa13": isa13, "gs06": gs06}
                self._save(data)
                return isa13, gs06
        except Timeout:
            raise InputError(f"control-number file is locked by another run (waited {self.timeout:g} s)",
                             file=self.shown) from None

    def last_numbers(self, sender: str, receiver: str) -> tuple[int, int] | None:
        """The last pair handed out, or None (read under the lock; reserves nothing)."""
        with self._lock:
            entry = self._load()["pairs"].get(self.key(sender, receiver))
        return (entry["isa13"], entry["gs06"]) if entry else None


def pair_key(envelope: object) -> tuple[str, str]:
    """The trading-partner pair of an Envelope: ``("ZZ:SENDER", "ZZ:RECEIVER")``."""
    e = envelope
    return (f"{getattr(e, 'sender_qualifier')}:{getattr(e, 'sender_id')}",
            f"{getattr(e, 'receiver_qualifier')}:{getattr(e, 'receiver_id')}")


def numbers_for(envelope: object, control_file: str | Path | None, fallback: int = 1
                ) -> tuple[int, int]:
    """``(isa13, gs06)`` for one interchange: from the control file when given, else ``fallback``."""
    if control_file is None:
        return fallback, fallback
    return ControlFile(control_file).next_numbers(*pair_key(envelope))
