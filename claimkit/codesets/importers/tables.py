"""claimkit's documented CSV layouts for the hand-kept tables: procedure, modifier, pos, and the
NUCC taxonomy CSV. Layouts are in docs/codesets.md ("Import file layouts").

Procedure rows carry the facts claimkit bills by (time model, initial minutes, CMS therapy list
flag, dates, replacements) and claimkit's own short label: never AMA descriptor text.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Callable

from . import Parsed, fail, read_csv

PROCEDURE_HEADER = ("code", "kind", "time_model", "initial_minutes", "label", "effective_from", "effective_to",
                    "replacements", "therapy", "note", "discipline")
DISCIPLINES = ("pt", "ot", "slp")
DATED_HEADER = ("code", "kind", "label", "effective_from", "effective_to", "note")
POS_HEADER = ("code", "label", "effective_from", "effective_to", "note")
TAXONOMY_HEADER = ("code", "label", "classification", "specialization", "note", "discipline")
# The therapy discipline of a NUCC classification (the plan of care its services fall under).
_DISCIPLINE_OF = (("physical therap", "pt"), ("occupational therap", "ot"), ("speech-language", "slp"))

TIME_MODELS = ("per15", "untimed", "initial", "addon", "unlisted")
THERAPY = {"always": "always", "sometimes": "sometimes", "": "", "no": "", "none": ""}
_PROC = re.compile(r"^(\d{4}[0-9FTU]|[A-Z]\d{4})$")
_MOD = re.compile(r"^[0-9A-Z]{2}$")
_POS = re.compile(r"^\d{2}$")
_TAX = re.compile(r"^[0-9A-Z]{9}X$")
_YEAR = re.compile(r"(20\d\d)")


def _rows(path: Path, required: tuple[str, ...]) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """(display name, [(line, {column: value})]) of a CSV with a header naming REQUIRED columns."""
    name, header, reader = read_csv(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise fail(name, 1, f"a header with the columns {', '.join(required)} (missing: {', '.join(missing)})",
                   ",".join(header))
    out: list[tuple[int, dict[str, str]]] = []
    for rec in reader:
        if not any(c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            raise fail(name, reader.line_num, f"{len(header)} columns", f"{len(rec)} columns")
        out.append((reader.line_num, {h: v.strip() for h, v in zip(header, rec)}))
    if not out:
        raise fail(name, reader.line_num + 1, "at least one data row", "end of file")
    return name, out


def _iso(name: str, line: int, value: str, column: str) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise fail(name, line, f"{column} as YYYY-MM-DD or blank", value) from None


def _code(name: str, line: int, value: str, shape: re.Pattern[str], what: str, seen: set[str]) -> str:
    code = value.upper()
    if not shape.match(code):
        raise fail(name, line, what, value)
    if code in seen:
        raise fail(name, line, "each code once", code)
    seen.add(code)
    return code


def _dates(name: str, line: int, rec: dict[str, str]) -> tuple[str, str]:
    start = _iso(name, line, rec.get("effective_from", ""), "effective_from")
    end = _iso(name, line, rec.get("effective_to", "") or rec.get("terminated", ""), "effective_to")
    if start and end and end < start:
        raise fail(name, line, f"effective_to on or after effective_from {start}", end)
    return start, end


def _yearly(parsed: Parsed, name: str, prefix: str) -> Parsed:
    """procedure-2027.csv -> release 'procedure-2027', 2027-01-01..2027-12-31 (CPT/HCPCS years)."""
    m = _YEAR.search(Path(name).name)
    if m:
        year = int(m.group(1))
        parsed.name = f"{prefix}-{year}"
        parsed.effective_from, parsed.effective_to = date(year, 1, 1), date(year, 12, 31)
    return parsed


def parse_procedure(path: Path) -> Parsed:
    """code, time_model, initial_minutes, therapy, effective_from, effective_to (or terminated),
    replacements, label; optional kind, note."""
    name, recs = _rows(path, ("code", "time_model", "initial_minutes", "therapy", "effective_from",
                              "replacements", "label"))
    seen: set[str] = set()
    rows: list[tuple[str, ...]] = []
    for line, rec in recs:
        code = _code(name, line, rec["code"], _PROC, "a CPT (4 digits + digit/F/T/U) or HCPCS Level II "
                     "(letter + 4 digits) code", seen)
        model = rec["time_model"].lower()
        if model not in TIME_MODELS:
            raise fail(name, line, f"time_model one of {', '.join(TIME_MODELS)}", rec["time_model"])
        minutes = rec["initial_minutes"]
        if model == "initial" and not minutes.isdigit():
            raise fail(name, line, "initial_minutes (whole minutes of the first block) for time_model initial", minutes)
        if model != "initial" and minutes:
            raise fail(name, line, "initial_minutes blank unless time_model is initial", minutes)
        therapy = THERAPY.get(rec["therapy"].lower())
        if therapy is None:
            raise fail(name, line, "therapy one of always, sometimes or blank (CMS therapy code list)", rec["therapy"])
        start, end = _dates(name, line, rec)
        repl = rec["replacements"].replace(",", " ").upper().split()
        for r in repl:
            if not _PROC.match(r):
                raise fail(name, line, "replacements: procedure codes separated by spaces", r)
        kind = rec.get("kind") or ("cpt" if code[0].isdigit() else "hcpcs")
        discipline = rec.get("discipline", "").lower()
        if discipline not in ("", *DISCIPLINES):
            raise fail(name, line, "discipline pt, ot, slp or blank (the plan of care the code belongs to)",
                       rec["discipline"])
        rows.append((code, kind, model, minutes, rec["label"], start, end, " ".join(repl), therapy,
                     rec.get("note", ""), discipline))
    parsed = Parsed("procedure", PROCEDURE_HEADER, rows, source=f"imported from {name}", compress=False,
                    carry_forward=True)
    return _yearly(parsed, name, "procedure")


def _simple(system: str, shape: re.Pattern[str], what: str, header: tuple[str, ...]) -> Callable[[Path], Parsed]:
    def parse(path: Path) -> Parsed:
        name, recs = _rows(path, ("code", "label", "effective_from", "effective_to"))
        seen: set[str] = set()
        rows: list[tuple[str, ...]] = []
        for line, rec in recs:
            code = _code(name, line, rec["code"], shape, what, seen)
            start, end = _dates(name, line, rec)
            extra = (rec.get("kind") or ("hcpcs" if code[0].isalpha() else "cpt"),) if "kind" in header else ()
            rows.append((code, *extra, rec["label"], start, end, rec.get("note", "")))
        return _yearly(Parsed(system, header, rows, source=f"imported from {name}", compress=False,
                              carry_forward=True), name, system)
    parse.__doc__ = f"code, label, effective_from, effective_to; optional note ({system})."
    return parse


parse_modifier = _simple("modifier", _MOD, "a 2-character modifier", DATED_HEADER)
parse_pos = _simple("pos", _POS, "a 2-digit place of service code", POS_HEADER)


def parse_taxonomy(path: Path) -> Parsed:
    """The NUCC Health Care Provider Taxonomy CSV (Code, Grouping, Classification, Specialization,
    ..., Display Name): every code, labelled with its display name or classification."""
    name, recs = _rows(path, ("code", "classification"))
    seen: set[str] = set()
    rows = []
    for line, rec in recs:
        code = _code(name, line, rec["code"], _TAX, "a 10-character taxonomy code ending in X", seen)
        label = rec.get("display name") or " ".join(
            x for x in (rec["classification"], rec.get("specialization", "")) if x)
        cls = rec["classification"].lower()
        discipline = next((d for key, d in _DISCIPLINE_OF if key in cls), "")
        rows.append((code, label, rec["classification"], rec.get("specialization", ""), "", discipline))
    m = re.search(r"(\d{2})[._]?(\d)", Path(name).name)  # nucc_taxonomy_261.csv: version 26.1
    parsed = Parsed("taxonomy", TAXONOMY_HEADER, rows, source=f"imported from {name}", compress=False,
                    carry_forward=True)
    if m:
        year, half = 2000 + int(m.group(1)), int(m.group(2))
        # NUCC publishes version YY.0 effective January 1 and YY.1 effective July 1 of 20YY.
        start = date(year, 1 if half == 0 else 7, 1)
        parsed.name, parsed.effective_from = f"nucc-{m.group(1)}.{m.group(2)}", start
        parsed.effective_to = date(year, 6, 30) if half == 0 else date(year, 12, 31)
    return parsed
