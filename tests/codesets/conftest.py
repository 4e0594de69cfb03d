"""Fixtures for the codeset tests (bundled registry, a temporary user store, sample files)."""
from __future__ import annotations

from pathlib import Path

import pytest

from claimkit.codesets import clear_cache, default_registry

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "codesets"


@pytest.fixture(scope="session")
def reg():
    """The registry of bundled releases only (no user store)."""
    return default_registry()


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    """An empty user store; CLAIMKIT_CODESET_STORE points at it for CLI tests."""
    path = tmp_path / "store"
    monkeypatch.setenv("CLAIMKIT_CODESET_STORE", str(path))
    yield path
    clear_cache()

