"""The user codeset store: imported releases, recorded with their hash in STORE/manifest.json.

An import writes into a temporary directory inside the store, renames it into place and then
replaces the manifest atomically; the manifest is the commit point, so a failed import leaves
nothing the registry would read.
"""
from __future__ import annotations

import os
from pathlib import Path

from .model import Release
from .tables import MANIFEST, load_manifest, release_from_entry

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
