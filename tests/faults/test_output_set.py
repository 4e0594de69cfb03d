"""OutputSet on its own: an exception inside the set removes what was staged; the next run
removes only temp files of processes that are gone, and only its own outputs' ones."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from claimkit.outputs import OutputSet


def test_an_exception_inside_the_set_writes_nothing(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    b.write_text("old b\n")
    outs = OutputSet()
    outs.add("--accepted", a)
    outs.add("--rejects", b)
    with pytest.raises(RuntimeError):
        with outs:
            outs.stage("--accepted", "new a\n")
            outs.stage("--rejects", "new b\n")
            assert len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]) == 2
            raise RuntimeError("the run failed after staging")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"] and b.read_text() == "old b\n"


def test_a_set_is_renamed_together_with_mode_0600(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        outs = OutputSet()
        outs.add("--output", tmp_path / "x")
        outs.add("--rejects", tmp_path / "y")
        outs.write({"--output": "x\n", "--rejects": b"y\n"})
    finally:
        os.umask(old)
    assert (tmp_path / "x").read_text() == "x\n" and (tmp_path / "y").read_text() == "y\n"
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o600}


def test_only_temp_files_of_gone_processes_are_cleaned(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    gone = int(done.stdout)  # a process that has exited
    live = os.getppid()
    names = {
        f".out.{gone}.abc123.tmp": False,  # removed: its writer is gone
        f".out.{live}.abc123.tmp": True,  # kept: its writer may still be writing
        f".out.2024.{gone}.abc123.tmp": True,  # kept: another output's (".out.2024")
        "out.tmp": True,  # kept: not ours
    }
    for name in names:
        (tmp_path / name).write_text("")
    OutputSet().add("--output", tmp_path / "out")
    assert {n: (tmp_path / n).exists() for n in names} == names


def test_every_output_is_fsynced_before_its_rename_and_the_directory_after(tmp_path, monkeypatch) -> None:
    """Issue 13: write_atomic did not fsync, so a power loss could leave a renamed empty file."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        events.append(("fsync", "dir" if os.path.isdir(target) else os.path.basename(target)))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("rename", os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    outs = OutputSet()
    outs.add("--output", tmp_path / "x")
    outs.add("--rejects", tmp_path / "y")
    outs.write({"--output": "x\n", "--rejects": b"y\n"})
    renames = [i for i, e in enumerate(events) if e[0] == "rename"]
    file_syncs = [i for i, e in enumerate(events) if e[0] == "fsync" and e[1] != "dir"]
    dir_syncs = [i for i, e in enumerate(events) if e == ("fsync", "dir")]
    assert len(renames) == 2 and len(file_syncs) >= 2 and dir_syncs, events
    assert max(file_syncs) < min(renames) < max(renames) < min(dir_syncs), events
