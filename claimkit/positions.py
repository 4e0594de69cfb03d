"""Where each value of a JSON or YAML document is written: field path -> (line, column).

Reports point at the place a person edits (``sessions.yaml:53:7``), not at a record number.
Lines and columns count from 1 everywhere (as editors, GitHub annotations and SARIF do); list
positions in paths are 0-based Python indices, as in the decoded data. For an object member the
position is that of its key, where the eye looks for a field; for a list item, the item's.
The text was decoded already (claimkit.limits bounds its nesting), so these scans never meet
malformed or over-deep input.
"""
from __future__ import annotations

import functools
import json
import json.decoder
import re
from typing import Any, Callable, Iterator, Mapping

import yaml

Pos = tuple[int, int]  # 1-based line, 1-based column (Unicode code points)

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")



_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # (C speed; not in the stubs)


def _skip(pattern: re.Pattern[str], text: str, i: int) -> int:
    """The offset after the whitespace PATTERN matches at I (it matches empty, so always)."""
    m = pattern.match(text, i)
    return m.end() if m else i

class _Scanner:
    def __init__(self, text: str, line: int, column: int) -> None:
        self.text = text
        self.line0, self.col0 = line, column
        self.out: dict[tuple, Pos] = {}
        self.spans: dict[tuple, tuple[int, int]] = {}  # scalar values: path -> [start, end)
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, i: int) -> Pos:
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:  # the last line start at or before i
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= i:
                lo = mid
            else:
                hi = mid - 1
        col = i - self._starts[lo] + 1
        return self.line0 + lo, col + (self.col0 - 1 if lo == 0 else 0)

    def ws(self, i: int) -> int:
        return _skip(_WS, self.text, i)

    def value(self, i: int, path: tuple, mark: int | None = None) -> int:
        """Scan the value at ``i``; record ``path`` at ``mark`` (its key) or at the value."""
        i = self.ws(i)
        self.out.setdefault(path, self.pos(i if mark is None else mark))
        ch = self.text[i:i + 1]
        if ch == "{":
            i = self.ws(i + 1)
            if self.text[i] == "}":
                return i + 1
            while True:
                key_at = i
                key, i = _scanstring(self.text, i + 1)
                i = self.ws(i) + 1  # past ':'
                i = self.ws(self.value(i, path + (key,), key_at))
                if self.text[i] == "}":
                    return i + 1
                i = self.ws(i + 1)  # past ','
        if ch == "[":
            i = self.ws(i + 1)
            if self.text[i] == "]":
                return i + 1
            n = 0
            while True:
                i = self.ws(self.value(i, path + (n,)))
                n += 1
                if self.text[i] == "]":
                    return i + 1
                i = self.ws(i + 1)
        if ch == '"':
            end = _scanstring(self.text, i + 1)[1]
        elif (m := _NUMBER.match(self.text, i)):
            end = m.end()
        else:
            lit = next((t for t in _LITERALS if self.text.startswith(t, i)), None)
            if lit is None:
                raise ValueError(f"not JSON at offset {i}")
            end = i + len(lit)
        self.spans[path] = (i, end)
        return end


def json_positions(text: str, *, line: int = 1, column: int = 1) -> dict[tuple, Pos]:
    """Positions of every value of one JSON document that ``json.loads`` accepted.

    ``line``/``column`` say where ``text`` starts in its file (a JSON Lines record).
    """
    scanner = _Scanner(text.lstrip("\ufeff"), line, column)
    try:
        scanner.value(0, ())
    except (ValueError, IndexError):
        pass  # positions are a help for messages; what was found so far still helps
    return scanner.out


def json_spans(text: str) -> dict[tuple, tuple[int, int]]:
    """Character span [start, end) of every scalar value of one JSON document (for repairs)."""
    scanner = _Scanner(text, 1, 1)
    try:
        scanner.value(1 if text.startswith("\ufeff") else 0, ())
    except (ValueError, IndexError):
        pass
    return scanner.spans


def yaml_positions(node: Any) -> dict[tuple, Pos]:
    """Positions of every value under a composed YAML node (PyYAML marks count from 0)."""
    out: dict[tuple, Pos] = {}
    # An alias shares its anchor's nodes: values reached through it point at the anchor, where
    # they are written. claimkit.limits refused cyclic aliases and bounded their expansion.
    stack: list[tuple[Any, tuple, Any]] = [(node, (), None)]
    while stack:
        n, path, mark = stack.pop()
        m = mark or n.start_mark
        out.setdefault(path, (m.line + 1, m.column + 1))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    stack.append((v, path + (k.value,), k.start_mark))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                stack.append((v, path + (i,), None))
    return out


def find(positions: Mapping[tuple, Pos], loc: tuple) -> Pos | None:
    """The position of ``loc``, or of its nearest enclosing value that has one."""
    for n in range(len(loc), -1, -1):
        found = positions.get(tuple(loc[:n]))
        if found is not None:
            return found
    return None


class LazyPositions(Mapping):
    """Positions computed on first use: most records never need theirs (only those with a
    finding or an input problem do), and scanning every record costs as much as parsing it."""

    def __init__(self, compute: Callable[[], Mapping[tuple, Pos]]) -> None:
        self._compute: Callable[[], Mapping[tuple, Pos]] | None = compute
        self._data: Mapping[tuple, Pos] = {}

    def _get(self) -> Mapping[tuple, Pos]:
        if self._compute is not None:
            self._data, self._compute = self._compute(), None
        return self._data

    def __getitem__(self, key: tuple) -> Pos:
        return self._get()[key]

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __reduce__(self) -> tuple:
        # The build's on-disk index pickles origins: a JSON Lines record's positions stay lazy
        # (a partial of json_positions over its one line pickles small); any other loader (a
        # closure over a whole file) is resolved first.
        c = self._compute
        if isinstance(c, functools.partial) and c.func is json_positions:
            return (LazyPositions, (c,))
        return (dict, (dict(self._get()),))


_WS_RE = re.compile(r"[ \t\n\r]*")
_SESSIONS_LIST = re.compile(r'\{[ \t\n\r]*"sessions"[ \t\n\r]*:[ \t\n\r]*\[')


def record_starts(text: str) -> list[int] | None:
    """Character offset where each record of a JSON session document starts (a list, a
    ``{"sessions": [...]}`` object or one record), found at C speed with ``raw_decode``;
    None when the layout is not one of these."""
    decoder = json.JSONDecoder()
    i = _skip(_WS_RE, text, 1 if text.startswith("\ufeff") else 0)
    m = _SESSIONS_LIST.match(text, i)
    if m:
        i = m.end() - 1
    elif text[i:i + 1] == "{":
        return [i]
    if text[i:i + 1] != "[":
        return None
    out: list[int] = []
    i = _skip(_WS_RE, text, i + 1)
    if text[i:i + 1] == "]":
        return out
    try:
        while True:
            out.append(i)
            _, end = decoder.raw_decode(text, i)
            i = _skip(_WS_RE, text, end)
            if text[i:i + 1] != ",":
                return out
            i = _skip(_WS_RE, text, i + 1)
    except ValueError:
        return None


def line_of_offset(text: str, offsets: list[int]) -> list[int]:
    """1-based line of each (ascending) character offset."""
    out, line, last = [], 1, 0
    for off in offsets:
        line += text.count("\n", last, off)
        last = off
        out.append(line)
    return out
