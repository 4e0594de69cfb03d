"""Benchmark: build and export N synthetic sessions; prints sessions/s and peak memory.

Usage: python bench/build_bench.py --sessions 10000 [--sessions 100000]
The baseline in the same run is loading + validating the same sessions alone (pydantic), so the
ratio says what the builder and writer add on top of reading the input.
"""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

from claimkit._resources import data_path
from claimkit.builder import build_claims
from claimkit.codesets import default_registry
from claimkit.config import load_practice
from claimkit.loaders import load_sessions
from claimkit.pipeline import make_batch
from claimkit.x12.writer import write_837


def synth(n: int, path: Path) -> None:
    demo = [json.loads(line) for line in data_path("fixtures", "demo", "sessions.jsonl").read_text().splitlines()]
    with open(path, "w") as fh:
        for i in range(n):
            rec = dict(demo[i % len(demo)])
            rec["session_id"] = f"B{i:07d}"
            rec["patient"] = {**rec["patient"], "id": f"Q{i:07d}"}
            fh.write(json.dumps(rec) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, action="append", default=None)
    ap.add_argument("--trace-memory", action="store_true", help="tracemalloc peak (slower)")
    args = ap.parse_args()
    practice = load_practice(data_path("fixtures", "demo", "claimkit.toml"))
    registry = default_registry()
    for n in args.sessions or [10000]:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "s.jsonl"
            synth(n, src)
            t0 = time.perf_counter()
            loaded = load_sessions(src)
            t_load = time.perf_counter() - t0
            if args.trace_memory:
                tracemalloc.start()
            t1 = time.perf_counter()
            res = build_claims(loaded, practice, registry)
            text = write_837(make_batch(practice, res.claims), isa_control=1, gs_control=1,
                             now=datetime(2026, 1, 5, 9, 30))
            t_build = time.perf_counter() - t1
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.trace_memory else None
            tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{n} sessions: load+validate {t_load:.2f}s (baseline), build+export {t_build:.2f}s "
                  f"-> {n / (t_load + t_build):,.0f} sessions/s end to end, "
                  f"{n / t_build:,.0f} sessions/s build+export; ratio build/load {t_build / t_load:.2f}; "
                  f"{len(res.claims)} claims, {len(text) / 2**20:.1f} MiB X12; peak RSS {rss:.0f} MiB"
                  + (f", traced peak {peak:.0f} MiB" if peak else ""))


if __name__ == "__main__":
    main()
