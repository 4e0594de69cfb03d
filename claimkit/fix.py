"""Deterministic repairs of format-only problems in session files (``claimkit fix``).

A repair changes how a value is written, never what it means, so the claims built from the
repaired file bill exactly what the session documented. Each kind of repair is a catalog rule
(CK-F001..CK-F005, claimkit/rules/repairs.py) so that docs/rules.md explains it:

- CK-F001 a US date ``03/03/2025`` -> ``2025-03-03`` (only with a 4-digit year and a real date);
- CK-F002 minutes written with their unit, ``30 min`` -> ``30`` (units: ``2 units`` -> ``2``);
- CK-F003 an ICD-10-CM code in its written form: trimmed, upper case, dot after 3 characters;
- CK-F004 a ZIP code with spaces or a ZIP+4 hyphen -> the 5 or 9 digits the 837P carries;
- CK-F005 case and whitespace of procedure codes, modifiers, state, sex, place of service.

Anything else (an ambiguous date such as 03/03/25, a code that is not a code) is left as it is
for the loader to report. The file is edited in place in memory: only the repaired values'
text changes (JSON/YAML keep their layout and comments; a CSV row with a repair is re-quoted).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from claimkit import limits
from claimkit.codesets.icd import dotted
from claimkit.csvformat import path_of_column
from claimkit.errors import InputError
from claimkit.positions import _Scanner, json_spans

_US_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")
_AMOUNT = {"minutes": re.compile(r"\s*(\d{1,4})\s*(?:mins?|minutes?)\.?\s*", re.IGNORECASE),
           "units": re.compile(r"\s*(\d{1,4})\s*(?:units?|u)\.?\s*", re.IGNORECASE)}
_ICD = re.compile(r"[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?")  # without its dot
_ZIP = re.compile(r"\s*(\d{5})(?:\s*-?\s*(\d{4}))?\s*")
_UPPER_FIELDS = {"code", "modifiers", "state", "sex"}
_TRIM_FIELDS = {"place_of_service"}
_PEOPLE = ("patient", "subscriber")  # values under these are PHI: shown only when asked


@dataclass(frozen=True)
class Repair:
    """One repaired value: where (1-based line and column), which field, old -> new, why."""

    rule: str
    line: int
    column: int | None
    field: str
    old: str
    new: str
    phi: bool

    def describe(self, *, show_phi: bool = False) -> str:
        """``line 4, column 7: field: 'old' -> 'new' (CK-F00x)``; PHI values hidden unless asked."""
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        change = (f"{self.old!r} -> {self.new!r}" if show_phi or not self.phi
                  else "(value hidden; --show-phi shows it)")
        return f"{where}: {self.field}: {change} ({self.rule})"


def repair_value(path: tuple, value: Any) -> tuple[str, Any] | None:
    """(rule, new value) for a value at a session field path, or None when it needs none."""
    names = [p for p in path if isinstance(p, str)]
    name = names[-1] if names else ""
    if not isinstance(value, str):
        return None
    if name == "date_of_service" or name.endswith("date"):
        m = _US_DATE.fullmatch(value)
        if m:
            try:
                iso = date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
            except ValueError:
                return None  # 02/30/2025 is no date: the loader says so
            return "CK-F001", iso
    if name in _AMOUNT:
        m = _AMOUNT[name].fullmatch(value)
        if m and not value.strip().isdigit():
            return "CK-F002", int(m.group(1))
    if name == "diagnoses":
        plain = value.strip().upper().replace(".", "")
        if _ICD.fullmatch(plain) and dotted(plain) != value:
            return "CK-F003", dotted(plain)
    if name == "zip":
        m = _ZIP.fullmatch(value)
        if m and m.group(1) + (m.group(2) or "") != value:
            return "CK-F004", m.group(1) + (m.group(2) or "")
    if name in _UPPER_FIELDS and value.strip().upper() != value:
        return "CK-F005", value.strip().upper()
    if name in _TRIM_FIELDS and value.strip() != value:
        return "CK-F005", value.strip()
    return None


def _repair_list_cell(column_path: tuple, cell: str) -> tuple[str, str] | None:
    """A CSV list cell ("m5450; m62.81"): each item repaired, separators kept."""
    rules: list[str] = []

    def one(m: re.Match) -> str:
        found = repair_value(column_path, m.group())
        if found is None:
            return m.group()
        rules.append(found[0])
        return str(found[1])

    new = re.sub(r"[^\s;,]+", one, cell)
    return (rules[0], new) if rules and new != cell else None


@dataclass
class Fixed:
    """A repaired file's text and the repairs made, in file order."""

    text: str
    repairs: list[Repair]


def fix_text(text: str, name: str) -> Fixed:
    """Repair a session file's text; the format comes from the suffix, else from the content."""
    suffix = Path(name).suffix.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if suffix == ".csv" or (suffix not in (".json", ".jsonl", ".yaml", ".yml")
                            and not stripped.startswith(("[", "{", "-", "sessions"))):
        return _fix_csv(text, name)
    if suffix == ".jsonl" or (suffix != ".json" and stripped.startswith("{") and "\n{" in stripped):
        return _fix_jsonl(text, name)
    if suffix == ".json" or stripped.startswith(("[", "{")):
        return _fix_json(text, name)
    return _fix_yaml(text, name)


def _people(path: tuple) -> bool:
    return bool(path) and path[0] in _PEOPLE


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _json_edits(text: str, data: Any, offset: int, line0: int
                ) -> tuple[list[tuple[int, int, str]], list[Repair]]:
    """Edits (offsets in the file) and repairs for one JSON document starting at ``offset``."""
    edits, repairs = [], []
    pos = _Scanner(text, line0, 1).pos
    for path, (start, end) in json_spans(text).items():
        value = _get(data, path)
        rec_path = _record_path(data, path)
        found = repair_value(rec_path, value)
        if found is None:
            continue
        rule, new = found
        edits.append((offset + start, offset + end, json.dumps(new)))
        line, col = pos(start)
        repairs.append(Repair(rule, line, col, limits.fmt_path(rec_path), str(value), str(new),
                              _people(rec_path)))
    return edits, repairs


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _record_path(data: Any, path: tuple) -> tuple:
    """The path inside one session record (without the "sessions" wrapper and list position)."""
    if isinstance(data, dict) and set(data) == {"sessions"}:
        return path[2:]
    return path[1:] if isinstance(data, list) else path


def _fix_json(text: str, name: str) -> Fixed:
    data = limits.loads_json(text, file=name)
    edits, repairs = _json_edits(text, data, 0, 1)
    return Fixed(_apply(text, edits), sorted(repairs, key=lambda r: (r.line, r.column or 0)))


def _fix_jsonl(text: str, name: str) -> Fixed:
    edits, repairs = [], []
    offset = 0
    for lineno, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        if body.strip():
            data = limits.loads_json(body, file=name, where=f"line {lineno}")
            e, r = _json_edits(body, data, offset, lineno)
            edits += e
            repairs += r
        offset += len(line)
    return Fixed(_apply(text, edits), repairs)


def _fix_yaml(text: str, name: str) -> Fixed:
    data, node = limits.load_yaml(text, file=name)
    if node is None:
        return Fixed(text, [])
    edits, repairs = [], []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple]] = [(node, ())]
    while stack:
        n, path = stack.pop()
        if id(n) in seen:  # an alias: repaired once, where the anchor writes it
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            stack += [(v, path + (k.value,)) for k, v in n.value if isinstance(k, yaml.ScalarNode)]
        elif isinstance(n, yaml.SequenceNode):
            stack += [(v, path + (i,)) for i, v in enumerate(n.value)]
        elif isinstance(n, yaml.ScalarNode) and n.tag == "tag:yaml.org,2002:str":
            rec_path = _record_path(data, path)
            found = repair_value(rec_path, n.value)
            if found is None:
                continue
            rule, new = found
            edits.append((n.start_mark.index, n.end_mark.index, _yaml_scalar(new, n.style)))
            repairs.append(Repair(rule, n.start_mark.line + 1, n.start_mark.column + 1,
                                  limits.fmt_path(rec_path), n.value, str(new), _people(rec_path)))
    return Fixed(_apply(text, edits), sorted(repairs, key=lambda r: (r.line, r.column or 0)))


def _yaml_scalar(value: Any, style: str | None) -> str:
    """The value written so YAML reads it back as the same type (quoted when plain would not)."""
    if isinstance(value, int):
        return str(value)
    if style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style is None and yaml.safe_load(value) == value:
        return value
    return "'" + value.replace("'", "''") + "'"


def _fix_csv(text: str, name: str) -> Fixed:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise InputError("not a CSV file with a header row", file=name) from None
    paths = [path_of_column(h) for h in header]
    repairs: list[Repair] = []
    replaced: dict[int, tuple[int, str]] = {}  # first line -> (last line, new text)
    start = reader.line_num + 1
    try:
        for row in reader:
            first, last, start = start, reader.line_num, reader.line_num + 1
            new_row = list(row)
            for i, cell in enumerate(row):
                if i >= len(paths) or not paths[i] or not cell:
                    continue
                found = (_repair_list_cell(paths[i], cell) if paths[i][-1] in ("diagnoses", "modifiers")
                         else repair_value(paths[i], cell))
                if found is None:
                    continue
                rule, new = found
                new_row[i] = str(new)
                repairs.append(Repair(rule, first, None, header[i], cell, str(new), _people(paths[i])))
            if new_row != row:
                out = io.StringIO()
                csv.writer(out, lineterminator=newline).writerow(new_row)
                ending = lines[last - 1][len(lines[last - 1].rstrip("\r\n")):]
                replaced[first] = (last, out.getvalue().rstrip("\r\n") + ending)
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", file=name, where=f"line {start}") from None
    out_lines: list[str] = []
    n = 1
    while n <= len(lines):
        if n in replaced:
            last, new_text = replaced[n]
            out_lines.append(new_text)
            n = last + 1
        else:
            out_lines.append(lines[n - 1])
            n += 1
    return Fixed("".join(out_lines), repairs)


def fix_file(path: str | Path) -> Fixed:
    """Read (bounded, UTF-8) and repair one session file."""
    raw = limits.read_bounded(Path(path), "session")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None
    return fix_text(text, str(path))
