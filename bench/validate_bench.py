"""Validation speed: claimkit vs pyx12 on the same generated 837P, in one invocation.

claimkit runs what ``claimkit validate FILE --format json`` runs (``validate_paths`` with every
rule enabled: SNIP 1-2 while streaming, then the content rules on each claim, then the JSON
report), with the bundled codesets; ``--no-content`` keeps only the CK-X/CK-G families. It runs
twice: in one process (``-j 1``) and, when the file is large enough, split into one share per
CPU (whole transaction sets, or parts of one cut at its subscriber loops) as ``claimkit
validate`` does by default. pyx12 runs through its Python
API (``x12n_document`` with a 999 written to memory), the way its own x12valid script does.

    python bench/validate_bench.py --claims 10000
    python bench/validate_bench.py --claims 100000 --no-pyx12    # pyx12 would take minutes
    python bench/validate_bench.py --claims 10000 --per-st 10000  # one transaction set
    python bench/validate_bench.py --file some.x12
    python bench/validate_bench.py --repeat 5 --pyx12-repeat 3   # noisy machines: best of N each
    python bench/validate_bench.py --repeat 3 --rounds 3          # ... and rounds side by side

Prints wall and CPU time (CPU includes the worker processes) for each run and the ratios to
pyx12, claimkit's peak traced memory (a separate one-process pass under tracemalloc, so the
timed passes are not slowed by tracing) and the process's max RSS. On a busy machine CPU time
is the fairer comparison; wall time is what a user waits. ``--repeat``/``--pyx12-repeat`` keep
each tool's fastest run, so that both sides are measured with the same estimator (the minimum
is the run least disturbed by other load). ``--rounds N`` measures both tools N times in turn
and prints each round's ratios and their median: a ratio of two runs made minutes apart on a
machine whose speed drifts says more about the drift than about the tools.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen837  # noqa: E402  (the generator beside this script)

from claimkit.diagnostics import Severity  # noqa: E402

TODAY = dt.date(2024, 6, 5)  # the generated claims are dated 2024-04-01..2024-05-30


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_claimkit(path: str, with_content: bool = True, jobs: int = 1
                 ) -> tuple[float, float, Counter, int]:
    """What ``claimkit validate FILE --format json -j JOBS`` does: every enabled rule, JSON
    report. Returns (wall s, CPU s incl. worker processes, findings by rule, claims)."""
    from claimkit.report import renderer
    from claimkit.rules.engine import Selection
    from claimkit.validation import validate_paths

    # x12-only: select the CK-X and CK-G families (the scan's own SNIP 1-2 rules).
    sel = Selection() if with_content else Selection(select=frozenset({"CK-X", "CK-G"}))
    t0, c0 = time.perf_counter(), _cpu()
    result = validate_paths([path], today=TODAY, selection=sel, jobs=jobs)
    renderer("json")(result, show_phi=False, fail_on=Severity.ERROR)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    counts = Counter(d.rule for d in result.diagnostics)
    return wall, cpu, counts, result.claim_count


def run_pyx12(path: str) -> tuple[float, float, bool]:
    t0, c0 = time.perf_counter(), time.process_time()
    ok = gen837.pyx12_validate(path)
    return time.perf_counter() - t0, time.process_time() - c0, ok


def peak_memory(path: str, with_content: bool) -> int:
    tracemalloc.start()
    try:
        run_claimkit(path, with_content)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(path: str, a: argparse.Namespace, modes: list[tuple[str, int]]
            ) -> dict[str, tuple[float, float]]:
    """One round: claimkit in each mode, then pyx12. Prints the times; returns the ratios
    {mode: (wall, CPU)} (empty with --no-pyx12)."""
    timed = {}
    for label, jobs in modes:
        runs = [run_claimkit(path, not a.no_content, jobs) for _ in range(max(1, a.repeat))]
        t_ck, c_ck, counts, claims = min(runs, key=lambda r: r[0])
        timed[label] = (t_ck, c_ck)
        spread = f" (runs: {', '.join(f'{r[0]:.2f}' for r in runs)} s)" if len(runs) > 1 else ""
        print(f"claimkit ({label}): {t_ck:6.2f} s wall {c_ck:6.2f} s CPU  {claims} claims, "
              f"{sum(counts.values())} findings {dict(counts.most_common(5)) or ''}{spread}")
    if a.no_pyx12:
        return {}
    px = [run_pyx12(path) for _ in range(max(1, a.pyx12_repeat))]
    t_px, c_px, ok = min(px, key=lambda r: r[0])
    spread = f" (runs: {', '.join(f'{r[0]:.1f}' for r in px)} s)" if len(px) > 1 else ""
    print(f"pyx12:    {t_px:8.2f} s wall {c_px:8.2f} s CPU  accepted={ok}{spread}")
    ratios = {}
    for label, (t_ck, c_ck) in timed.items():
        ratios[label] = (t_px / t_ck, c_px / c_ck)
        print(f"ratio ({label}): claimkit is {t_px / t_ck:.1f}x faster than pyx12 in "
              f"wall time, {c_px / c_ck:.1f}x in CPU time")
    return ratios


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=10000)
    ap.add_argument("--file", help="validate this file instead of generating one")
    ap.add_argument("--no-pyx12", action="store_true", help="time claimkit only")
    ap.add_argument("--no-content", action="store_true", help="x12 rules only")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run claimkit this many times and keep the fastest (noisy machines)")
    ap.add_argument("--pyx12-repeat", type=int, default=1,
                    help="run pyx12 this many times and keep the fastest (as --repeat)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure claimkit then pyx12 this many times in turn; median ratios")
    ap.add_argument("-j", "--jobs", type=int, default=0,
                    help="processes for the parallel run, as `claimkit validate -j` (0: one per CPU)")
    ap.add_argument("--per-st", type=int, default=None,
                    help="claims per transaction set of the generated file (default 5,000)")
    a = ap.parse_args(argv)

    with gen837.input_file(a.file, a.claims, a.per_st) as path:
        size = os.path.getsize(path)
        print(f"input: {path} ({size / 1e6:.1f} MB)")
        from claimkit.validation.parallel import cpu_count, plan

        workers = plan(Path(path), a.jobs)
        modes = [("1 process", 1)] + ([(f"{workers} procs", workers)] if workers > 1 else [])
        print(f"(CPUs available: {cpu_count()}; -j {a.jobs} plans {workers} worker(s) for this file)")
        rounds: list[dict[str, tuple[float, float]]] = []
        for n in range(max(1, a.rounds)):
            if a.rounds > 1:
                print(f"-- round {n + 1} of {a.rounds}")
            rounds.append(measure(path, a, modes))
        if len(rounds) > 1 and rounds[0]:
            for label, _ in modes:
                wall = statistics.median(r[label][0] for r in rounds)
                cpu = statistics.median(r[label][1] for r in rounds)
                print(f"median ratio over {len(rounds)} rounds ({label}): {wall:.1f}x in wall time, "
                      f"{cpu:.1f}x in CPU time")
        if not a.no_memory:
            peak = peak_memory(path, not a.no_content)
            print(f"claimkit peak traced memory (1 process): {peak / 1e6:.1f} MB")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"max RSS so far: this process {rss:.0f} MB, largest worker {kids:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
