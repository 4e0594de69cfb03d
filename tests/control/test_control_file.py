"""The control-number file: numbers are never reused, across calls, pairs and processes."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from filelock import FileLock

from claimkit.control import MAX_CONTROL, ControlFile
from claimkit.errors import InputError


def test_numbers_increase_per_pair_and_persist(tmp_path) -> None:
    path = tmp_path / "control.json"
    cf = ControlFile(path)
    assert cf.last_numbers("ZZ:A", "ZZ:B") is None
    assert cf.next_numbers("ZZ:A", "ZZ:B") == (1, 1)
    assert cf.next_numbers("ZZ:A", "ZZ:B") == (2, 2)
    assert cf.next_numbers("ZZ:A", "ZZ:C") == (1, 1)  # another trading partner: its own sequence
    assert ControlFile(path).next_numbers("ZZ:A", "ZZ:B") == (3, 3)  # a new run reads the file
    assert ControlFile(path).last_numbers("ZZ:A", "ZZ:B") == (3, 3)
    data = json.loads(path.read_text())
    assert data["pairs"]["ZZ:A|ZZ:B"] == {"isa13": 3, "gs06": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["control.json", "control.json.lock"]


def test_wraps_after_nine_digits(tmp_path) -> None:
    path = tmp_path / "control.json"
    path.write_text(json.dumps({"format": "claimkit-control-numbers/1",
                                "pairs": {"S|R": {"isa13": MAX_CONTROL, "gs06": 41}}}))
    assert ControlFile(path).next_numbers("S", "R") == (1, 42)


@pytest.mark.parametrize("content", [
    "{not json", "[]", '{"format": "other", "pairs": {}}',
    '{"format": "claimkit-control-numbers/1", "pairs": {"S|R": {"isa13": "7", "gs06": 1}}}',
    '{"format": "claimkit-control-numbers/1", "pairs": {"S|R": {"isa13": -1, "gs06": 1}}}',
])
def test_corrupt_file_is_an_error_and_left_alone(tmp_path, content) -> None:
    """Starting again from 1 would reuse numbers the partner has already seen."""
    path = tmp_path / "control.json"
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        ControlFile(path).next_numbers("S", "R")
    assert str(path) in str(exc.value)
    assert path.read_text() == content


def test_lock_held_elsewhere_times_out_with_a_clear_error(tmp_path) -> None:
    path = tmp_path / "control.json"
    with FileLock(str(path) + ".lock"):
        with pytest.raises(InputError, match="locked by another run"):
            ControlFile(path, timeout=0.2).next_numbers("S", "R")
    assert not path.exists()


_WORKER = textwrap.dedent("""
    import sys
    from claimkit.control import ControlFile
    cf = ControlFile(sys.argv[1])
    for _ in range(int(sys.argv[2])):
        isa, gs = cf.next_numbers("ZZ:CLAIMKITSUB", "ZZ:ACMECLEARING")
        print(isa, gs, flush=True)
""")


@pytest.mark.parametrize("processes,per_process", [(2, 1), (6, 40)])
def test_concurrent_processes_never_share_a_number(tmp_path, processes, per_process) -> None:
    path = tmp_path / "control.json"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(per_process)],
                              stdout=subprocess.PIPE, text=True, cwd=tmp_path)
             for _ in range(processes)]
    isa: list[int] = []
    gs: list[int] = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        pairs = [tuple(map(int, ln.split())) for ln in out.splitlines()]
        assert len(pairs) == per_process
        isa += [a for a, _ in pairs]
        gs += [b for _, b in pairs]
    total = processes * per_process
    assert sorted(isa) == list(range(1, total + 1))  # all distinct, none skipped
    assert sorted(gs) == list(range(1, total + 1))
    assert ControlFile(path).last_numbers("ZZ:CLAIMKITSUB", "ZZ:ACMECLEARING") == (total, total)


def test_numbers_for_an_envelope(tmp_path) -> None:
    from claimkit.control import numbers_for
    from claimkit.models.claim import Envelope

    env = Envelope(sender_id="CLAIMKITSUB", receiver_id="ACMECLEARING", receiver_qualifier="01")
    assert numbers_for(env, None, 17) == (17, 17)
    path = tmp_path / "c.json"
    assert numbers_for(env, path) == (1, 1) and numbers_for(env, path) == (2, 2)
    assert ControlFile(path).last_numbers("ZZ:CLAIMKITSUB", "01:ACMECLEARING") == (2, 2)
