"""`build -j N` and `build --scheduler ADDRESS` (issue 14): the pools are built and checked by
worker processes or on a real Dask cluster (distributed.LocalCluster, two worker processes),
and the client merges their results in pool order.

The oracle is the one-process build (`-j 1`, itself checked against the in-memory build in
test_build_stream.py): every output (837P, XML, JSON, the rejects report) byte for byte, the
findings on stderr line for line, the exit code, and through the API every finding with its
location, in order. The input is shuffled (a patient-day's sessions far apart), with many
patients, exact repeats, a repeated service row, a session ID given to two different sessions
in two patient-days (their claim IDs clash across batches: the client must build the later
batch again itself) and a code without a unit of time (an error finding: that claim is rejected).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

TODAY = dt.date(2026, 1, 5)
STAMP = "2026-01-05T09:30"


@pytest.fixture(scope="module")
def cluster(empty_codeset_store):
    """One cluster for the module (workers start after the codeset-store fixture, so they
    inherit its environment)."""
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=40)
    client = Client(lc)
    yield client
    client.close()
    lc.close()


def _sessions(demo_dir: Path, path: Path, n: int = 150, seed: int = 14) -> Path:
    demo = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()
            if line.strip()]
    recs = []
    for i in range(n):
        rec = json.loads(json.dumps(demo[i % len(demo)]))
        first = demo[(i // 3) * 3 % len(demo)]  # three sessions to a patient-day
        rec["session_id"] = f"T{i:06d}"
        rec["patient"]["id"] = f"Q{i // 3:06d}"
        rec["patient"]["birth_date"] = first["patient"]["birth_date"]
        rec["date_of_service"] = first["date_of_service"]
        recs.append(rec)
    recs.append(json.loads(json.dumps(recs[4])))  # an exact repeat
    recs[7]["services"].append(dict(recs[7]["services"][0]))  # a service row given twice
    recs[30]["services"][0]["code"] = "97039"  # no unit of time (CK-U002): rejected
    other = json.loads(json.dumps(recs[50]))  # the ID of another session, in a patient-day of
    other["session_id"] = recs[20]["session_id"]  # its own: both claims want CLM01 T000020
    other["patient"]["id"] = "Z000001"
    recs.append(other)
    random.Random(seed).shuffle(recs)
    # the two T000020 sessions far apart, so their pools fall in different batches
    a, b = (i for i, r in enumerate(recs) if r["session_id"] == "T000020")
    recs.insert(0, recs.pop(a))
    recs.append(recs.pop(b))
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


@pytest.fixture
def small_batches(monkeypatch):
    """Parallel from the first session, in batches of about 7 sessions (many batches in flight,
    claims of a batch in several self-checks); records each batch the client built again."""
    import claimkit.build_parallel as bp
    import claimkit.pipeline as pl

    monkeypatch.setattr(bp, "MIN_SESSIONS", 0)
    monkeypatch.setattr(bp, "BATCH_SESSIONS", 7)
    monkeypatch.setattr(pl, "CHECK_CHUNK", 3)
    rebuilt: list[list[str]] = []
    real = bp.settled

    def settled(batch, result, taken, here):
        ids = [c.claim_id for c in result.claims]
        if taken.any_of(ids):
            rebuilt.append([i for i in ids if i in taken])
        return real(batch, result, taken, here)

    monkeypatch.setattr(bp, "settled", settled)
    return rebuilt


def _cli(args: list[str], monkeypatch) -> tuple[int, str, str]:
    import claimkit.cli._common as common
    from claimkit.cli.app import app

    monkeypatch.setattr(common, "today", lambda: TODAY)  # (not freezegun: the Dask client needs a clock)
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.stdout, r.stderr


_CASES = {  # name: (options, exit code, files written)
    "clean": (["--clean-only"], 1, ["out"]),
    "rejects": (["--rejects", "{d}/rejects.json"], 1, ["out", "rejects.json"]),
    "xml": (["--clean-only", "--to", "xml"], 1, ["out"]),
    "json": (["--rejects", "{d}/rejects.json", "--to", "json"], 1, ["out", "rejects.json"]),
    "blocked": ([], 1, []),
}


def _runs(src: Path, demo_dir: Path, tmp_path: Path, mode: str, extra: list[str], monkeypatch) -> dict:
    out = {}
    for case, (options, _code, _files) in _CASES.items():
        d = tmp_path / mode / case
        d.mkdir(parents=True)
        code, stdout, stderr = _cli(
            ["build", str(src), "--config", str(demo_dir / "claimkit.toml"), "--timestamp", STAMP,
             "-v", "-o", str(d / "out"), *(o.format(d=d) for o in options), *extra], monkeypatch)
        files = {p.name: p.read_bytes() for p in sorted(d.iterdir())}
        # the file names differ by mode; the messages are the same otherwise
        out[case] = (code, stdout, stderr.replace(str(d), "D"), files)
    return out


def test_j2_and_a_cluster_write_what_j1_writes(cluster, demo_dir, tmp_path, monkeypatch,
                                               small_batches, pyx12_check) -> None:
    src = _sessions(demo_dir, tmp_path / "s.jsonl")
    j1 = _runs(src, demo_dir, tmp_path, "j1", ["-j", "1"], monkeypatch)
    assert not small_batches  # one process: nothing to check
    j2 = _runs(src, demo_dir, tmp_path, "j2", ["-j", "2"], monkeypatch)
    assert small_batches and all(ids == ["T000020"] for ids in small_batches), small_batches
    del small_batches[:]
    dask = _runs(src, demo_dir, tmp_path, "dask", ["--scheduler", cluster.scheduler.address], monkeypatch)
    assert small_batches and all(ids == ["T000020"] for ids in small_batches), small_batches
    for case, (_options, code, names) in _CASES.items():
        assert j1[case][0] == code, (case, j1[case][2])
        assert sorted(j1[case][3]) == sorted(names), case
        assert j2[case] == j1[case], case
        assert dask[case] == j1[case], case
    # the case is what it says: rejected claims, repeats, a claim ID taken by the first session
    stderr = j1["clean"][2]
    for rule in ("CK-U002", "CK-U008", "CK-U009", "CK-U010"):  # no unit, repeats, one ID twice
        assert f"error {rule}" in stderr, rule
    # the T000020 sessions: the first took the session ID as its CLM01, the later a hashed one
    assert "claim T000020 session_id: error CK-U009" in stderr
    assert re.search(r"claim CK[0-9A-F]{14} session_id: error CK-U009", stderr)
    report = json.loads(j1["rejects"][3]["rejects.json"])
    assert report["summary"]["rejected"] >= 1 and report["summary"]["accepted"] >= 40
    ok = tmp_path / "dask" / "clean" / "out"
    assert pyx12_check(ok) == (True, [])


def _api(src: Path, demo_dir: Path, out: Path, **kw):
    import claimkit
    from claimkit.outputs import OutputSet

    outs = OutputSet([src])
    outs.add("--output", out)
    run = claimkit.build([src], settings=demo_dir / "claimkit.toml", today=TODAY, outputs=outs,
                         now=dt.datetime(2026, 1, 5, 9, 30), clean_only=True, **kw)
    findings = [(d.rule, d.severity.value, d.message, d.location.to_dict(), d.fix, d.values)
                for d in run.diagnostics]
    return (run.status, run.accepted, run.rejected, run.unbuilt, run.sessions, run.counts(),
            run.info_counts, [(f.path, f.claims) for f in run.files], findings, out.read_bytes())


def test_api_findings_in_order(cluster, demo_dir, tmp_path, small_batches) -> None:
    """Every finding (info included) with its location, and the counts, as one process has them."""
    src = _sessions(demo_dir, tmp_path / "s.jsonl", n=90, seed=3)
    one = _api(src, demo_dir, tmp_path / "j1.x12", jobs=1)
    two = _api(src, demo_dir, tmp_path / "j2.x12", jobs=2)
    there = _api(src, demo_dir, tmp_path / "dask.x12", scheduler=cluster.scheduler.address)
    assert one[6] and one[3] == 0 and one[2] >= 1  # info findings, rejected claims
    assert two == one
    assert there == one


def test_unreachable_scheduler_or_missing_extra(demo_dir, tmp_path, monkeypatch) -> None:
    import sys

    src = _sessions(demo_dir, tmp_path / "s.jsonl", n=60)
    monkeypatch.setattr("claimkit.dask.cli.CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out.x12"
    args = ["build", str(src), "--config", str(demo_dir / "claimkit.toml"), "--clean-only", "-o", str(out)]
    code, stdout, stderr = _cli([*args, "--scheduler", "tcp://127.0.0.1:9"], monkeypatch)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "cannot reach the Dask scheduler" in stderr, stderr
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob(".out*"))
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    code, _stdout, stderr = _cli([*args, "--scheduler", "tcp://x:1"], monkeypatch)
    assert code == 2 and stderr.count("\n") == 1 and 'pip install "claimkit[dask]"' in stderr, stderr
    assert not list(tmp_path.glob("out*"))


def test_default_jobs_only_for_large_inputs(monkeypatch) -> None:
    """-j 0 means every CPU, as for validate, and a second process only pays from
    MIN_SESSIONS sessions; -j 1 is always this process only."""
    import claimkit.build_parallel as bp

    monkeypatch.setattr(bp, "cpu_count", lambda: 4)
    assert bp.workers_for(0, bp.MIN_SESSIONS) == 4
    assert bp.workers_for(0, bp.MIN_SESSIONS - 1) == 1
    assert bp.workers_for(2, bp.MIN_SESSIONS) == 2
    assert bp.workers_for(1, 10 * bp.MIN_SESSIONS) == 1
    assert bp.workers_for(2, 10, min_sessions=0) == 2


def test_batches_in_flight_are_bounded() -> None:
    """Flat memory: the client never has more than IN_FLIGHT batches per worker sent and not
    merged, and the results come back in batch order whatever order the workers finish in."""
    import claimkit.build_parallel as bp

    class Runner:
        warm_here, slots = False, 3

        def __init__(self) -> None:
            self.out: set[int] = set()
            self.most = 0
            self.closed = False

        def start(self) -> None:
            pass

        def submit(self, batch):
            self.out.add(batch.sessions)
            self.most = max(self.most, len(self.out))
            return batch.sessions

        def result(self, fut):
            self.out.discard(fut)
            return bp.BatchResult(fut)

        def close(self, pending) -> None:
            self.closed = True

    class Taken:
        def any_of(self, ids) -> bool:
            return False

        def add_all(self, ids) -> None:
            pass

    runner = Runner()
    work = (bp.Batch([], n, 3, False) for n in range(40))
    got = [r.sessions for r in bp.in_order(work, lambda b: pytest.fail("no clash"), runner, Taken())]
    assert got == list(range(40))
    assert runner.most == bp.IN_FLIGHT * runner.slots and runner.closed


_RSS = ("import resource, sys\n"
        "import claimkit.build_parallel as bp, claimkit.pipeline as p, claimkit.x12.writer as w\n"
        "bp.MIN_SESSIONS, bp.BATCH_SESSIONS = 0, 100\n"
        "w.MAX_CLAIMS_PER_ST = p.MAX_CLAIMS_PER_ST = p.CHECK_CHUNK = 100\n"
        "from claimkit.cli.app import main\n"
        "sys.argv = ['claimkit', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (None, 0, 1), exc.code\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def _rss_mib(src: Path, out: Path, demo_dir: Path) -> tuple[float, float]:
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _RSS, "build", str(src), "--config",
                          str(demo_dir / "claimkit.toml"), "-q", "--clean-only", "--timestamp", STAMP,
                          "-j", "2", "-o", str(out)], capture_output=True, text=True,
                         cwd=out.parent)  # (not the checkout: the installed claimkit)
    assert res.returncode == 0, res.stderr
    client, worker = (int(v) / 1024 for v in res.stdout.split()[-2:])
    return client, worker


def test_parallel_build_memory_does_not_grow_with_the_input(demo_dir, tmp_path) -> None:
    """-j 2 on 400 and 2,400 shuffled sessions: neither the client (which holds the batches in
    flight) nor the largest worker process grows with the input."""
    small = _sessions(demo_dir, tmp_path / "small.jsonl", n=400)
    large = _sessions(demo_dir, tmp_path / "large.jsonl", n=2400)
    a = _rss_mib(small, tmp_path / "small.x12", demo_dir)
    b = _rss_mib(large, tmp_path / "large.x12", demo_dir)
    assert (tmp_path / "large.x12").read_text().count("ST*837*") >= 8
    assert b[0] - a[0] < 25, (a, b)
    assert b[1] - a[1] < 25, (a, b)
