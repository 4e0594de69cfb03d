"""A run's outputs are all written or none: SIGINT, SIGTERM, SIGKILL and a full disk mid-write.

Each run triages the reference 837P into --accepted, --rejects and a SARIF report (-o), over
older copies of all three: after a failure the old copies are intact and no temp file stays.
"""
from __future__ import annotations

import resource
import signal

import pytest

OLD = {"A.x12": "old accepted\n", "R.json": "old rejects\n", "report.sarif": "old report\n"}


@pytest.fixture
def outs(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    for name, text in OLD.items():
        (folder / name).write_text(text)
    return folder


def _args(reference, outs):
    return ["validate", reference, "--accepted", outs / "A.x12", "--rejects", outs / "R.json",
            "-f", "sarif", "-o", outs / "report.sarif"]


def _unchanged(outs) -> None:
    assert {p.name: p.read_text() for p in outs.iterdir()} == OLD


@pytest.mark.parametrize("sig, code, point", [(signal.SIGTERM, 143, "staged:1"),
                                               (signal.SIGINT, 130, "staged:2")])
def test_signal_mid_write_leaves_the_old_outputs(claimkit, reference, outs, tmp_path, fault,
                                                 sig, code, point) -> None:
    marker = tmp_path / "marker"
    proc = claimkit.start(*_args(reference, outs), pause=point, marker=marker)
    rc, out, err = fault.interrupt(proc, sig, marker)
    assert rc == code, err
    fault.one_line_error(err, f"interrupted by {signal.Signals(sig).name}")
    _unchanged(outs)  # (and no temp file beside them)


def test_sigkill_leaves_a_temp_file_the_next_run_removes(claimkit, reference, outs, tmp_path,
                                                         fault) -> None:
    """What cannot be caught: the temp file stays (named .NAME.<pid>.*.tmp) and the finals do
    not change; the next run naming that output removes it and writes the set."""
    marker = tmp_path / "marker"
    proc = claimkit.start(*_args(reference, outs), pause="staged:2", marker=marker)
    rc, _, _ = fault.interrupt(proc, signal.SIGKILL, marker)
    assert rc == -signal.SIGKILL
    left = fault.temp_files(outs)
    assert len(left) == 2 and {n.split(".")[1] for n in left} == {"A", "R"}
    assert all(f".{proc.pid}." in n for n in left)
    assert {n: (outs / n).read_text() for n in OLD} == OLD
    res = claimkit.run(*_args(reference, outs))
    assert res.returncode == 0, res.stderr
    assert fault.temp_files(outs) == []
    assert (outs / "A.x12").read_text().startswith("ISA*")
    assert (outs / "R.json").read_text().startswith("{")


def test_a_signal_during_the_renames_waits_until_the_set_is_complete(claimkit, reference, outs,
                                                                     tmp_path, fault) -> None:
    """SIGTERM after the first rename is held back until the last: all new, never half."""
    marker = tmp_path / "marker"
    proc = claimkit.start(*_args(reference, outs), pause="renamed:1", marker=marker)
    fault.wait_for(marker, proc)
    proc.send_signal(signal.SIGTERM)
    (tmp_path / "marker.go").write_text("")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert fault.temp_files(outs) == []
    texts = {p.name: p.read_text() for p in outs.iterdir()}
    assert all(texts[n] != OLD[n] for n in OLD), texts


def _fsize(limit: int):
    def limit_writes() -> None:  # in the child: EFBIG instead of being killed by SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_writes


def test_disk_full_after_the_first_outputs_writes_none(claimkit, reference, outs, fault) -> None:
    """The accepted 837P (~1.6 kB) and rejects fit under the limit, the SARIF report (~180 kB)
    does not: the whole set fails and the two already staged are removed."""
    res = claimkit.run(*_args(reference, outs), preexec_fn=_fsize(100_000))
    assert res.returncode == 2, res.stderr
    fault.one_line_error(res.stderr, "--output", "report.sarif", "nothing written")
    _unchanged(outs)


def test_disk_full_in_build_writes_neither_output(claimkit, tmp_path, fault) -> None:
    out, rej = tmp_path / "claims.x12", tmp_path / "rejects.json"
    res = claimkit.run("build", "--demo", "-o", out, "--rejects", rej, preexec_fn=_fsize(4_000))
    assert res.returncode == 2, res.stderr
    fault.one_line_error(res.stderr, "--output", "claims.x12")
    assert not out.exists() and not rej.exists()
    assert fault.temp_files(tmp_path) == []
    assert "built" not in res.stderr
