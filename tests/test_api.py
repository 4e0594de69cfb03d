"""The public Python API (claimkit/__init__.py): build -> export -> parse -> validate ->
acknowledge -> split, end to end on the demo practice, as a library user would."""
from __future__ import annotations

from datetime import date, datetime

import pytest

import claimkit

TODAY = date(2026, 1, 5)
NOW = datetime(2026, 1, 5, 9, 30)


def test_exports_and_docstrings() -> None:
    assert set(claimkit.PIPELINE) == {"build", "validate", "parse", "export", "acknowledge",
                                      "split", "load_settings"}
    assert set(claimkit.__all__) == {*claimkit.PIPELINE, *claimkit.HELPERS, *claimkit.TYPES,
                                     "ClaimkitError", "ConfigError", "InputError"}
    for name in (*claimkit.PIPELINE, *claimkit.HELPERS):
        fn = getattr(claimkit, name)
        assert callable(fn) and fn.__doc__ and fn.__doc__.strip()[0].isupper(), name
    for name in claimkit.__all__:
        assert isinstance(getattr(claimkit, name), type) or name in (*claimkit.PIPELINE, *claimkit.HELPERS), name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        claimkit.nothing  # noqa: B018


def test_no_subpackage_shares_a_name_with_an_api_function() -> None:
    """Importing every module of the package leaves each API name a function: no module or
    subpackage is named like one (claimkit.validation and claimkit.splitting do the work)."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(claimkit.__path__, "claimkit."):
        if not info.name.startswith(("claimkit.cli", "claimkit.dask")):
            importlib.import_module(info.name)
    for name in (*claimkit.PIPELINE, *claimkit.HELPERS):
        assert getattr(claimkit, name).__module__ == "claimkit", name
    for name, module in claimkit.TYPES.items():  # a type, not a module of the same name
        assert getattr(claimkit, name) is getattr(importlib.import_module(module), name), name


def test_round_trip_through_the_api(demo_dir, tmp_path, pyx12_check) -> None:
    practice = claimkit.load_settings(demo_dir / "claimkit.toml")
    outcome = claimkit.build([demo_dir / "sessions.jsonl"], settings=practice, today=TODAY)
    n = len(outcome.claims)
    assert n > 30  # the whole demo
    x12 = claimkit.export(outcome.batch, to="x12", isa_control=7, now=NOW)
    path = tmp_path / "out.x12"
    path.write_text(x12)
    assert pyx12_check(path) == (True, [])
    parsed = claimkit.parse(path, today=TODAY)
    assert [c.claim_id for c in parsed.claims] == [c.claim_id for c in outcome.claims]
    assert claimkit.export(parsed, to="json").startswith("{")
    result = claimkit.validate([path], settings=practice, today=TODAY)
    assert result.claim_count == n
    ack = claimkit.acknowledge(path, result.diagnostics, kind="999", control=8, now=NOW)
    assert ack.startswith("ISA*") and "*999*" in ack.replace("~", "*")
    parts = claimkit.split(parsed.claims, result.diagnostics)
    assert len(parts.accepted) + len(parts.rejected) == n


def test_build_without_configuration_is_a_config_error(tmp_path, monkeypatch, demo_dir) -> None:
    from claimkit.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    assert claimkit.load_settings() is None
    with pytest.raises(ConfigError):
        claimkit.build([demo_dir / "sessions.jsonl"], today=TODAY)


def test_export_refuses_an_unknown_format(demo_dir) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        claimkit.export(None, to="pdf")


def test_a_checkout_imports_claimkit_cli(tmp_path) -> None:
    """`pip install -e .` puts the checkout on the path: claimkit.cli must be the repo's cli/."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    code = "import claimkit, claimkit.cli.app as a; print(claimkit.__file__); print(a.__file__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(repo)}, timeout=60)
    assert r.returncode == 0, r.stderr
    pkg, app = r.stdout.split()
    assert Path(pkg) == repo / "claimkit" / "__init__.py" and Path(app) == repo / "cli" / "app.py"
