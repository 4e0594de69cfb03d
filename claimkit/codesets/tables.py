"""Read and write the normalized codeset files (UTF-8 TSV, gzip when large) and their manifests.

Every data file is named in a manifest with its sha256; readers verify it before use, so a
corrupted or hand-edited file is refused (CodesetError) instead of silently answering.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

from claimkit.errors import CodesetError

from .model import Release

MANIFEST = "manifest.json"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of DATA, the digest manifests record for each code-set file."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at PATH."""
    return sha256_bytes(path.read_bytes())


def parse_date(value: str | None, *, what: str = "date") -> date | None:
    """ISO date or None for blank; CodesetError otherwise."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CodesetError(f"expected an ISO date (YYYY-MM-DD) for {what}, got {value!r}") from None


def read_text(release: Release) -> str:
    """Return the verified text of a release's data file (gunzipped when it ends in .gz)."""
    try:
        raw = release.path.read_bytes()
    except OSError as exc:
        raise CodesetError(f"cannot read codeset file: {exc.strerror}", file=str(release.path)) from None
    digest = sha256_bytes(raw)
    if digest != release.sha256:
        raise CodesetError(
            f"sha256 mismatch for {release.system} {release.name}: manifest says {release.sha256[:12]}..., "
            f"file has {digest[:12]}... (file corrupted or edited; reinstall or re-import it)",
            file=str(release.path),
        )
    if release.path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def read_rows(release: Release) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) of a release's TSV file; the first line is the header."""
    lines = read_text(release).splitlines()
    if not lines:
        raise CodesetError("empty codeset file", file=str(release.path))
    return lines[0].split("\t"), [ln.split("\t") for ln in lines[1:] if ln]


def write_tsv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Write a TSV (gzip with mtime 0 when PATH ends in .gz, so output is reproducible); return sha256."""
    text = "\t".join(header) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
    return sha256_bytes(data)


def release_from_entry(entry: dict, system: str, base: Path, origin: str) -> Release:
    """Build a Release from one manifest entry (paths relative to BASE)."""
    try:
        return Release(
            name=entry["name"],
            system=entry.get("system", system),
            effective_from=parse_date(entry.get("effective_from"), what="effective_from"),
            effective_to=parse_date(entry.get("effective_to"), what="effective_to"),
            source=entry.get("source", ""),
            origin=origin,
            sha256=entry["sha256"],
            path=base / entry["file"],
            license=entry.get("license", ""),
            notes=entry.get("notes", ""),
            carry_forward=bool(entry.get("carry_forward", False)),
        )
    except KeyError as exc:
        raise CodesetError(f"manifest entry lacks {exc.args[0]!r}", file=str(base / MANIFEST)) from None


def load_manifest(path: Path) -> dict:
    """A manifest.json's content ({} when the file does not exist); CodesetError when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CodesetError(f"unreadable manifest: {exc}", file=str(path)) from None


def bundled_releases(root: Path) -> list[Release]:
    """Releases described by ROOT/<system>/manifest.json (the codesets shipped with claimkit)."""
    out: list[Release] = []
    if not root.is_dir():
        return out
    for sysdir in sorted(p for p in root.iterdir() if p.is_dir()):
        manifest = load_manifest(sysdir / MANIFEST)
        for entry in manifest.get("releases", []):
            out.append(release_from_entry(entry, manifest.get("system", sysdir.name), sysdir, "bundled"))
    return out
