"""NCCI practitioner PTP edits (CMS tab-delimited file with preamble) and practitioner MUE CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from . import Parsed, decode_lines, fail, read_member, yyyymmdd

PTP_HEADER = ("column1", "column2", "effective", "deletion", "modifier_indicator", "rationale")
MUE_HEADER = ("code", "value", "adjudication_indicator", "rationale")
_HCPCS = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
_SIMPLE = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale"
_MAX_PREAMBLE = 30


def _ptp_official(name: str, n: int, f: list[str]) -> tuple[str, ...]:
    # CMS layout: column1, column2, '*' if in existence before 1996, effective YYYYMMDD,
    # deletion YYYYMMDD or '*' (no data), modifier indicator 0/1/9, rationale.
    if len(f) < 7 or not (_HCPCS.match(f[0]) and _HCPCS.match(f[1])) or f[5].strip() not in ("0", "1", "9"):
        raise fail(name, n, "column1<TAB>column2<TAB>*<TAB>effective YYYYMMDD<TAB>deletion YYYYMMDD or *"
                   "<TAB>modifier 0/1/9<TAB>rationale", "\t".join(f))
    deletion = "" if f[4].strip() in ("", "*") else yyyymmdd(name, n, f[4], "deletion date")
    return (f[0], f[1], yyyymmdd(name, n, f[3], "effective date"), deletion, f[5].strip(), f[6].strip())


def _ptp_simple(name: str, n: int, f: list[str]) -> tuple[str, ...]:
    # claimkit reference layout (the project reference data, ncci/): ISO deletion date, no effective date.
    if len(f) != 5 or not (_HCPCS.match(f[0]) and _HCPCS.match(f[1])) or f[3] not in ("0", "1", "9"):
        raise fail(name, n, "column1<TAB>column2<TAB>deletion_date<TAB>modifier_indicator 0/1/9<TAB>rationale",
                   "\t".join(f))
    if f[2] and not re.fullmatch(r"\d{4}-\d\d-\d\d", f[2]):
        raise fail(name, n, "deletion_date as YYYY-MM-DD or blank", f[2])
    return (f[0], f[1], "", f[2], f[3], f[4])


def parse_ptp(path: Path) -> Parsed:
    """Parse a practitioner PTP file: preamble lines, then one tab-delimited edit per line."""
    name, data = read_member(path, ".txt" if path.suffix.lower() == ".zip" else None)
    lines = decode_lines(name, data, "cp1252")
    rows: list[tuple[str, ...]] = []
    parse = None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        f = line.split("\t")
        if parse is None:
            if line.strip() == _SIMPLE:
                parse = _ptp_simple
                continue
            if len(f) >= 7 and _HCPCS.match(f[0]) and _HCPCS.match(f[1]):
                parse = _ptp_official
            elif n > _MAX_PREAMBLE:
                raise fail(name, n, "PTP edit rows (column1<TAB>column2<TAB>...) within the first "
                           f"{_MAX_PREAMBLE} lines", line)
            else:
                continue  # copyright notice and column titles
        rows.append(parse(name, n, f))
    if not rows:
        raise fail(name, len(lines), "at least one PTP edit row", "end of file")
    rel, start, end = guess_quarter(Path(name).name)
    return Parsed("ncci-ptp", PTP_HEADER, rows, rel, start, end, source=f"imported from {name}", carry_forward=True)


def parse_mue(path: Path) -> Parsed:
    """Parse a practitioner MUE CSV: copyright preamble, a (multi-line, quoted) header, then rows."""
    name, data = read_member(path, ".csv" if path.suffix.lower() == ".zip" else None)
    text = "\n".join(decode_lines(name, data, "cp1252"))
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[str, ...]] = []
    in_data = False
    for rec in reader:
        n = reader.line_num
        cells = [c.strip() for c in rec]
        if not any(cells):
            continue
        if not in_data:
            if "".join(cells[0].split()).upper().startswith("HCPCS/CPTCODE"):  # header cells may hold line breaks
                in_data = True
            elif n > _MAX_PREAMBLE:
                raise fail(name, n, "a header row starting with 'HCPCS/CPT Code'", ",".join(cells))
            continue
        if (len(cells) < 4 or not _HCPCS.match(cells[0]) or not cells[1].isdigit()
                or cells[2][:1] not in ("1", "2", "3")):
            raise fail(name, n, "code,MUE value (integer),adjudication indicator (1/2/3 ...),rationale",
                       ",".join(cells))
        rows.append((cells[0], cells[1], cells[2][0], cells[3]))
    if not in_data:
        raise fail(name, reader.line_num, "a header row starting with 'HCPCS/CPT Code'", "end of file")
    if not rows:
        raise fail(name, reader.line_num, "at least one MUE row", "end of file")
    rel, start, end = guess_quarter(Path(name).name)
    return Parsed("mue", MUE_HEADER, rows, rel, start, end, source=f"imported from {name}", carry_forward=True)


_VERSION = re.compile(r"v(\d\d)\.?(\d)", re.I)
_MDY = re.compile(r"(\d\d)[-_](\d\d)[-_](20\d\d)")
_YMD = re.compile(r"(20\d\d)-(\d\d)-(\d\d)")


def quarter_of(start: date) -> date:
    """Last day of the calendar quarter that START begins."""
    month = (start.month - 1) // 3 * 3 + 3
    nxt = date(start.year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def guess_quarter(filename: str) -> tuple[str | None, date | None, date | None]:
    """NCCI version v30.1 (v301) -> 2024-04-01 (version 30 = 2024, .0-.3 = quarters); an
    effective date in the name (04-01-2024 or 2024-04-01) -> that date; both to the quarter's end."""
    start = None
    if m := _YMD.search(filename):
        start = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _MDY.search(filename):
        start = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    elif m := _VERSION.search(filename):
        major, minor = int(m.group(1)), int(m.group(2))
        if minor <= 3:
            start = date(1994 + major, 1 + 3 * minor, 1)
    if start is None:
        return None, None, None
    return f"{start.year}Q{(start.month - 1) // 3 + 1}", start, quarter_of(start)
