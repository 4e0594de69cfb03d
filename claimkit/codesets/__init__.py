"""Versioned code sets (ICD-10-CM, procedure codes, modifiers, POS, taxonomy, NCCI, MUE) by date
of service: bundled releases plus user imports of the official CMS files."""
from __future__ import annotations

from claimkit.errors import ClaimkitError, CodesetError

from .model import SYSTEMS, Diff, Lookup, Mue, PtpEdit, Release, Status, always_therapy, therapy_list
from .registry import Registry, clear_cache, coverage_status, default_registry, registry_for
from .store import default_store, import_files

__all__ = [
    "SYSTEMS",
    "ClaimkitError",
    "CodesetError",
    "Diff",
    "Lookup",
    "Mue",
    "PtpEdit",
    "Registry",
    "Release",
    "Status",
    "always_therapy",
    "clear_cache",
    "coverage_status",
    "default_registry",
    "default_store",
    "import_files",
    "registry_for",
    "therapy_list",
]
