"""ICD-10-CM order file and codes file (CMS/CDC layouts, .txt or inside the CMS .zip)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from claimkit.errors import CodesetError

from . import Parsed, decode_lines, fail, read_member

HEADER = ("code", "billable", "title")
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")
_FY = re.compile(r"(?:fy)?(20\d\d)(?:[_-]?(april|apr|jan|january))?", re.I)


def derive_headers(billable: set[str]) -> set[str]:
    """Header codes of a codes file (which lists billable codes only): proper prefixes (3+ chars)
    of billable codes, except placeholder-X prefixes that only pad a code out to its 7th character.
    Checked against the FY2025 order file (identical) and FY2021 (one extra prefix)."""
    nxt: dict[str, set[str]] = {}
    for code in billable:
        for i in range(3, len(code)):
            prefix = code[:i]
            if prefix not in billable:
                nxt.setdefault(prefix, set()).add(code[i])
    return {p for p, chars in nxt.items() if not p.endswith("X") or (len(p) < 6 and chars - {"X"})}


def guess_release(filename: str) -> tuple[str | None, date | None, date | None]:
    """FY and range from a CMS file name: 2025 -> FY2025 (2024-10-01..2025-09-30); '2026_april' ->
    FY2026-april (2026-04-01..2026-09-30); January updates keep the whole fiscal year."""
    m = _FY.search(Path(filename).name)
    if not m:
        return None, None, None
    year = int(m.group(1))
    end = date(year, 9, 30)
    if m.group(2) and m.group(2).lower().startswith("apr"):
        return f"FY{year}-april", date(year, 4, 1), end
    return f"FY{year}", date(year - 1, 10, 1), end


def _parse_order(name: str, lines: list[str]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        code = line[6:13].rstrip()
        if not (len(line) >= 78 and line[:5].isdigit() and line[5] == " " and line[13] == " "
                and line[14] in "01" and line[15] == " " and _CODE.match(code)):
            raise fail(name, n, "an order-file record: 5-digit order number, code in columns 7-13, "
                       "flag 0/1 in column 15, short title in 17-76, long title from 78", line)
        rows.append((code, line[14], line[77:].strip()))
    return rows


def _parse_codes(name: str, lines: list[str]) -> list[tuple[str, ...]]:
    titles: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        code = line[:7].rstrip()
        if not (len(line) > 8 and line[7] == " " and _CODE.match(code) and line[8:].strip()):
            raise fail(name, n, "a codes-file record: code left-justified in columns 1-7, a space, the title", line)
        if code in titles:
            raise fail(name, n, "each code once", code)
        titles[code] = line[8:].strip()
    headers = derive_headers(set(titles))
    rows = [(c, "1", t) for c, t in titles.items()] + [(h, "0", "") for h in headers]
    return sorted(rows)


def parse_icd10cm(path: Path) -> Parsed:
    """Parse an order file (preferred: has headers and titles) or a codes file (billable only)."""
    if path.suffix.lower() == ".zip":
        try:
            name, data = read_member(path, "order")
        except CodesetError:
            name, data = read_member(path, "codes")
    else:
        name, data = read_member(path)
    lines = decode_lines(name, data, "ascii")
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise fail(name, 1, "ICD-10-CM order or codes records", "empty file")
    is_order = first[:5].isdigit() and first[5:6] == " "
    rows = _parse_order(name, lines) if is_order else _parse_codes(name, lines)
    rel, start, end = guess_release(name)
    parsed = Parsed("icd10cm", HEADER, rows, rel, start, end, source=f"imported from {name}")
    if not is_order:
        parsed.notes.append("codes file (billable codes only): header codes derived as prefixes, without titles")
    return parsed
