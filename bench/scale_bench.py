"""Scale figures of issue 14, each with its baseline in the same run.

(a) Peak RSS of ``claimkit build``, ``claimkit validate --accepted --rejects --ack 999``,
    ``claimkit parse`` and ``claimkit export`` at two input
    sizes: each command runs in a child process of a small Python shim that prints
    ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after waiting for it, so every figure is
    one command's own peak (the shim's children are only that command).
(b) ``build`` throughput (sessions/s, whole command) against a raw read+format pass over the same
    sessions in a child process of its own: read each JSON line, format one X12-like segment
    per session and write it out, with none of the builder's work. The ratio says what the
    builder costs over just touching the data.
(c) ``validate`` of an 837P with a single transaction set against pyx12 on the same file, both
    here (claimkit as ``claimkit validate FILE -f json`` does it, with default options, and
    with ``-j 1``: what splitting the transaction set between processes gains).

    python bench/scale_bench.py                                  # quick: 2k/8k, validate 2k
    python bench/scale_bench.py --sizes 10000 100000 --validate-claims 10000
    python bench/scale_bench.py --only rss --sizes 10000 100000 1000000
    python bench/scale_bench.py --only build --sizes 1000000           # build alone (~10 min)

Sessions go to JSON Lines files of at most ``PER_FILE`` sessions (a session file may hold
200 MB: claimkit.limits), all given to one ``claimkit build``.

Measured 2026-12-03 on the shared 2-core machine (1-minute load 2-5 from other work), streaming
build (flat memory): 10,000 sessions 14.0 s, 714/s, 148 MiB; 100,000 sessions 323 s, 310/s,
152 MiB; 1,000,000 sessions (--only build) 1,825 s, 548/s, 162 MiB. Parse/export 100,000
claims: 72 MiB / 98 MiB (export's claims JSON at 1M would exceed the 200 MB input limit).

The inputs are synthetic (the demo practice's sessions with fresh IDs; bench/gen837.py claims).
Timings on a shared machine drift: quote them with the load they were measured under.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen837  # noqa: E402  (the generator beside this script)

TIMESTAMP = "2026-01-05T09:30"
# Runs ARGV as a child and prints its peak RSS (KiB on Linux) and wall seconds on the last line.
_SHIM = ("import resource, subprocess, sys, time\n"
         "t = time.perf_counter()\n"
         "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t, rc)\n")


def measured(argv: list[str]) -> tuple[float, float, int]:
    """(peak RSS MiB, wall s, exit code) of running ``argv`` as one child process."""
    out = subprocess.run([sys.executable, "-c", _SHIM, *argv], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]) / 1024, float(out[1]), int(out[2])


def claimkit(*args: str) -> list[str]:
    """The installed ``claimkit`` command (the console script beside this Python)."""
    script = Path(sys.executable).with_name("claimkit")
    return [str(script) if script.exists() else "claimkit", *args]


PER_FILE = 200_000  # sessions per file: about 110 MB, under the 200 MB limit of one session file


def sessions(n: int, path: Path, start: int = 0) -> None:
    """N sessions: the demo practice's records, cycled, each with its own session and patient
    (so claims do not merge and the practice's payers and fees apply); IDs from ``start``."""
    from claimkit._resources import data_path

    demo = [json.loads(line) for line in
            data_path("fixtures", "demo", "sessions.jsonl").read_text().splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            rec = dict(demo[i % len(demo)])
            rec["session_id"] = f"S{i:08d}"
            rec["patient"] = {**rec["patient"], "id": f"P{i:08d}"}
            fh.write(json.dumps(rec) + "\n")


def session_files(n: int, tmp: Path) -> list[Path]:
    """N sessions in files of at most PER_FILE sessions each."""
    out = []
    for k, start in enumerate(range(0, n, PER_FILE)):
        path = tmp / f"s{n}-{k}.jsonl"
        sessions(min(PER_FILE, n - start), path, start)
        out.append(path)
    return out


def baseline(out: str, *sources: str) -> None:
    """The raw read+format pass: what any tool reading these sessions and writing X12 text must
    at least do (parse each line, format a segment, write it)."""
    with open(out, "w", encoding="ascii", newline="") as w:
        for line in (line for src in sources for line in open(src, encoding="utf-8")):
            rec = json.loads(line)
            p = rec.get("patient", {})
            w.write(f"CLM*{rec.get('session_id', '')}*{rec.get('minutes', '')}***11:B:1*Y*A*Y*Y~\n"
                    f"NM1*IL*1*{p.get('last_name', '')}*{p.get('first_name', '')}****MI*"
                    f"{p.get('member_id', '')}~\n")


def _config() -> str:
    from claimkit._resources import data_path

    return str(data_path("fixtures", "demo", "claimkit.toml"))


def run_rss_and_build(sizes: list[int], tmp: Path, build_only: bool = False) -> None:
    jobs = os.environ.get("BENCH_BUILD_JOBS")  # e.g. BENCH_BUILD_JOBS=1: build's -j (default: its own)
    for n in sizes:
        srcs, x12 = session_files(n, tmp), tmp / f"b{n}.x12"
        rss, wall, rc = measured(claimkit("build", *map(str, srcs), "--config", _config(),
                                          "--timestamp", TIMESTAMP, "-q", "-o", str(x12),
                                          *(["-j", jobs] if jobs else [])))
        b_rss, b_wall, _ = measured([sys.executable, __file__, "--baseline", str(tmp / "raw.txt"),
                                     *map(str, srcs)])
        print(f"build {n:>9,} sessions{f' -j {jobs}' if jobs else ''}: {wall:7.2f} s, {n / wall:8,.0f} sessions/s, "
              "peak RSS "
              f"{rss:6.0f} MiB (exit {rc}) | raw read+format baseline {b_wall:6.2f} s, "
              f"{n / b_wall:9,.0f} sessions/s, {b_rss:5.0f} MiB | build/baseline time "
              f"{wall / b_wall:5.1f}x", flush=True)
        for p in (*srcs, x12, tmp / "raw.txt"):
            p.unlink(missing_ok=True)
        if build_only:
            continue
        claims = tmp / f"c{n}.x12"
        with open(claims, "w", encoding="ascii", newline="") as fh:
            gen837.write(fh, n)
        outs = [tmp / f"t{n}.{x}" for x in ("accepted.x12", "rejects.json", "999.x12")]
        rss, wall, rc = measured(claimkit("validate", str(claims), "--accepted", str(outs[0]), "--rejects",
                                          str(outs[1]), "--ack", "999", "-o", str(outs[2]), "-q"))
        print(f"triage {n:>9,} claims:   {wall:7.2f} s, {n / wall:8,.0f} claims/s,   peak RSS "
              f"{rss:6.0f} MiB (exit {rc}), validate --accepted --rejects --ack 999", flush=True)
        for p in outs:
            p.unlink(missing_ok=True)
        js = tmp / f"c{n}.json"
        rss, wall, rc = measured(claimkit("parse", str(claims), "-q", "-o", str(js)))
        print(f"parse  {n:>9,} claims:   {wall:7.2f} s, {n / wall:8,.0f} claims/s,   peak RSS "
              f"{rss:6.0f} MiB (exit {rc}), input {claims.stat().st_size / 2**20:.1f} MiB", flush=True)
        rss, wall, rc = measured(claimkit("export", str(js), "--to", "x12", "--timestamp",
                                          TIMESTAMP, "-q", "-o", str(tmp / f"e{n}.x12")))
        print(f"export {n:>9,} claims:   {wall:7.2f} s, {n / wall:8,.0f} claims/s,   peak RSS "
              f"{rss:6.0f} MiB (exit {rc}), input {js.stat().st_size / 2**20:.1f} MiB")
        for p in (claims, js, tmp / f"e{n}.x12"):
            p.unlink(missing_ok=True)


def run_validate(claims: int, tmp: Path) -> None:
    import validate_bench

    path = tmp / f"single-{claims}.x12"
    with open(path, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, claims, per_st=max(claims, 1))  # one transaction set holding every claim
    from claimkit.validation.parallel import plan

    print(f"validate {claims:,} claims in one transaction set "
          f"({path.stat().st_size / 2**20:.1f} MiB; -j 0 plans {plan(path, 0)} process(es)):")
    t_ck, c_ck, counts, n = validate_bench.run_claimkit(str(path), True, 0)
    print(f"  claimkit (default options): {t_ck:7.2f} s wall {c_ck:7.2f} s CPU, {n} claims, "
          f"{sum(counts.values())} findings")
    t_one, c_one, _, _ = validate_bench.run_claimkit(str(path), True, 1)
    print(f"  claimkit -j 1:              {t_one:7.2f} s wall {c_one:7.2f} s CPU (one process)")
    t_px, c_px, ok = validate_bench.run_pyx12(str(path))
    print(f"  pyx12:                      {t_px:7.2f} s wall {c_px:7.2f} s CPU, accepted={ok}")
    print(f"  ratio: claimkit {t_px / t_ck:.1f}x faster in wall time, {c_px / c_ck:.1f}x in CPU "
          f"(-j 1: {t_px / t_one:.1f}x wall)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000],
                    help="sessions to build and claims to parse/export (two or more sizes)")
    ap.add_argument("--validate-claims", type=int, default=2000)
    ap.add_argument("--only", choices=["rss", "build", "validate"],
                    help="one part only (build: the build figures of rss alone)")
    ap.add_argument("--baseline", nargs="+", metavar="OUT SRC", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.baseline:
        baseline(*a.baseline)
        return 0
    try:
        load = os.getloadavg()[0]
        print(f"(CPUs: {os.cpu_count()}, 1-minute load average {load:.1f}: a loaded machine "
              f"slows every figure; the ratios are measured side by side)")
    except OSError:
        pass
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        if a.only in (None, "rss", "build"):
            run_rss_and_build(a.sizes, tmp, build_only=a.only == "build")
        if a.only in (None, "validate"):
            run_validate(a.validate_claims, tmp)
        print(f"(benchmark took {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
