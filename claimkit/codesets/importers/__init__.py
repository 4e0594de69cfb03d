"""Parsers for the files users download from CMS (and a licensed CPT CSV), into normalized rows.

Each parser reads one official layout strictly: the first line that breaks the layout stops the
import with a CodesetError naming the file, the line number and what was expected. Storing the
result (atomically, with its hash) is the job of claimkit.codesets.store.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from claimkit import limits
from claimkit.errors import CodesetError, InputError


@dataclass
class Parsed:
    """Normalized content of one imported file, ready to be stored as a release."""

    system: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    name: str | None = None  # release name suggested by the file name, e.g. FY2025
    effective_from: date | None = None
    effective_to: date | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)
    compress: bool = True
    carry_forward: bool = False


def fail(file: str, line: int | None, expected: str, got: str | None = None) -> CodesetError:
    """Build the error for a malformed file: where, what was expected, what was found."""
    msg = f"expected {expected}"
    if got is not None:
        msg += f", got {got[:60]!r}"
    return CodesetError(msg, file=file, where=f"line {line}" if line is not None else None)


def read_member(path: Path, pattern: str | None = None) -> tuple[str, bytes]:
    """Return (display name, bytes) of PATH, or of the member of a .zip whose name contains PATTERN."""
    limit = limits.MAX_CODESET_BYTES
    try:
        data = limits.read_bounded(path, "code-set", limit)
    except InputError as exc:
        raise CodesetError(exc.detail, file=str(path)) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return path.name, data
    try:
        return _read_zip_member(path, data, pattern, limit)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise CodesetError(f"not a readable zip archive ({exc})", file=str(path)) from None


def _read_zip_member(path: Path, data: bytes, pattern: str | None, limit: int) -> tuple[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        if pattern:
            wanted = [n for n in names if pattern.lower() in Path(n).name.lower()
                      and "addenda" not in n.lower() and n.lower().endswith(".txt")]
        else:
            wanted = names
        if len(wanted) != 1:
            raise CodesetError(
                f"expected exactly one member matching {pattern!r} in the zip, found {sorted(wanted) or 'none'}",
                file=str(path),
            )
        name = f"{path.name}!{wanted[0]}"
        # Bounded before inflating (the size the archive declares) and while inflating (in case
        # it lies): a zip bomb is refused, never expanded into memory. Members are only read,
        # never extracted, so a name such as ../../x writes nothing outside the store.
        size = zf.getinfo(wanted[0]).file_size
        if size > limit:
            raise CodesetError(f"unpacks to {size / 2**20:,.0f} MB, over the {limit // 2**20} MB limit "
                               "for a code-set file", file=name)
        with zf.open(wanted[0]) as fh:
            out = fh.read(limit + 1)
        if len(out) > limit:
            raise CodesetError(f"unpacks to over the {limit // 2**20} MB limit for a code-set file", file=name)
        return name, out


def read_csv(path: Path) -> tuple[str, list[str], Any]:
    """(display name, lower-cased header, csv reader positioned after it) of a CSV file or of
    the CSV member of a .zip; UTF-8 (with or without BOM), else cp1252."""
    import csv

    name, data = read_member(path, ".csv" if path.suffix.lower() == ".zip" else None)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    reader = _guarded(csv.reader(io.StringIO(text)), name)
    return name, [h.strip().lower() for h in next(reader, [])], reader


class _guarded:  # noqa: N801  (used like the csv.reader it wraps)
    """A csv.reader whose errors (an over-long cell, a NUL) are CodesetErrors naming the line."""

    def __init__(self, reader: Any, name: str) -> None:
        self._reader, self._name = reader, name

    @property
    def line_num(self) -> int:
        """The physical line the reader has read up to (as csv.reader's)."""
        return int(self._reader.line_num)

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        import csv

        try:
            return next(self._reader)
        except csv.Error as exc:
            raise fail(self._name, self._reader.line_num, "CSV rows", str(exc)) from None


def decode_lines(name: str, data: bytes, encoding: str = "ascii") -> list[str]:
    """Split into lines without their CRLF/LF ends; refuse bytes the layout's encoding lacks."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(name, line, f"{encoding} text", repr(data[exc.start : exc.start + 1])) from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for n, row in enumerate(lines, start=1):
        if len(row) > MAX_LINE:  # no CMS layout comes near; such a title would reach reports
            raise fail(name, n, f"a line of at most {MAX_LINE:,} characters (found {len(row):,})")
    return lines


# The longest line of a CMS layout is the 320-character HCPCS record; ICD-10-CM titles stay
# under 400 characters.
MAX_LINE = 4096


def yyyymmdd(name: str, line: int, value: str, what: str) -> str:
    """'20190101' -> '2019-01-01'; blank -> ''; anything else is refused."""
    value = value.strip()
    if not value:
        return ""
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise fail(name, line, f"{what} as YYYYMMDD or blank", value) from None
