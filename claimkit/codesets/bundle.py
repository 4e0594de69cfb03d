"""Maintainer tool: rebuild the bundled codesets/ from the reference files (never used at run time).

    python -m claimkit.codesets.bundle --shared PATH/TO/shared/data --out codesets
    python -m claimkit.codesets.bundle --out codesets --rehash-only   # after editing a hand-made TSV

Converted releases go through the same importers users run; the hand-made tables (procedure,
modifier, pos, taxonomy) are only re-hashed. Metadata lives in codesets/sources.json.

An ICD-10-CM entry may carry ``code_valid_from``: {code: date} for codes a mid-year update added
to a release that covers the whole fiscal year (FY2021's January 2021 COVID-19 codes). Each such
row gets a fourth column, its first valid date; lookups before it answer ``not-yet-valid``.
"""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from .icd import normalize
from .importers import Parsed
from .importers.icd import HEADER as ICD_HEADER
from .importers.icd import parse_icd10cm
from .importers.ncci import parse_mue, parse_ptp
from .tables import MANIFEST, sha256_file, write_tsv

SOURCES = "sources.json"


def _fy2026_april(path: Path) -> Parsed:
    """The derived all-codes TSV (seq, code, billable, title): not a CMS layout, so read here."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="ascii").splitlines()[1:], 2):
        seq, code, flag, title = line.split("\t")
        if flag not in ("0", "1"):
            raise ValueError(f"{path}:{n}: billable flag {flag!r}")
        rows.append((code, flag, title))
    return Parsed("icd10cm", ICD_HEADER, rows)


def _convert(shared: Path, spec: dict) -> Parsed:
    src = shared / spec["from"]
    kind = spec["parser"]
    if kind == "icd10cm":
        return parse_icd10cm(src)
    if kind == "icd10cm-derived-tsv":
        return _fy2026_april(src)
    if kind == "ncci-ptp":
        return parse_ptp(src)
    if kind == "mue":
        return parse_mue(src)
    raise ValueError(f"unknown parser {kind!r}")


def _code_valid_from(parsed: Parsed, spec: dict) -> Parsed:
    """Add the ``valid_from`` column to the codes SPEC names (ICD-10-CM only). Every named code
    must be a billable row of the release and every date fall inside the release's range, so a
    typo in sources.json stops the build instead of silently doing nothing."""
    starts = spec.get("code_valid_from")
    if not starts:
        return parsed
    if parsed.system != "icd10cm":
        raise ValueError(f"{spec['name']}: code_valid_from applies to icd10cm releases only")
    begin, end = date.fromisoformat(spec["effective_from"]), date.fromisoformat(spec["effective_to"])
    wanted: dict[str, str] = {}
    for code, day in starts.items():
        if not begin < date.fromisoformat(day) <= end:
            raise ValueError(f"{spec['name']}: {code} valid_from {day} is not inside {begin}..{end}")
        wanted[normalize(code)] = day
    rows, seen = [], set()
    for row in parsed.rows:
        if row[0] in wanted:
            if row[1] != "1":
                raise ValueError(f"{spec['name']}: {row[0]} has a valid_from but is not billable")
            row = (*row[:3], wanted[row[0]])
            seen.add(row[0])
        rows.append(row)
    if seen != wanted.keys():
        raise ValueError(f"{spec['name']}: code_valid_from names codes not in the file: {sorted(wanted.keys() - seen)}")
    return Parsed(parsed.system, (*parsed.header, "valid_from"), rows, parsed.name, parsed.effective_from,
                  parsed.effective_to, parsed.source, parsed.notes, parsed.compress, parsed.carry_forward)


def build(out: Path, shared: Path | None) -> None:
    """Convert (with SHARED) or only re-hash each release in sources.json and rewrite OUT's manifests."""
    sources = json.loads((out / SOURCES).read_text(encoding="utf-8"))
    for system, releases in sources["systems"].items():
        sysdir = out / system
        sysdir.mkdir(exist_ok=True)
        entries = []
        for spec in releases:
            target = sysdir / spec["file"]
            if "parser" in spec and shared is not None:
                parsed = _code_valid_from(_convert(shared, spec), spec)
                digest = write_tsv(target, parsed.header, parsed.rows)
                print(f"{system} {spec['name']}: {len(parsed.rows)} rows -> {target}")
            else:
                digest = sha256_file(target)
            entry = {k: v for k, v in spec.items() if k not in ("from", "parser", "code_valid_from")}
            entry["sha256"] = digest
            entries.append(entry)
        manifest = {"system": system, "generated_by": "python -m claimkit.codesets.bundle", "releases": entries}
        (sysdir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: ``python -m claimkit.codesets.bundle``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="the repository's codesets/ directory")
    ap.add_argument("--shared", type=Path,
                    help="the reference data directory (shared/data beside the checkout; maintainers only)")
    ap.add_argument("--rehash-only", action="store_true", help="re-hash existing files, convert nothing")
    args = ap.parse_args(argv)
    build(args.out, None if args.rehash_only else args.shared)


if __name__ == "__main__":
    main()
