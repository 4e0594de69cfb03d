"""The user codeset store: imported releases, recorded with their hash in STORE/manifest.json.

An import writes into a temporary directory inside the store, renames it into place and then
replaces the manifest atomically; the manifest is the commit point, so a failed import leaves
nothing the registry would read.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from claimkit.errors import CodesetError

from .importers import Parsed
from .model import Release
from .tables import MANIFEST, load_manifest, release_from_entry, write_tsv

ENV = "CLAIMKIT_CODESET_STORE"


def default_store() -> Path:
    """$CLAIMKIT_CODESET_STORE, else the per-user data directory (platformdirs) + /codesets."""
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("claimkit", appauthor=False) / "codesets"


def store_releases(store: Path) -> list[Release]:
    manifest = load_manifest(store / MANIFEST)
    return [release_from_entry(e, e.get("system", ""), store, "user") for e in manifest.get("releases", [])]


def _parser(system: str):
    from .importers.cpt import parse_cpt
    from .importers.hcpcs import parse_hcpcs
    from .importers.icd import parse_icd10cm
    from .importers.ncci import parse_mue, parse_ptp
    from .importers.tables import parse_modifier, parse_pos, parse_procedure, parse_taxonomy

    parsers = {"icd10cm": parse_icd10cm, "procedure": parse_procedure, "hcpcs": parse_hcpcs, "cpt": parse_cpt,
               "ncci-ptp": parse_ptp, "mue": parse_mue, "modifier": parse_modifier, "pos": parse_pos,
               "taxonomy": parse_taxonomy}
    if system not in parsers:
        raise CodesetError(f"cannot import {system!r}: importable systems are {', '.join(parsers)}")
    return parsers[system]


def import_files(
    store: Path,
    system: str,
    files: list[Path],
    *,
    name: str | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
    replace: bool = False,
) -> list[Release]:
    """Parse FILES (each one release) and add them to STORE, all or nothing.

    Names and dates come from the file names (FY2025, HCPC2024_APR, v30.1...) unless given.
    Raises CodesetError (file, line, what was expected) before anything is stored."""
    if name and len(files) > 1:
        raise CodesetError("--release names one release: import one file at a time with it")
    parse = _parser(system)
    parsed = [parse(Path(f)) for f in files]
    for p, f in zip(parsed, files):
        p.name = name or p.name
        p.effective_from = effective_from or p.effective_from
        p.effective_to = effective_to or p.effective_to
        if not p.name or not p.effective_from:
            raise CodesetError("cannot tell the release name and dates from the file name; pass --release and "
                               "--effective-from (and --effective-to)", file=str(f))
        if p.effective_to and p.effective_to < p.effective_from:
            raise CodesetError(f"effective_to {p.effective_to} is before effective_from {p.effective_from}", file=str(f))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", p.name):
            raise CodesetError(f"release name {p.name!r}: use letters, digits, '.', '_' and '-'")
    from filelock import FileLock  # imported here: it costs ~20 ms of every CLI start otherwise

    store.mkdir(parents=True, exist_ok=True)
    with FileLock(str(store / ".lock")):
        manifest = load_manifest(store / MANIFEST) or {"releases": []}
        existing = {(e["system"], e["name"]) for e in manifest["releases"]}
        for p in parsed:
            if (system, p.name) in existing and not replace:
                raise CodesetError(f"{system} release {p.name!r} is already in the store {store}; add --replace")
        tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=store))
        try:
            entries = [_write(tmp, store, system, p) for p in parsed]
            for p in parsed:  # rename into place: the old copy (if replacing) goes only now
                final = store / system / p.name
                final.parent.mkdir(exist_ok=True)
                if final.exists():
                    shutil.rmtree(final)
                os.replace(tmp / p.name, final)
            keep = [e for e in manifest["releases"] if (e["system"], e["name"]) not in {(system, p.name) for p in parsed}]
            manifest["releases"] = keep + entries
            staged = tmp / MANIFEST
            staged.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            os.replace(staged, store / MANIFEST)  # the commit point
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    from .registry import clear_cache

    clear_cache()
    return [r for r in store_releases(store) if r.system == system and r.name in {p.name for p in parsed}]


def _write(tmp: Path, store: Path, system: str, p: Parsed) -> dict:
    folder = tmp / p.name
    folder.mkdir()
    fname = "data.tsv.gz" if p.compress else "data.tsv"
    digest = write_tsv(folder / fname, p.header, p.rows)
    return {
        "system": system,
        "name": p.name,
        "file": f"{system}/{p.name}/{fname}",
        "effective_from": p.effective_from.isoformat() if p.effective_from else None,
        "effective_to": p.effective_to.isoformat() if p.effective_to else None,
        "carry_forward": p.carry_forward,
        "source": p.source,
        "license": "user-imported",
        "notes": "; ".join(p.notes),
        "rows": len(p.rows),
        "sha256": digest,
        "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
