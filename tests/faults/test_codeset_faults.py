"""`codeset import --replace` killed or failing leaves a store `codeset verify` accepts (the old
state); what a killed import left is removed by the next import."""
from __future__ import annotations

import errno
import json
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.codesets import clear_cache, import_files

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "codesets"
OLD, NEW = SAMPLES / "icd10cm_order_2099.txt", SAMPLES / "icd10cm_codes_2099.txt"
runner = CliRunner()


def verify_ok(store: Path) -> None:
    clear_cache()
    res = runner.invoke(app, ["codeset", "verify", "--store", str(store)])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "FY2099" in res.stdout


def state(store: Path) -> list[str]:
    return sorted(p.relative_to(store).as_posix() for p in store.rglob("*"))


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    import_files(path, "icd10cm", [OLD])
    clear_cache()
    yield path
    clear_cache()


@pytest.mark.parametrize("point", ["codeset:placed", "codeset:manifest-staged"])
def test_killed_import_leaves_the_old_store(claimkit, store, tmp_path, fault, point) -> None:
    manifest = (store / "manifest.json").read_text()
    marker = tmp_path / "marker"
    proc = claimkit.start("codeset", "import", "icd10cm", NEW, "--release", "FY2099", "--replace",
                          "--store", store, pause=point, marker=marker)
    rc, _, _ = fault.interrupt(proc, signal.SIGKILL, marker)
    assert rc == -signal.SIGKILL
    assert (store / "manifest.json").read_text() == manifest  # the commit point was not reached
    assert any(p.name.startswith(".import-") for p in store.iterdir())  # what the kill left
    verify_ok(store)
    res = claimkit.run("codeset", "import", "icd10cm", NEW, "--release", "FY2099", "--replace",
                       "--store", store)
    assert res.returncode == 0, res.stderr
    verify_ok(store)
    left = state(store)
    assert not [p for p in left if ".import-" in p]
    entry = json.loads((store / "manifest.json").read_text())["releases"][0]
    assert [p for p in left if p.startswith("icd10cm/FY2099/")] == [
        str(Path(entry["file"]).parent), entry["file"]]  # one copy: the orphan and the old gone


def test_interrupted_import_removes_its_files(claimkit, store, tmp_path, fault) -> None:
    before = state(store)
    marker = tmp_path / "marker"
    proc = claimkit.start("codeset", "import", "icd10cm", NEW, "--release", "FY2099", "--replace",
                          "--store", store, pause="codeset:placed", marker=marker)
    rc, _, err = fault.interrupt(proc, signal.SIGTERM, marker)
    assert rc == 143, err
    fault.one_line_error(err, "interrupted by SIGTERM")
    assert state(store) == before
    verify_ok(store)


def test_failing_manifest_write_leaves_the_old_store(store, monkeypatch) -> None:
    import claimkit.codesets.store as st

    before = state(store)
    real = st.os.replace

    def full_disk(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(st.os, "replace", full_disk)
    with pytest.raises(OSError):
        import_files(store, "icd10cm", [NEW], name="FY2099", replace=True)
    monkeypatch.setattr(st.os, "replace", real)
    assert state(store) == before
    verify_ok(store)
