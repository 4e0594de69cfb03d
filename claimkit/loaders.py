"""Load session records from JSON, JSONL, YAML (nested) or flat CSV (one row per service).

Every problem names the file and the row/record and field; nothing here guesses.
"""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml
from pydantic import ValidationError

from claimkit import limits
from claimkit.diagnostics import Location
from claimkit.errors import InputError
from claimkit.messages import describe_error
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


def _validate(data: Any, origin: SessionOrigin, what: str, *,
              line_of: Callable[[tuple], int | None] | None = None,
              columns: Callable[[tuple], str | None] | None = None) -> SessionRecord:
    """One record through the limits, the model and the X12 character check.

    ``line_of`` maps a field path to its source line (YAML); ``columns`` names the CSV column of
    a field path, so CSV users read their own column names.
    """
    where = f"{origin.kind} {origin.row}"

    def place(loc: tuple) -> str:
        row = origin.row
        if len(loc) >= 2 and loc[0] == "services" and isinstance(loc[1], int) and origin.service_rows:
            row = origin.row_of_service(loc[1])
        line = line_of(loc) if line_of else None
        return f"{origin.kind} {row}" + (f", line {line}" if line and line != row else "")

    if not isinstance(data, dict):
        raise InputError(f"{what} is not an object", file=origin.file, where=where)
    for loc, problem in limits.problems(data, max_depth=limits.MAX_DEPTH - 2):
        name = (columns(loc) if columns else None) or limits.fmt_path(loc)
        raise InputError(f"{name}: {problem}", file=origin.file, where=place(loc))
    try:
        rec = SessionRecord.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        e = errors[0]
        loc = tuple(e["loc"])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(describe_error(e, columns=columns) + more, file=origin.file,
                         where=place(loc)) from None
    for loc, char in _unencodable(data):
        name = (columns(loc) if columns else None) or limits.fmt_path(loc)
        what = "the X12 separator" if char in _SEPARATORS else "a character outside the X12 character set"
        # X12 has no escape (X12.6 sec. 3.3): refuse here, naming the field but not its value.
        raise InputError(f"{name}: contains {what} {char!r}; correct the value (an 837P cannot carry it)",
                         file=origin.file, where=place(loc))
    return rec


_SEPARATORS = Delimiters().all


def _unencodable(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(field path, first bad character) for every text an 837P could not carry."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _unencodable(v, loc + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unencodable(v, loc + (i,))
    elif isinstance(value, str):
        bad = [c for c in value if c in _SEPARATORS or not (c.isascii() and c.isprintable())]
        if bad:
            yield loc, bad[0]


def load_sessions(path: str | Path, *, text: str | None = None) -> list[tuple[SessionRecord, SessionOrigin]]:
    """Load one session file; the format comes from the suffix, else from the content.

    Files over :data:`claimkit.limits.MAX_FILE_BYTES` are refused before they are read.
    """
    p = Path(path)
    name = str(path)
    if text is None:
        raw = limits.read_bounded(p, "session")
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
        return _load_yaml(text, name)
    if suffix == ".json":
        return _load_tree(limits.loads_json(text, file=name), name)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = limits.loads_json(text, file=name)
        except InputError as exc:
            if "\n" not in stripped.rstrip() or not exc.detail.startswith("invalid JSON"):
                raise
            return _load_jsonl(text, name)  # not one JSON document: JSON Lines, one per line
        return _load_tree(data, name)
    if stripped.startswith("session_id") or "," in stripped.split("\n", 1)[0]:
        return _load_csv(text, name)
    return _load_yaml(text, name)


def _load_yaml(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    data, node = limits.load_yaml(text, file=name)
    return _load_tree(data, name, node)


def _record_nodes(data: Any, node: Any) -> list[Any]:
    """The YAML node of each record, in the same shapes :func:`_load_tree` accepts."""
    if node is None:
        return []
    if isinstance(data, dict) and set(data) == {"sessions"}:
        node = limits.yaml_node(node, ("sessions",))
    elif isinstance(data, dict):
        return [node]
    return list(getattr(node, "value", None) or []) if isinstance(node, yaml.SequenceNode) else []


def _load_tree(data: Any, name: str, node: Any = None) -> list[tuple[SessionRecord, SessionOrigin]]:
    nodes = _record_nodes(data, node)
    if isinstance(data, dict) and set(data) == {"sessions"}:
        data = data["sessions"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError("expected a list of sessions or {\"sessions\": [...]}", file=name)
    out = []
    for i, item in enumerate(data, start=1):
        origin = SessionOrigin(name, i)
        line_of = None
        if i <= len(nodes):
            line_of = functools.partial(limits.yaml_line, nodes[i - 1])
        out.append((_validate(item, origin, "session", line_of=line_of), origin))
    return out


def _load_jsonl(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = limits.loads_json(line, file=name, where=f"line {lineno}")
        origin = SessionOrigin(name, lineno, kind="line")
        out.append((_validate(item, origin, "line"), origin))
    return out


# --- flat CSV -------------------------------------------------------------------------------
from claimkit.csvformat import CSV_COLUMNS, REQUIRED_COLUMNS, column_of, row_to_parts  # noqa: E402


def _load_csv(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file: expected a header row", file=name) from None
    except csv.Error as exc:
        raise InputError(_csv_problem(exc), file=name, where="line 1") from None
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown and len(unknown) == len(header):
        # No known column at all: most likely a data row without a header. Its cells are
        # people's data, so none is echoed.
        raise InputError("the first line is not a header row: it must name the columns "
                         "(session_id, date_of_service, payer, ...; see docs/sessions.md)",
                         file=name, where="line 1")
    if unknown:
        shown = [repr(h) if len(h) <= 40 else f"a {len(h):,}-character name" for h in unknown]
        raise InputError(f"unknown column(s) {', '.join(shown)}", file=name, where="line 1")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=name, where="line 1")
    sessions: dict[tuple, tuple[dict[str, Any], list[int], int]] = {}
    try:
        for row in reader:
            lineno = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"expected {len(header)} cells, found {len(row)}", file=name,
                                 where=f"row {lineno}")
            values = {h: c.strip() for h, c in zip(header, row)}
            for h, v in values.items():
                if len(v) > limits.MAX_STRING:
                    raise InputError(f"{h}: longer than {limits.MAX_STRING:,} characters ({len(v):,})",
                                     file=name, where=f"row {lineno}")
            session, service = row_to_parts(values)
            sid = values.get("session_id", "")
            if not sid:
                raise InputError("session_id is empty", file=name, where=f"row {lineno}")
            # Rows of one session repeat its columns; a row of the same ID whose session columns
            # differ starts another session, which the builder reports (CK-U009, both rows).
            key = (sid, tuple(v for k, v in values.items() if not k.startswith("service_")))
            if key not in sessions:
                session["services"] = []
                sessions[key] = (session, [], lineno)
            tree, rows, _ = sessions[key]
            tree["services"].append(service)
            rows.append(lineno)
    except csv.Error as exc:
        raise InputError(_csv_problem(exc), file=name, where=f"row {reader.line_num}") from None
    out = []
    for tree, rows, first in sessions.values():
        origin = SessionOrigin(name, first, tuple(rows), kind="row")
        out.append((_validate(tree, origin, "row", columns=column_of), origin))
    return out


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:  # the csv module's own bound (131,072)
        return f"a cell is longer than {limits.MAX_STRING:,} characters"
    return f"bad CSV: {text}"


def locate(origin: SessionOrigin, service_index: int | None, field: str | None) -> Location:
    row = origin.row if service_index is None else origin.row_of_service(service_index)
    return Location(file=origin.file, row=row, field=field)
