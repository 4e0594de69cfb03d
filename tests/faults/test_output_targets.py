"""Where an output may go: checked before any work; never over an input, the control file,
another output, a device, a FIFO, a directory or a read-only file; never into a missing or
read-only directory. Each refusal is exit 2 with one line naming the option and the path(s).
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.outputs import OutputError, OutputSet

runner = CliRunner()


def invoke(*args):
    res = runner.invoke(app, [str(a) for a in args])
    crashed = res.exception if not isinstance(res.exception, (SystemExit, type(None))) else None
    assert crashed is None, repr(crashed)
    return res


def refused(res, fault, *needles) -> str:
    assert res.exit_code == 2, res.stderr + res.stdout
    return fault.one_line_error(res.stderr, *needles)


@pytest.fixture
def demo(tmp_path, fault):
    for name in ("sessions.jsonl", "claimkit.toml"):
        shutil.copy(fault.DEMO / name, tmp_path / name)
    return tmp_path


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in folder.iterdir()}


def test_missing_rejects_directory_is_refused_before_any_work(demo, fault) -> None:
    """The control file is untouched: no control number was taken, nothing was built."""
    out, control = demo / "claims.x12", demo / "control.json"
    res = invoke("build", demo / "sessions.jsonl", "-c", demo / "claimkit.toml", "-o", out,
                 "--rejects", demo / "nodir" / "r.json", "--control-file", control)
    refused(res, fault, "--rejects", "nodir", "does not exist")
    assert not out.exists() and not control.exists()
    assert "built" not in res.stderr and "claim" not in res.stderr


def test_validate_missing_accepted_directory_is_refused_first(reference, tmp_path, fault) -> None:
    res = invoke("validate", reference, "--accepted", tmp_path / "gone" / "a.x12",
                 "--rejects", tmp_path / "r.json")
    refused(res, fault, "--accepted", "gone")
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("how", ["same path", "hard link", "symlink"])
@pytest.mark.parametrize("command", ["build", "validate", "ack"])
def test_an_output_never_replaces_an_input(demo, reference, fault, how, command) -> None:
    src = demo / "sessions.jsonl" if command == "build" else reference
    target = src
    if how == "hard link":
        target = src.parent / "linked"
        os.link(src, target)
    elif how == "symlink":
        target = src.parent / "linked"
        target.symlink_to(src)
    before = src.read_bytes()
    if command == "build":
        res = invoke("build", src, "-c", demo / "claimkit.toml", "-o", target)
    elif command == "validate":
        res = invoke("validate", src, "-o", target)
    else:
        res = invoke("validate", src, "--ack", "999", "-o", target)
    refused(res, fault, "--output", str(target), "same file as input", str(src))
    assert src.read_bytes() == before


def test_accepted_and_rejects_on_one_file(reference, tmp_path, fault) -> None:
    same = tmp_path / "a"
    res = invoke("validate", reference, "--accepted", same, "--rejects", same)
    refused(res, fault, "--rejects", "--accepted")
    assert not same.exists()


def test_output_onto_the_control_file(demo, fault) -> None:
    control = demo / "control.json"
    control.write_text('{"format": "claimkit-control-numbers/1", "pairs": {}}\n')
    before = control.read_bytes()
    res = invoke("build", demo / "sessions.jsonl", "-c", demo / "claimkit.toml", "-o", control,
                 "--control-file", control)
    refused(res, fault, "--output", "--control-file")
    assert control.read_bytes() == before


def test_fifo_and_directory_are_refused(reference, tmp_path, fault) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(invoke("validate", reference, "-o", fifo), fault, "FIFO")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    refused(invoke("validate", reference, "-o", folder), fault, "is a directory")
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_device_is_refused(reference, tmp_path, fault) -> None:
    """As root (the issue's case) a device node made here, through the CLI; otherwise a system
    device, on the OutputSet only (it never opens the target, so nothing can be written)."""
    node = tmp_path / "dev"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # like /dev/full
    except PermissionError:
        (device,) = [d for d in ("/dev/full", "/dev/zero", "/dev/tty")
                     if os.path.exists(d) and stat.S_ISCHR(os.stat(d).st_mode)][:1]
        with pytest.raises(OutputError, match="is a device"):
            OutputSet().add("--output", Path(device))
        return
    refused(invoke("validate", reference, "-o", node), fault, "is a device")
    assert stat.S_ISCHR(os.stat(node).st_mode)


def test_a_read_only_file_is_not_replaced_even_by_root(reference, tmp_path, fault) -> None:
    """The mode bits are checked on purpose: root could write the file anyway."""
    out = tmp_path / "report.txt"
    out.write_text("keep me\n")
    out.chmod(0o444)
    refused(invoke("validate", reference, "-o", out), fault, "read-only", "0444")
    assert out.read_text() == "keep me\n" and stat.S_IMODE(out.stat().st_mode) == 0o444


def test_a_read_only_directory_is_refused_even_as_root(reference, tmp_path, fault) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        refused(invoke("validate", reference, "-o", folder / "r.txt"), fault, "read-only")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_symlinked_output_is_written_through_and_stays_a_link(reference, tmp_path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    res = invoke("validate", reference, "-o", link)
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and "0 error(s)" in real.read_text()
