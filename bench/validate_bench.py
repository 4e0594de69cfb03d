"""Validation speed: claimkit vs pyx12 on the same generated 837P, in one invocation.

claimkit runs what ``claimkit validate FILE --format json`` runs (``validate_paths`` with every
rule enabled: SNIP 1-2 while streaming, then the content rules on each claim, then the JSON
report), with the bundled codesets; ``--no-content`` keeps only the CK-X/CK-G families. pyx12 runs through its Python API (``x12n_document`` with
a 999 written to memory), the way its own x12valid script does.

    python bench/validate_bench.py --claims 10000
    python bench/validate_bench.py --claims 100000 --no-pyx12    # pyx12 would take minutes
    python bench/validate_bench.py --file some.x12

Prints both wall times, the ratio, and claimkit's peak traced memory (a second pass under
tracemalloc, so the timing pass is not slowed by tracing) and the process's max RSS. CPU
time is printed beside wall time: on a busy machine it is the fairer comparison.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen837  # noqa: E402  (the generator beside this script)

from claimkit.diagnostics import Severity  # noqa: E402

TODAY = dt.date(2024, 6, 5)  # the generated claims are dated 2024-04-01..2024-05-30


def run_claimkit(path: str, with_content: bool = True) -> tuple[float, float, Counter, int]:
    """What ``claimkit validate FILE --format json`` does: every enabled rule, JSON report."""
    from claimkit.report import renderer
    from claimkit.rules.engine import Selection
    from claimkit.validate import validate_paths

    # x12-only: select the CK-X and CK-G families (the scan's own SNIP 1-2 rules).
    sel = Selection() if with_content else Selection(select=frozenset({"CK-X", "CK-G"}))
    t0, c0 = time.perf_counter(), time.process_time()
    result = validate_paths([path], today=TODAY, selection=sel)
    renderer("json")(result, show_phi=False, fail_on=Severity.ERROR)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    counts = Counter(d.rule for d in result.diagnostics)
    return wall, cpu, counts, result.claim_count


def run_pyx12(path: str) -> tuple[float, float, bool]:
    import pyx12.params
    import pyx12.x12n_document

    logging.disable(logging.CRITICAL)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), path, io.StringIO(), None)
        return time.perf_counter() - t0, time.process_time() - c0, bool(ok)
    finally:
        logging.disable(logging.NOTSET)


def peak_memory(path: str, with_content: bool) -> int:
    tracemalloc.start()
    try:
        run_claimkit(path, with_content)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=10000)
    ap.add_argument("--file", help="validate this file instead of generating one")
    ap.add_argument("--no-pyx12", action="store_true", help="time claimkit only")
    ap.add_argument("--no-content", action="store_true", help="x12 rules only")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run claimkit this many times and keep the fastest (noisy machines)")
    a = ap.parse_args(argv)

    tmp = None
    path = a.file
    if path is None:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".x12", delete=False, encoding="ascii",
                                          newline="")
        with tmp:
            gen837.write(tmp, a.claims)
        path = tmp.name
    try:
        size = os.path.getsize(path)
        print(f"input: {path} ({size / 1e6:.1f} MB)")
        runs = [run_claimkit(path, not a.no_content) for _ in range(max(1, a.repeat))]
        t_ck, c_ck, counts, claims = min(runs, key=lambda r: r[1])
        print(f"claimkit: {t_ck:8.2f} s wall {c_ck:8.2f} s CPU  {claims} claims, "
              f"{sum(counts.values())} findings {dict(counts.most_common(5)) or ''}")
        if not a.no_memory:
            peak = peak_memory(path, not a.no_content)
            print(f"claimkit peak traced memory: {peak / 1e6:.1f} MB")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"process max RSS so far: {rss:.0f} MB")
        if not a.no_pyx12:
            t_px, c_px, ok = run_pyx12(path)
            print(f"pyx12:    {t_px:8.2f} s wall {c_px:8.2f} s CPU  accepted={ok}")
            print(f"ratio:    claimkit is {t_px / t_ck:.1f}x faster than pyx12 "
                  f"({c_px / c_ck:.1f}x in CPU time)")
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
