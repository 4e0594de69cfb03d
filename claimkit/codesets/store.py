"""The user codeset store: imported releases, recorded with their hash in STORE/manifest.json.

An import writes into a temporary directory inside the store (``.import-*``, fsynced), renames
each release's folder into place under a fresh name (``SYSTEM/NAME/r-<random>/``) beside the
copy the manifest names, then replaces the manifest atomically. The manifest is the commit
point: until it is replaced (killed, disk full, a failing manifest write) the store still names
only the old, complete files, so ``codeset verify`` accepts it; after it, the old copy is
removed. Whatever a killed import left (``.import-*`` folders, folders no manifest entry
names) is removed by the next import, under the store's lock.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from claimkit.errors import CodesetError
from claimkit.outputs import fault_point, fsync_dir

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
    """The releases recorded in STORE's manifest."""
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
    progress: Callable[[int], None] | None = None,
) -> list[Release]:
    """Parse FILES (each one release) and add them to STORE, all or nothing.

    Names and dates come from the file names (FY2025, HCPC2024_APR, v30.1...) unless given.
    Raises CodesetError (file, line, what was expected) before anything is stored.
    ``progress(n)`` is called after the n-th file is parsed (a progress line's ticks)."""
    if name and len(files) > 1:
        raise CodesetError("--release names one release: import one file at a time with it")
    parse = _parser(system)
    parsed = []
    for n, f in enumerate(files, 1):
        parsed.append(parse(Path(f)))
        if progress is not None:
            progress(n)
    for p, f in zip(parsed, files):
        p.name = name or p.name
        p.effective_from = effective_from or p.effective_from
        p.effective_to = effective_to or p.effective_to
        if not p.name or not p.effective_from:
            raise CodesetError("cannot tell the release name and dates from the file name; pass --release and "
                               "--effective-from (and --effective-to)", file=str(f))
        if p.effective_to and p.effective_to < p.effective_from:
            raise CodesetError(f"effective_to {p.effective_to} is before effective_from {p.effective_from}",
                               file=str(f))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", p.name):
            raise CodesetError(f"release name {p.name!r}: use letters, digits, '.', '_' and '-'")
    from filelock import FileLock  # imported here: it costs ~20 ms of every CLI start otherwise

    store.mkdir(parents=True, exist_ok=True)
    with FileLock(str(store / ".lock")):
        manifest = load_manifest(store / MANIFEST) or {"releases": []}
        clean_orphans(store, manifest)
        existing = {(e["system"], e["name"]) for e in manifest["releases"]}
        for p in parsed:
            if (system, p.name) in existing and not replace:
                raise CodesetError(f"{system} release {p.name!r} is already in the store {store}; add --replace")
        tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=store))
        placed: list[Path] = []
        committed = False
        try:
            entries = [_write(tmp, system, p) for p in parsed]
            for p, entry in zip(parsed, entries):  # beside the old copy: the manifest still names that
                final = store / Path(entry["file"]).parent
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / p.name, final)
                placed.append(final)
                fsync_dir(final.parent)
            fault_point("codeset:placed")
            replaced = {(system, p.name) for p in parsed}
            keep = [e for e in manifest["releases"] if (e["system"], e["name"]) not in replaced]
            manifest["releases"] = keep + entries
            staged = tmp / MANIFEST
            with open(staged, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(manifest, indent=2) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            fault_point("codeset:manifest-staged")
            os.replace(staged, store / MANIFEST)  # the commit point
            committed = True
            fsync_dir(store)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if not committed:  # the new copies are named by nothing: remove them now
                for folder in placed:
                    shutil.rmtree(folder, ignore_errors=True)
        clean_orphans(store, manifest)  # the replaced copies
    from .registry import clear_cache

    clear_cache()
    return [r for r in store_releases(store) if r.system == system and r.name in {p.name for p in parsed}]


def _write(tmp: Path, system: str, p: Parsed) -> dict:
    assert p.name is not None  # (import_files checked every release has a name)
    folder = tmp / p.name
    folder.mkdir()
    fname = "data.tsv.gz" if p.compress else "data.tsv"
    digest = write_tsv(folder / fname, p.header, p.rows)
    with open(folder / fname, "rb") as fh:  # durable before the manifest names it
        os.fsync(fh.fileno())
    version = f"r-{secrets.token_hex(4)}"  # a fresh name: never the folder the manifest names now
    return {
        "system": system,
        "name": p.name,
        "file": f"{system}/{p.name}/{version}/{fname}",
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


def clean_orphans(store: Path, manifest: dict) -> None:
    """Remove what no manifest entry names: ``.import-*`` folders and release copies left by a
    killed or failed import, and copies replaced by a later one. Call under the store's lock."""
    named = {Path(e["file"]) for e in manifest.get("releases", []) if isinstance(e.get("file"), str)}
    keep = named | {f.parent for f in named}
    for entry in store.iterdir():
        if entry.name.startswith(".import-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
    for sysdir in store.iterdir():
        if sysdir.name.startswith(".") or not sysdir.is_dir():
            continue
        for release in sysdir.iterdir():
            if not release.is_dir():
                continue
            for item in release.iterdir():
                rel = item.relative_to(store)
                if rel in keep:
                    continue
                if item.is_dir():
                    shutil.rmtree(item, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        item.unlink()
            with contextlib.suppress(OSError):  # a release no entry names any more
                release.rmdir()

