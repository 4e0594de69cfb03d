"""Load session records from JSON, JSONL, YAML (nested) or flat CSV (one row per service).

Every problem names the file, the line (and for JSON/YAML the column) where the value is
written, and the field or CSV column; nothing here guesses. Lines and columns count from 1 in
every format. All problems of a file are reported together (up to :data:`MAX_PROBLEMS`), so a
user corrects a file in one round.
"""
from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from pydantic import ValidationError

from claimkit import limits
from claimkit.csvformat import CSV_COLUMNS, REQUIRED_COLUMNS, column_of, path_of_column, row_to_parts
from claimkit.diagnostics import Location
from claimkit.errors import InputError, InputProblems
from claimkit.messages import clean_loc, describe_error, did_you_mean
from claimkit.models.session import SessionRecord
from claimkit.positions import LazyPositions, Pos, find, json_positions, line_of_offset, record_starts, yaml_positions
from claimkit.x12.encoder import Delimiters


@dataclass(frozen=True)
class SessionOrigin:
    """Where a session came from; maps claim fields back to file rows for findings."""

    file: str
    row: int  # 1-based file line where the session starts (CSV: its first row's physical line)
    service_rows: tuple[int, ...] = ()  # line where each service starts (CSV: its row's line)
    kind: str = "line"
    # JSON/YAML/JSONL: field path in the record -> (line, column), see claimkit.positions.
    # CSV: the same for each cell of the session's rows (the character column where it starts).
    positions: Mapping[tuple, Pos] = field(default_factory=dict, compare=False, repr=False)
    # CSV: the header, so that findings name the column a user edits (service_minutes), not
    # the field it fills (services[1].minutes); empty for the other formats.
    header: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def row_of_service(self, index: int) -> int:
        """The line where service ``index`` (0-based) starts, else the session's line."""
        if index < len(self.service_rows):
            return self.service_rows[index]
        pos = self.positions.get(("services", index)) if self.positions is not None else None
        return pos[0] if pos else self.row

    def position(self, loc: tuple) -> Pos | None:
        """(line, column) of the value at ``loc`` (or of the nearest value around it)."""
        return find(self.positions, tuple(loc)) if self.positions else None


MAX_PROBLEMS = 50  # input problems listed per file; the rest are counted


@dataclass
class LoadedSessions:
    """Loaded sessions with their origins."""

    sessions: list[tuple[SessionRecord, SessionOrigin]] = field(default_factory=list)


def _validate(data: Any, origin: SessionOrigin, what: str, *,
              columns: Callable[[tuple], str | None] | None = None) -> SessionRecord:
    """One record through the limits, the model and the X12 character check.

    Raises InputProblems with every problem of the record, each placed at its own line (and
    column); ``columns`` names the CSV column of a field path, so CSV users read their own
    column names.
    """
    def place(loc: tuple) -> str:
        pos = origin.position(loc)
        if pos is not None:
            return f"line {pos[0]}, column {pos[1]}"
        row = origin.row
        if len(loc) >= 2 and loc[0] == "services" and isinstance(loc[1], int) and origin.service_rows:
            row = origin.row_of_service(loc[1])
        return f"line {row}"

    def problem(detail: str, loc: tuple) -> InputError:
        return InputError(detail, file=origin.file, where=place(loc))

    if not isinstance(data, dict):
        raise InputProblems([problem(f"{what} is not an object", ())])
    found: list[InputError] = []
    for loc, issue in limits.problems(data, max_depth=limits.MAX_DEPTH - 2):
        name = (columns(loc) if columns else None) or limits.fmt_path(loc)
        found.append(problem(f"{name}: {issue}", loc))
    if found:  # over-long or over-deep values are not given to the model
        raise InputProblems(found)
    rec = None
    refused: set[tuple] = set()
    try:
        rec = SessionRecord.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            refused.add(clean_loc(tuple(e["loc"])))
            found.append(problem(describe_error(e, columns=columns, model=SessionRecord),
                                 tuple(e["loc"])))
    for loc, char in _unencodable(data):
        if loc in refused:  # the model refused this value already: one problem per field
            continue
        name = (columns(loc) if columns else None) or limits.fmt_path(loc)
        kind = "the X12 separator" if char in _SEPARATORS else "a character outside the X12 character set"
        # X12 has no escape (X12.6 sec. 3.3): refuse here, naming the field but not its value.
        found.append(problem(f"{name}: contains {kind} {char!r}; correct the value "
                             "(an 837P cannot carry it)", loc))
    if found or rec is None:
        raise InputProblems(found)
    return rec


class _Problems:
    """Collects the problems of one file and raises them together at the end."""

    def __init__(self) -> None:
        self.found: list[InputError] = []
        self.more = 0  # counted, not kept: a file of a million bad lines stays small in memory

    def add(self, exc: InputError) -> None:
        for p in exc.problems if isinstance(exc, InputProblems) else [exc]:
            if len(self.found) < MAX_PROBLEMS:
                self.found.append(p)
            else:
                self.more += 1

    def raise_any(self) -> None:
        if self.found:
            raise InputProblems(self.found, more=self.more)


_SEPARATORS = Delimiters().all
_SEPARATOR_SET = frozenset(_SEPARATORS)


def _unencodable(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(field path, first bad character) for every text an 837P could not carry."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _unencodable(v, loc + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unencodable(v, loc + (i,))
    elif isinstance(value, str):
        # the whole text at once first (C speed); character by character only when it fails
        if _SEPARATOR_SET.isdisjoint(value) and value.isascii() and value.isprintable():
            return
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
    loaded = _load_any(text, name, p.suffix.lower())
    raise_problems(patient_conflicts(loaded))
    return loaded


def raise_problems(problems: list[InputError]) -> None:
    """Raise the problems together (the first MAX_PROBLEMS listed, the rest counted), if any."""
    if problems:
        raise InputProblems(problems[:MAX_PROBLEMS], more=max(0, len(problems) - MAX_PROBLEMS))


# Facts about a person that one patient ID cannot have two of: the builder takes the patient from
# one session of a claim, so a second value would be dropped without a word (issue 13).
_ONE_PER_PATIENT = (("birth_date", "birth date"),)


def _field_name(origin: SessionOrigin, path: tuple) -> str:
    """A field as the file writes it: the CSV column, else the dotted path."""
    col = column_of(path) if origin.header else None
    return col or limits.fmt_path(path)


def patient_facts(rec: SessionRecord) -> str:
    """The facts one patient ID has one of, as one comparable string (claimkit.grouping)."""
    return repr(tuple(str(getattr(rec.patient, attr)) for attr, _ in _ONE_PER_PATIENT))


def patient_conflicts(sessions: Iterable[tuple[SessionRecord, SessionOrigin]]) -> list[InputError]:
    """One problem for each session whose patient ID was given before with another birth date.

    The message names both places, never the values (a birth date is personal data).
    """
    first: dict[tuple[str, str], tuple[Any, SessionOrigin]] = {}
    out: list[InputError] = []
    for rec, origin in sessions:
        for attr, words in _ONE_PER_PATIENT:
            value = getattr(rec.patient, attr)
            seen = first.setdefault((rec.patient.id, attr), (value, origin))
            if seen[0] == value:
                continue
            path = ("patient", attr)
            other = seen[1].position(path) or (seen[1].row, 0)
            there = f"line {other[0]}" + (f", column {other[1]}" if other[1] else "")
            if seen[1].file != origin.file:
                there = f"{seen[1].file} {there}"
            pos = origin.position(path)
            pid = _field_name(origin, ("patient", "id"))
            out.append(InputError(
                f"{_field_name(origin, path)}: differs from the {words} at {there} for the same {pid}; "
                f"one patient has one {words}: correct the wrong one, or give each person their own {pid}",
                file=origin.file, where=f"line {pos[0]}, column {pos[1]}" if pos else f"line {origin.row}"))
    return out


def _load_any(text: str, name: str, suffix: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    if suffix == ".csv":
        return _load_csv(text, name)
    if suffix == ".jsonl":
        return _load_jsonl(text, name)
    if suffix in (".yaml", ".yml"):
        return _load_yaml(text, name)
    if suffix == ".json":
        return _load_json(text, name)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            return _load_json(text, name)
        except InputError as exc:
            if "\n" not in stripped.rstrip() or not exc.detail.startswith("invalid JSON"):
                raise
            return _load_jsonl(text, name)  # not one JSON document: JSON Lines, one per line
    if stripped.startswith("session_id") or "," in stripped.split("\n", 1)[0]:
        return _load_csv(text, name)
    return _load_yaml(text, name)


def iter_sessions(path: str | Path) -> Iterator[tuple[SessionRecord, SessionOrigin]]:
    """The sessions of one file, one at a time: JSON Lines files are read line by line (flat
    memory: the build indexes records as they come); other formats are loaded whole by
    :func:`load_sessions`. Problems are raised together at the end, as load_sessions does."""
    p = Path(path)
    if p.suffix.lower() != ".jsonl":
        yield from load_sessions(p)
        return
    name = str(path)
    try:
        size = p.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise InputError(f"larger than the {limits.MAX_FILE_BYTES // 2**20} MB limit for session "
                             f"files ({size / 2**20:,.0f} MB)", file=name)
        fh = open(p, "rb")
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=name) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", file=name) from None
    problems = _Problems()
    with fh:
        yield from _jsonl_records(_decoded_lines(fh, name), name, problems)
    problems.raise_any()


def _decoded_lines(fh: Any, name: str) -> Iterator[str]:
    """The text lines of a binary file, decoded one at a time (the line breaks str.splitlines
    knows, as load_sessions splits them)."""
    offset = 0
    for raw in fh:
        try:
            piece = raw.decode("utf-8-sig" if offset == 0 else "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (byte {offset + exc.start})", file=name) from None
        offset += len(raw)
        yield from piece.splitlines()


def _jsonl_records(lines: Iterable[str], name: str,
                   problems: _Problems) -> Iterator[tuple[SessionRecord, SessionOrigin]]:
    """The session records of JSON Lines text; a bad line's problem is collected, not raised."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = limits.loads_json(line, file=name, where=f"line {lineno}")
            origin = SessionOrigin(name, lineno, positions=LazyPositions(
                functools.partial(json_positions, line, line=lineno)))
            rec = _validate(item, origin, "line")
        except InputError as exc:
            problems.add(exc)
            continue
        yield rec, origin


def _load_yaml(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    data, node = limits.load_yaml(text, file=name)
    return _load_tree(data, name, yaml_positions(node) if node is not None else {})


def _load_json(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    data = limits.loads_json(text, file=name)
    starts = record_starts(text)
    if starts is None:  # an unusual layout: scan it all now
        return _load_tree(data, name, json_positions(text))
    if isinstance(data, dict) and set(data) != {"sessions"}:  # the document is one record
        return _load_tree(data, name, starts=line_of_offset(text, starts),
                          lazy=lambda i: LazyPositions(lambda: json_positions(text)))
    prefix = ("sessions",) if isinstance(data, dict) else ()
    cache: dict[str, dict[int, dict[tuple, Pos]]] = {}

    def split() -> dict[int, dict[tuple, Pos]]:  # one scan of the file, when first needed
        if "records" not in cache:
            cache["records"] = _per_record(json_positions(text), prefix)
        return cache["records"]

    def record(i: int) -> LazyPositions:
        return LazyPositions(lambda: split().get(i, {}))

    return _load_tree(data, name, starts=line_of_offset(text, starts), lazy=record)


def _per_record(positions: Mapping[tuple, Pos], prefix: tuple) -> dict[int, dict[tuple, Pos]]:
    """Split a document's positions by record (the list under ``prefix``), paths made relative."""
    out: dict[int, dict[tuple, Pos]] = {}
    n = len(prefix)
    for path, pos in positions.items():
        if len(path) > n and path[:n] == prefix and isinstance(path[n], int):
            out.setdefault(path[n], {})[path[n + 1:]] = pos
    return out


def _origin(name: str, positions: Mapping[tuple, Pos], fallback: int) -> SessionOrigin:
    start = positions.get((), (fallback, 1))[0]
    services = []
    for i in range(limits.MAX_STRING):  # services in order, while positions know them
        pos = positions.get(("services", i))
        if pos is None:
            break
        services.append(pos[0])
    return SessionOrigin(name, start, tuple(services), positions=positions)


def _load_tree(data: Any, name: str, positions: Mapping[tuple, Pos] | None = None, *,
               starts: list[int] | None = None,
               lazy: Callable[[int], Mapping[tuple, Pos]] | None = None
               ) -> list[tuple[SessionRecord, SessionOrigin]]:
    """Validate each record; positions are given whole (YAML), or for JSON as each record's
    start line (``starts``) with its field positions computed when first asked (``lazy``)."""
    positions = positions or {}
    if isinstance(data, dict) and set(data) == {"sessions"}:
        data, records = data["sessions"], _per_record(positions, ("sessions",))
    elif isinstance(data, dict):
        data, records = [data], {0: dict(positions)}
    else:
        records = _per_record(positions, ())
    if not isinstance(data, list):
        raise InputError("expected a list of sessions or {\"sessions\": [...]}", file=name,
                         where="line 1")
    out = []
    problems = _Problems()
    for i, item in enumerate(data):
        if lazy is not None and starts is not None and i < len(starts):
            origin = SessionOrigin(name, starts[i], positions=lazy(i))
        else:
            origin = _origin(name, records.get(i, {}), i + 1)
        try:
            out.append((_validate(item, origin, "session"), origin))
        except InputError as exc:
            problems.add(exc)
    problems.raise_any()
    return out


def _load_jsonl(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    problems = _Problems()
    out = list(_jsonl_records(text.splitlines(), name, problems))
    problems.raise_any()
    return out


# --- flat CSV -------------------------------------------------------------------------------


_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line breaks csv.reader counts in line_num


class _CsvCells:
    """Where each cell of a CSV text starts: (line, character column), both from 1.

    Computed for a row when a finding or problem asks for it (most rows never do), by reading
    the row's text again with the CSV quoting rules (RFC 4180: a quoted cell may hold commas,
    doubled quotes and line breaks).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def _line_start(self, line: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        return self._starts[min(line, len(self._starts)) - 1]

    def row(self, line: int) -> list[Pos]:
        """The start of each cell of the row that begins on physical line ``line``."""
        text, i = self.text, self._line_start(line)
        line_at, out = i, []
        while True:
            out.append((line, i - line_at + 1))
            if text.startswith('"', i):
                i += 1
                while i < len(text):
                    if text[i] == '"':
                        if not text.startswith('"', i + 1):
                            break
                        i += 1
                    elif text[i] in "\r\n":
                        m = _NEWLINE.match(text, i)
                        line, line_at = line + 1, m.end() if m else i + 1
                        i = line_at - 1
                    i += 1
            while i < len(text) and text[i] not in ",\r\n":
                i += 1
            if not text.startswith(",", i):
                return out
            i += 1


def _csv_positions(cells: _CsvCells, header: tuple[str, ...], first: int,
                   rows: list[int]) -> dict[tuple, Pos]:
    """Field path -> (line, column) of the cell it was read from, for one session: session
    columns in its first row, service columns in each service's row."""
    paths = [path_of_column(h) for h in header]
    out: dict[tuple, Pos] = {(): (first, 1)}
    for cell, path in zip(cells.row(first), paths):
        if path and path[0] != "services":
            out.setdefault(path, cell)
    for i, line in enumerate(rows):
        out[("services", i)] = (line, 1)
        for cell, path in zip(cells.row(line), paths):
            if path[:1] == ("services",):
                out[("services", i, path[1])] = cell
    return out


def _header_problems(header: list[str], name: str, cells: _CsvCells) -> list[InputError]:
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown and len(unknown) == len(header):
        # No known column at all: most likely a data row without a header. Its cells are
        # people's data, so none is echoed.
        return [InputError("the first line is not a header row: it must name the columns "
                           "(session_id, date_of_service, payer, ...; see docs/sessions.md)",
                           file=name, where="line 1")]
    found = []
    starts = cells.row(1)

    def at(k: int) -> str:  # where header cell k (0-based) starts
        return "line {}, column {}".format(*starts[k]) if k < len(starts) else "line 1"

    for col, h in enumerate(header, start=1):
        if h in unknown:
            shown = repr(h) if len(h) <= 40 else f"a {len(h):,}-character name"
            found.append(InputError(f"unknown column {shown}{did_you_mean(h, list(CSV_COLUMNS))}",
                                    file=name, where=at(col - 1)))
    for col, h in enumerate(header, start=1):
        if h in CSV_COLUMNS and h in header[:col - 1]:
            first = starts[header.index(h)][1] if header.index(h) < len(starts) else "?"
            found.append(InputError(f"column {h!r} appears more than once (also at column {first}); "
                                    "keep one: which cell counts would be a guess", file=name,
                                    where=at(col - 1)))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        found.append(InputError(f"missing column(s) {', '.join(missing)}", file=name, where="line 1"))
    return found


def _load_csv(text: str, name: str) -> list[tuple[SessionRecord, SessionOrigin]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file: expected a header row", file=name) from None
    except csv.Error as exc:
        raise InputError(_csv_problem(exc), file=name, where="line 1") from None
    cells = _CsvCells(text)
    header_problems = _header_problems(header, name, cells)
    if header_problems:
        raise InputProblems(header_problems)
    problems = _Problems()
    sessions: dict[tuple, tuple[dict[str, Any], list[int], int]] = {}
    start = reader.line_num + 1  # physical line where the next row starts (quoted cells span lines)
    try:
        for row in reader:
            lineno, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            where = f"line {lineno}"
            if len(row) != len(header):
                problems.add(InputError(f"expected {len(header)} cells, found {len(row)}",
                                        file=name, where=where))
                continue
            values = {h: c.strip() for h, c in zip(header, row)}
            long = [h for h, v in values.items() if len(v) > limits.MAX_STRING]
            for h in long:
                problems.add(InputError(f"{h}: longer than {limits.MAX_STRING:,} characters "
                                        f"({len(values[h]):,})", file=name, where=where))
            sid = values.get("session_id", "")
            if not sid:
                problems.add(InputError("session_id: is empty", file=name, where=where))
            if long or not sid:
                continue
            session, service = row_to_parts(values)
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
        problems.add(InputError(_csv_problem(exc), file=name, where=f"line {start}"))
    out = []
    names = tuple(header)
    for tree, rows, first in sessions.values():
        origin = SessionOrigin(name, first, tuple(rows), header=names, positions=LazyPositions(
            functools.partial(_csv_positions, cells, names, first, rows)))
        try:
            out.append((_validate(tree, origin, "row", columns=column_of), origin))
        except InputError as exc:
            problems.add(exc)
    problems.raise_any()
    return out


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:  # the csv module's own bound (131,072)
        return f"a cell is longer than {limits.MAX_STRING:,} characters"
    return f"bad CSV: {text}"


# Claim fields whose session field has another name (a line's pointers are its service's
# diagnoses).
_SESSION_FIELD = {"pointers": "diagnoses"}


def _field_path(field: str) -> tuple:
    """"services[2].minutes" -> ("services", 1, "minutes") (positions in messages count from 1)."""
    out: list[Any] = []
    for part in field.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(_SESSION_FIELD.get(name, name))
        for index in rest.replace("]", "").split("[") if rest else ():
            if index.isdigit():
                out.append(int(index) - 1)
    return tuple(out)


def _lookup(positions: Mapping[tuple, Pos], candidates: tuple[tuple, ...]) -> tuple[tuple, Pos] | None:
    """The first candidate path the file has a position for, with that position."""
    for candidate in candidates:
        pos = positions.get(candidate)
        if pos is not None:
            return candidate, pos
    return None


# A claim field that takes its value from another session field when the file leaves it out:
# units are computed from minutes, so a units finding on a CSV row without units is about the
# minutes a user wrote.
_FILLED_FROM = {"units": "minutes"}


def _csv_column(origin: SessionOrigin, path: tuple) -> tuple[str, tuple] | None:
    """The CSV column (in the file's header) a session field path was read from, and the path
    that column fills; None when no column of the file holds it."""
    col = column_of(path)
    if col in origin.header:
        return col, path
    if path and isinstance(path[-1], str) and path[-1] in _FILLED_FROM:
        other = path[:-1] + (_FILLED_FROM[path[-1]],)
        col = column_of(other)
        if col in origin.header:
            return col, other
    return None


def locate(origin: SessionOrigin, service_index: int | None, field: str | None) -> Location:
    """The file location of a claim field that came from ``origin``: the line (and column) of
    the field itself when the file has it, else of its service or session.

    For a CSV file the field is named by its column as written in the header
    (``service_units``, ``patient_birth_date``), at the cell's line and character column.
    """
    row = origin.row if service_index is None else origin.row_of_service(service_index)
    if not origin.positions:
        return Location(file=origin.file, row=row, field=field)
    base = ("services", service_index) if service_index is not None else ()
    path = _field_path(field) if field else ()
    shown = field
    if origin.header and path:
        # the first of (the field in its service, the field in the session) a column holds
        found = next((c for c in (base + path, path) if _csv_column(origin, c)), None)
        if found is not None:
            shown, path = _csv_column(origin, found)  # type: ignore[misc]
            base = ()
    # the field in its service, in the session, the list that holds an item, the service
    enclosing = tuple(path[:n] for n in range(len(path) - 1, 0, -1))
    hit = _lookup(origin.positions, ((base + path, path) if path else ()) + enclosing + (base,))
    if hit is None:
        return Location(file=origin.file, row=row, field=shown)
    pos = hit[1]
    return Location(file=origin.file, row=pos[0], column=pos[1], field=shown)
