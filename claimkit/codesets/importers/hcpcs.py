"""HCPCS Level II annual/quarterly file: fixed-width 320-byte records, cp1252, continuation records.

Layout (CMS record layout HCPCS2019_recordlayout.txt, 1-based columns): code 1-5 (modifiers in
4-5), sequence 6-10, record id 11 (3 procedure / 7 modifier first line, 4 / 8 continuation), long
description 12-91, short description 92-119, add date 269-276, action effective date 277-284,
termination date 285-292, action code 293.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from . import Parsed, decode_lines, fail, read_member, yyyymmdd

HEADER = ("code", "kind", "label", "short", "effective_from", "effective_to", "action", "action_effective")
RECORD = 320
_ACTIONS = set("ABCDFNPRST")
_NAME = re.compile(r"HCPC(20\d\d)(?:[_-]?(JAN|APR|JUL|OCT))?", re.I)
_QUARTER = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


def guess_release(filename: str) -> tuple[str | None, date | None, date | None]:
    """HCPC2019_... -> 2019 (2019-01-01..2019-12-31); HCPC2024_APR_... -> 2024-APR (Apr 1..Jun 30)."""
    m = _NAME.search(filename)
    if not m:
        return None, None, None
    year = int(m.group(1))
    if not m.group(2):
        return str(year), date(year, 1, 1), date(year, 12, 31)
    month = _QUARTER[m.group(2).upper()]
    end = date(year, 12, 31) if month == 10 else date(year, month + 3, 1).replace(day=1)
    if month != 10:
        end = date.fromordinal(end.toordinal() - 1)
    return f"{year}-{m.group(2).upper()}", date(year, month, 1), end


def _is_record(line: str) -> bool:
    # Records are 320 characters; the real 2019 file has one continuation record whose trailing
    # blanks were trimmed, so shorter lines are accepted and padded, longer ones are refused.
    return 11 <= len(line) <= RECORD and line[5:10].isdigit() and line[10] in "3478"


def parse_hcpcs(path: Path) -> Parsed:
    """Parse the fixed-width file; preamble lines before the first record are skipped."""
    name, data = read_member(path, "ANWEB" if path.suffix.lower() == ".zip" else None)
    lines = decode_lines(name, data, "cp1252")
    start = next((i for i, ln in enumerate(lines) if _is_record(ln)), None)
    if start is None or start > 40:
        raise fail(name, 1 if start is None else start + 1,
                   f"{RECORD}-character HCPCS records (sequence in columns 6-10, record id 3/4/7/8 in column 11)"
                   " within the first 40 lines")
    records: dict[str, list[str]] = {}
    order: list[str] = []
    last: str | None = None
    for n, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            continue
        if not _is_record(line):
            raise fail(name, n, f"a {RECORD}-character record with sequence in columns 6-10 and record id 3/4/7/8 "
                       f"in column 11 (line has {len(line)} characters)", line)
        line = line.ljust(RECORD)
        ric = line[10]
        code = (line[0:5] if ric in "34" else line[3:5]).strip()
        if not code or (ric in "34" and not re.fullmatch(r"[A-Z0-9]\d{3}[0-9A-Z]", code)):
            raise fail(name, n, "a code in columns 1-5 (procedure) or 4-5 (modifier)", line[:5])
        if ric in "48":
            if last != code:
                raise fail(name, n, f"continuation record of {last or 'a preceding record'}", code)
            records[code][2] += " " + line[11:91].strip()
            continue
        action = line[292]
        if action not in _ACTIONS:
            raise fail(name, n, "an action code (A B C D F N P R S T) in column 293", action)
        if code in records:
            raise fail(name, n, "each code once", code)
        records[code] = [code, "procedure" if ric == "3" else "modifier", line[11:91].strip(), line[91:119].strip(),
                         yyyymmdd(name, n, line[268:276], "add date (columns 269-276)"),
                         yyyymmdd(name, n, line[284:292], "termination date (columns 285-292)"),
                         action, yyyymmdd(name, n, line[276:284], "action effective date (columns 277-284)")]
        order.append(code)
        last = code
    if not order:
        raise fail(name, len(lines), "at least one HCPCS record", "end of file")
    rel, begin, end = guess_release(Path(name).name)
    rows = [tuple(records[c]) for c in order]
    # HCPCS codes end only by a termination date in a later file: the newest file carries forward.
    return Parsed("hcpcs", HEADER, rows, rel, begin, end, source=f"imported from {name}", carry_forward=True)
