"""Load session records from JSON, JSONL, YAML (nested) or flat CSV (one row per service).

Every problem names the file and the row/record and field; nothing here guesses.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
import re
from typing import Any, Iterable, Iterator

import yaml
from pydantic import ValidationError

from claimkit.diagnostics import Location
from claimkit.errors import InputError
from claimkit.models.session import SessionRecord
from claimkit.x12.encoder import Delimiters


@dataclass(frozen=True)
class SessionOrigin:
    """Where a session came from; maps claim fields back to file rows for findings."""

    file: str
    row: int  # CSV: physical line of the session's first row; JSONL: line; JSON/YAML: record no.
    service_rows: tuple[int, ...] = ()  # CSV: line of each service row
    kind: str = "record"  # "row" for CSV/JSONL lines, "record" for JSON/YAML list items

    def row_of_service(self, index: int) -> int:
        return self.service_rows[index] if index < len(self.service_rows) else self.row


@dataclass
class LoadedSessions:
    sessions: list[tuple[SessionRecord, SessionOrigin]] = field(default_factory=list)


def _fmt_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(record)"


def _is_personal(loc: Iterable[Any]) -> bool:
    return bool(set(map(str, loc)) & {"patient", "subscriber"})


def _validate(data: Any, origin: SessionOrigin, what: str) -> SessionRecord:
    if not isinstance(data, dict):
        raise InputError(f"{what} is not an object", file=origin.file, where=f"{origin.kind} {origin.row}")
    try:
        rec = SessionRecord.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = list(e["loc"])
        row = origin.row
        if len(loc) >= 2 and loc[0] == "services" and isinstance(loc[1], int) and origin.service_rows:
            row = origin.row_of_service(loc[1])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        field_name = _fmt_loc(loc)
        value = e.get("input")
        # Values of people's fields (names, birth dates, addresses, member IDs) are never echoed:
        # error messages end up in CI logs.
        shown = (f" (got {value!r})" if isinstance(value, (str, int, float)) and e["type"] != "missing"
                 and not _is_personal(loc) else "")
        raise InputError(f"{field_name}: {msg}{shown}{more}", file=origin.file,
                         where=f"{origin.kind} {row}") from None
    for path, char in _unencodable(data):
        service = re.match(r"services\[(\d+)\]", path)
        row = origin.row_of_service(int(service.group(1))) if service else origin.row
        what = "the X12 separator" if char in _SEPARATORS else "a character outside the X12 character set"
        # X12 has no escape (X12.6 sec. 3.3): refuse here, naming the field but not its value.
        raise InputError(f"{path}: contains {what} {char!r}; correct the value (an 837P cannot carry it)",
                         file=origin.file, where=f"{origin.kind} {row}")
    return rec


_SEPARATORS = Delimiters().all


def _unencodable(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, first bad character) for every text an 837P could not carry."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _unencodable(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unencodable(v, f"{path}[{i}]")
    elif isinstance(value, str):
        bad = [c for c in value if c in _SEPARATORS or not (c.isascii() and c.isprintable())]
        if bad:
            yield path, bad[0]


def load_sessions(path: str | Path, *, text: str | None = None) -> list[tuple[SessionRecord, SessionOrigin]]:
    """Load one session file; the format comes from the suffix, else from the content."""
    p = Path(path)
    name = str(path)
    if text is None:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise InputError(exc.strerror or "cannot read", file=name) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _load_csv(text, name)
    if suffix == ".jsonl":
        return _load_jsonl(text, name)
    if suffix in (".yaml", ".yml"):
        return _load_tree(_yaml(text, name), name)
    if suffix == ".json":
        return _load_tree(_json(text, name), name)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            return _load_tree(json.loads(text), name)
        except json.JSONDecodeError:
            return _load_jsonl(text, name)
    if stripped.startswith("session_id") or "," in stripped.split("\n", 1)[0]:
        return _load_csv(text, name)
    return _load_tree(_yaml(text, name), name)


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=name, where=f"line {exc.lineno}") from None


def _yaml(text: str, name: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise InputError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=name, where=where) from None


def _load_tree(data: Any, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    if isinstance(data, dict) and set(data) == {"sessions"}:
        data = data["sessions"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError("expected a list of sessions or {\"sessions\": [...]}", file=name)
    out = []
    for i, item in enumerate(data, start=1):
        origin = SessionOrigin(name, i)
        out.append((_validate(item, origin, "session"), origin))
    _check_unique(out)
    return out


def _load_jsonl(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=name, where=f"line {lineno}") from None
        origin = SessionOrigin(name, lineno, kind="line")
        out.append((_validate(item, origin, "line"), origin))
    _check_unique(out)
    return out


def _check_unique(items: list[tuple[SessionRecord, SessionOrigin]]) -> None:
    seen: dict[str, SessionOrigin] = {}
    for rec, origin in items:
        if rec.session_id in seen:
            first = seen[rec.session_id]
            raise InputError(f"session_id {rec.session_id!r} repeats {first.kind} {first.row}",
                             file=origin.file, where=f"{origin.kind} {origin.row}")
        seen[rec.session_id] = origin


# --- flat CSV -------------------------------------------------------------------------------
from claimkit.csvformat import CSV_COLUMNS, REQUIRED_COLUMNS, row_to_parts  # noqa: E402


def _load_csv(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file: expected a header row", file=name) from None
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", file=name, where="line 1") from None
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(map(repr, unknown))}", file=name, where="line 1")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=name, where="line 1")
    sessions: dict[str, tuple[dict[str, Any], list[int], dict[str, str], int]] = {}
    try:
        for row in reader:
            lineno = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"expected {len(header)} cells, found {len(row)}", file=name,
                                 where=f"row {lineno}")
            values = {h: c.strip() for h, c in zip(header, row)}
            session, service = row_to_parts(values)
            sid = values.get("session_id", "")
            if not sid:
                raise InputError("session_id is empty", file=name, where=f"row {lineno}")
            if sid not in sessions:
                session["services"] = []
                sessions[sid] = (session, [], {k: v for k, v in values.items() if not k.startswith("service_")}, lineno)
            tree, rows, first_values, _ = sessions[sid]
            for k, v in values.items():
                if not k.startswith("service_") and v != first_values[k]:
                    values = "" if k.startswith(("patient_", "subscriber_")) else f" ({first_values[k]!r} vs {v!r})"
                    raise InputError(f"{k} differs from the session's first row{values}",
                                     file=name, where=f"row {lineno}")
            tree["services"].append(service)
            rows.append(lineno)
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", file=name, where=f"row {reader.line_num}") from None
    out = []
    for tree, rows, _, first in sessions.values():
        origin = SessionOrigin(name, first, tuple(rows), kind="row")
        out.append((_validate(tree, origin, "row"), origin))
    return out


def locate(origin: SessionOrigin, service_index: int | None, field: str | None) -> Location:
    row = origin.row if service_index is None else origin.row_of_service(service_index)
    return Location(file=origin.file, row=row, field=field)
