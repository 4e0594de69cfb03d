"""`build` streams (issue 14): sessions are grouped on disk, built one patient-day at a time and
written one transaction set at a time. The oracle is the in-memory build (``claimkit.build``
without outputs, then ``claimkit.split`` and ``claimkit.export``): the streamed output is the
same bytes and the same findings, in the same order, whatever the input order; and the
command's peak memory does not grow with the number of sessions."""
from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

TODAY = dt.date(2026, 1, 5)
NOW = dt.datetime(2026, 1, 5, 9, 30)


def _sessions(demo_dir: Path, path: Path, n: int, *, seed: int = 7, bad: bool = True) -> Path:
    """``n`` sessions from the demo's records, three to a patient-day (so claims merge and the
    CMS rule pools minutes across claims), shuffled so a patient-day's sessions are far apart;
    with ``bad``, also an exact repeat, a session ID naming two sessions and a code without a
    fee (an error finding: that claim is rejected)."""
    demo = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()
            if line.strip()]
    recs = []
    for i in range(n):
        rec = json.loads(json.dumps(demo[i % len(demo)]))
        rec["session_id"] = f"T{i:06d}"
        rec["patient"]["id"] = f"Q{i // 3:06d}"
        rec["date_of_service"] = demo[(i // 3) * 3 % len(demo)]["date_of_service"]
        recs.append(rec)
    if bad:
        recs.append(json.loads(json.dumps(recs[4])))  # an exact repeat
        other = json.loads(json.dumps(recs[10]))
        other["session_id"] = recs[20]["session_id"]  # one ID, two different sessions
        recs.append(other)
        recs[30]["services"][0]["code"] = "97039"  # no fee in the demo practice
    random.Random(seed).shuffle(recs)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def _streamed(src: Path, out: Path, demo_dir: Path, **options):
    import claimkit
    from claimkit.outputs import OutputSet

    outs = OutputSet([src])
    outs.add("--output", out)
    if options.get("rejects"):
        outs.add("--rejects", out.with_suffix(".rejects.json"))
    return claimkit.build([src], settings=demo_dir / "claimkit.toml", today=TODAY, outputs=outs,
                          now=NOW, **options)


def _in_memory(src: Path, demo_dir: Path):
    import claimkit
    from claimkit.pipeline import make_batch

    outcome = claimkit.build([src], settings=demo_dir / "claimkit.toml", today=TODAY)
    parts = claimkit.split(outcome.claims, outcome.diagnostics)
    batch = make_batch(claimkit.load_settings(demo_dir / "claimkit.toml"), parts.accepted)
    return outcome, parts, batch


@pytest.mark.parametrize(("per_st", "chunk"), [(5000, 500), (7, 7), (7, 5), (7, 3)])
def test_streamed_build_is_the_in_memory_build(demo_dir, tmp_path, monkeypatch, per_st, chunk) -> None:
    """Shuffled input with repeats and a rejected claim, --clean-only: the same 837P bytes and
    the same findings in the same order as the in-memory build. With 7 claims to a transaction
    set and self-checks of 3, 5 or 7 claims, the self-check's chunks and the output's sets do not
    line up (a rejected claim shifts them too): each claim's HL numbers are renumbered into its
    set, and the output is still the in-memory writer's."""
    import claimkit
    import claimkit.pipeline
    import claimkit.x12.writer

    monkeypatch.setattr(claimkit.x12.writer, "MAX_CLAIMS_PER_ST", per_st)
    monkeypatch.setattr(claimkit.pipeline, "MAX_CLAIMS_PER_ST", per_st)
    monkeypatch.setattr(claimkit.pipeline, "CHECK_CHUNK", chunk)
    src = _sessions(demo_dir, tmp_path / "s.jsonl", 120)
    outcome, parts, batch = _in_memory(src, demo_dir)
    assert parts.rejected and len(parts.accepted) > 2 * 7  # the case is what it says
    run = _streamed(src, tmp_path / "out.x12", demo_dir, clean_only=True)
    assert run.status == "written" and run.blocked
    assert (run.accepted, run.rejected, run.sessions) == (len(parts.accepted), len(parts.rejected), 122)
    expected = claimkit.export(batch, to="x12", isa_control=1, now=NOW)
    assert (tmp_path / "out.x12").read_text() == expected
    assert run.diagnostics == outcome.diagnostics
    assert run.counts() == outcome.checked.counts()
    if per_st == 7:
        assert expected.count("ST*837*") == -(-len(parts.accepted) // 7)


def test_blocked_build_writes_nothing_and_rejects_report(demo_dir, tmp_path) -> None:
    """An error finding without --clean-only/--rejects: nothing written; with --rejects, the
    report lists the rejected claim as the in-memory split does."""
    from claimkit.splitting import rejects_report

    src = _sessions(demo_dir, tmp_path / "s.jsonl", 30)
    run = _streamed(src, tmp_path / "out.x12", demo_dir)
    assert run.status == "blocked" and not (tmp_path / "out.x12").exists()
    assert not list(tmp_path.glob(".out.x12.*"))  # no temp file left behind
    run = _streamed(src, tmp_path / "out.x12", demo_dir, rejects=True)
    assert run.status == "written"
    _, parts, _ = _in_memory(src, demo_dir)
    got = json.loads((tmp_path / "out.rejects.json").read_text())
    assert got["rejected"] == rejects_report(parts)["rejected"]
    assert got["summary"] == parts.summary


_RSS = ("import resource, sys\n"
        "import claimkit.x12.writer as w, claimkit.pipeline as p\n"
        "w.MAX_CLAIMS_PER_ST = p.MAX_CLAIMS_PER_ST = p.CHECK_CHUNK = 100\n"
        "from claimkit.cli.app import main\n"
        "sys.argv = ['claimkit', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (None, 0, 1), exc.code\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")


def _build_rss_mib(src: Path, out: Path, demo_dir: Path) -> float:
    res = subprocess.run([sys.executable, "-c", _RSS, "build", str(src), "--config",
                          str(demo_dir / "claimkit.toml"), "-q", "--clean-only", "--timestamp", "2026-01-05T09:30",
                          "-o", str(out)], capture_output=True, text=True,
                         cwd=out.parent)  # (not the checkout: the installed claimkit)
    assert res.returncode == 0, res.stderr
    return int(res.stdout.split()[-1]) / 1024


def test_build_peak_memory_does_not_grow_with_the_input(demo_dir, tmp_path) -> None:
    """Peak RSS of `claimkit build` on 400 and 2,400 shuffled sessions (a patient-day's sessions
    far apart): the in-memory build grew by about 40 KB per session (100 MB more here); the
    streamed one holds one pool and one transaction set (100 claims here) at a time."""
    small = _sessions(demo_dir, tmp_path / "small.jsonl", 400, bad=False)
    large = _sessions(demo_dir, tmp_path / "large.jsonl", 2400, bad=False)
    a = _build_rss_mib(small, tmp_path / "small.x12", demo_dir)
    b = _build_rss_mib(large, tmp_path / "large.x12", demo_dir)
    assert (tmp_path / "large.x12").read_text().count("ST*837*") >= 8
    assert b - a < 25, (a, b)


def test_progress_knows_the_total(demo_dir, tmp_path) -> None:
    """The build reports (sessions built, sessions in the input) as it goes: the total is known
    once the sessions are indexed, so the progress line can show a percentage."""
    src = _sessions(demo_dir, tmp_path / "s.jsonl", 60)
    seen: list[tuple[int, int]] = []
    _streamed(src, tmp_path / "out.x12", demo_dir, clean_only=True,
              progress=lambda done, total: seen.append((done, total)))
    assert seen and {t for _, t in seen} == {62}
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == 62
