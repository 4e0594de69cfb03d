"""Map a finding's location to a line number of its file (for GitHub annotations and SARIF).

Session files: the row is the file line (and ``column`` the column, for JSON and YAML). X12
files: the line on which the segment with that
1-based ``segment_index`` starts, found by one pass over the file with the segment terminator
taken from the ISA (the character after its 105 fixed-width characters, X12.5).
"""
from __future__ import annotations

from pathlib import Path

from claimkit.diagnostics import Location

_WS = " \t\r\n\x0b\x0c\ufeff"
ISA_LENGTH = 106  # ISA incl. its terminator is fixed width (X12.5, ISA segment)


def segment_lines(text: str) -> list[int]:
    """1-based line of each segment's first character, in segment order (index 1 -> [0])."""
    out: list[int] = []
    pos = text.find("ISA")
    if pos < 0 or len(text) < pos + ISA_LENGTH:
        return out
    term = text[pos + ISA_LENGTH - 1]
    line = text.count("\n", 0, pos) + 1
    cursor = pos
    n = len(text)
    while cursor < n:
        while cursor < n and text[cursor] in _WS and text[cursor] != term:
            if text[cursor] == "\n":
                line += 1
            cursor += 1
        if cursor >= n:
            break
        out.append(line)
        end = text.find(term, cursor)
        if end < 0:
            break
        line += text.count("\n", cursor, end) + (1 if term == "\n" else 0)
        cursor = end + 1
    return out


class LineResolver:
    """Caches the segment-to-line table of each X12 file it is asked about."""

    def __init__(self) -> None:
        self._x12: dict[str, list[int]] = {}

    def line_of(self, loc: Location) -> int | None:
        """The file line of a finding's location, or None when it has no place in a file."""
        if loc.row:
            return loc.row
        if loc.segment_index and loc.file:
            table = self._x12.get(loc.file)
            if table is None:
                try:
                    text = Path(loc.file).read_bytes().decode("latin-1")
                except OSError:
                    text = ""
                table = self._x12[loc.file] = segment_lines(text)
            if 0 < loc.segment_index <= len(table):
                return table[loc.segment_index - 1]
        return None
