"""Shared test fixtures: repository paths, the pyx12 oracle, the bundled demo practice."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true", help="rewrite golden files under tests/golden")


@pytest.fixture(scope="session", autouse=True)
def empty_codeset_store(tmp_path_factory: pytest.TempPathFactory):
    """Every command reads the user codeset store (the per-user data directory by default): point
    it at an empty directory so no release imported on the developer's machine changes a test."""
    import os

    old = os.environ.get("CLAIMKIT_CODESET_STORE")
    os.environ["CLAIMKIT_CODESET_STORE"] = str(tmp_path_factory.mktemp("codeset-store"))
    yield
    if old is None:
        os.environ.pop("CLAIMKIT_CODESET_STORE", None)
    else:
        os.environ["CLAIMKIT_CODESET_STORE"] = old


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def public_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The public data files the tests read (ICD-10-CM, HCPCS, NCCI/MUE releases, the reference
    837P), in the layout of ../shared/data. Their copies live in tests/data/public, xz-compressed
    (2 MB instead of 39), so a clean clone runs every test; each is checked against the SHA-256
    of the original recorded in manifest.json with its source."""
    import hashlib
    import json
    import lzma

    src = REPO / "tests" / "data" / "public"
    out = tmp_path_factory.mktemp("public-data")
    for rel, entry in json.loads((src / "manifest.json").read_text()).items():
        data = lzma.decompress((src / (rel + ".xz")).read_bytes())
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"tests/data/public/{rel}.xz changed"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out


@pytest.fixture(scope="session")
def gen837():
    """bench/gen837.py, the benchmark's 837P generator, as a module (skip when bench/ is not
    beside the tests)."""
    import importlib.util

    path = REPO / "bench" / "gen837.py"
    if not path.is_file():
        pytest.skip("bench/ is not beside the tests")
    spec = importlib.util.spec_from_file_location("gen837", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_pyx12(path: Path) -> tuple[bool, list[str]]:
    """Validate an X12 file with pyx12 (independent oracle) through its Python API.

    Returns pyx12's verdict and the error lines (IK3/IK4/IK5 other than accept) of the 999 it
    writes; the console script's exit status is not a verdict, so it is not used.
    """
    import pyx12.params
    import pyx12.x12n_document

    logging.disable(logging.CRITICAL)
    try:
        ack = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), ack, None)
    finally:
        logging.disable(logging.NOTSET)
    segs = [s.strip() for s in ack.getvalue().split("~")]
    errors = [s for s in segs if s.startswith(("IK3", "IK4")) or (s.startswith("IK5") and s != "IK5*A")
              or (s.startswith("AK9") and not s.startswith("AK9*A"))]
    return bool(ok), errors


@pytest.fixture(scope="session")
def pyx12_check():
    return run_pyx12


@pytest.fixture(scope="session")
def registry():
    from claimkit.codesets import default_registry

    return default_registry()


@pytest.fixture(scope="session")
def demo_practice():
    from claimkit.config import load_practice

    return load_practice(DEMO / "claimkit.toml")
