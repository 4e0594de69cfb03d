"""A user-supplied CPT CSV (licensed AMA descriptors): code plus short and/or long descriptor.

claimkit ships no CPT descriptor text; users with an AMA licence import theirs. Accepted header
names (case-insensitive): code; short_descriptor / short; long_descriptor / long / descriptor.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from . import Parsed, fail, read_csv

HEADER = ("code", "short", "long")
_CODE = re.compile(r"^\d{4}[0-9FTU]$")
_SHORT = ("short_descriptor", "short", "short_description")
_LONG = ("long_descriptor", "long", "descriptor", "description", "long_description")
_YEAR = re.compile(r"(20\d\d)")


def parse_cpt(path: Path) -> Parsed:
    """Read a user's licensed CPT CSV (code plus short and/or long descriptor) into a release."""
    name, header, reader = read_csv(path)
    if "code" not in header or not (set(header) & set(_SHORT + _LONG)):
        raise fail(name, 1, "a header with 'code' and a descriptor column (short_descriptor, long_descriptor)",
                   ",".join(header))
    ci = header.index("code")
    si = next((header.index(h) for h in _SHORT if h in header), None)
    li = next((header.index(h) for h in _LONG if h in header), None)
    rows: dict[str, tuple[str, ...]] = {}
    for rec in reader:
        n = reader.line_num
        if not any(c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            raise fail(name, n, f"{len(header)} columns", f"{len(rec)} columns")
        code = rec[ci].strip().upper()
        if not _CODE.match(code):
            raise fail(name, n, "a 5-character CPT code (4 digits + digit, F, T or U)", code)
        if code in rows:
            raise fail(name, n, "each code once", code)
        rows[code] = (code, rec[si].strip() if si is not None else "", rec[li].strip() if li is not None else "")
    if not rows:
        raise fail(name, reader.line_num, "at least one CPT row", "end of file")
    m = _YEAR.search(Path(name).name)
    rel, begin, end = (None, None, None)
    if m:
        year = int(m.group(1))
        rel, begin, end = f"CPT{year}", date(year, 1, 1), date(year, 12, 31)
    return Parsed("cpt", HEADER, sorted(rows.values()), rel, begin, end, source=f"imported from {name}",
                  notes=["licensed AMA descriptors, imported by the user; never redistributed by claimkit"],
                  carry_forward=True)  # a CPT code stays valid until a later year deletes it
