"""Control-number files: one lock and one sequence per file however it is reached (symlinks),
the file keeps its owner and mode, and a hostile file is a one-line error, not a traceback."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.control import ControlFile

runner = CliRunner()
N = 25

_WORKER = textwrap.dedent("""
    import os, sys, time
    from claimkit.control import ControlFile
    path, go, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    while not os.path.exists(go):
        time.sleep(0.002)
    cf = ControlFile(path, timeout=120)
    print(" ".join(str(cf.next_numbers("ZZ:A", "ZZ:B")[0]) for _ in range(n)))
""")


def test_two_symlinks_to_one_file_never_issue_the_same_isa13(tmp_path) -> None:
    real = tmp_path / "shared" / "control.json"
    real.parent.mkdir()
    links = [tmp_path / "a.json", tmp_path / "b.json"]
    for link in links:
        link.symlink_to(real)
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(link), str(go), str(N)],
                              stdout=subprocess.PIPE, text=True) for link in links]
    go.write_text("")  # both start together (each waits for this file)
    got = [int(x) for p in procs for x in p.communicate(timeout=120)[0].split()]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(got) == list(range(1, 2 * N + 1))  # none twice, none skipped
    assert all(link.is_symlink() for link in links)  # replaced through the link, not the link
    assert json.loads(real.read_text())["pairs"]["ZZ:A|ZZ:B"]["isa13"] == 2 * N
    assert sorted(p.name for p in real.parent.iterdir()) == ["control.json", "control.json.lock"]


def test_owner_group_and_mode_are_kept(tmp_path) -> None:
    path = tmp_path / "control.json"
    ControlFile(path).next_numbers("S", "R")
    path.chmod(0o664)  # shared by a billing group
    owner = (1234, 1234) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, *owner)
    assert ControlFile(path).next_numbers("S", "R") == (2, 2)
    st = path.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o664, *owner)


@pytest.mark.parametrize("content, words", [
    (b'{"format": "claimkit-control-numbers/1", "pairs": {"\xff": 1}}', "not UTF-8"),
    (b"[" * 5000 + b"]" * 5000, "nested more than"),
])
def test_a_hostile_control_file_is_one_line(tmp_path, fault, content, words) -> None:
    control = tmp_path / "control.json"
    control.write_bytes(content)
    out = tmp_path / "claims.x12"
    res = runner.invoke(app, ["build", "--demo", "-o", str(out), "--control-file", str(control)])
    assert res.exit_code == 2, res.stderr
    fault.one_line_error(res.stderr, str(control), words)
    assert not out.exists() and control.read_bytes() == content
