"""Locate the data that travels with the package (codesets, demo fixtures)."""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """Return the path of bundled data, e.g. ``data_path("codesets", "icd10cm")``.

    Installed from a wheel, the data lives in ``claimkit/_data``; in a source checkout it is the
    repository's top-level directory of the same name (see pyproject's force-include map).
    """
    installed = _PKG.joinpath("_data", *parts)
    if installed.exists():
        return installed
    return _PKG.parent.joinpath(*parts)
