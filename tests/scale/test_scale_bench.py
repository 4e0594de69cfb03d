"""bench/scale_bench.py runs end to end on tiny inputs and prints each figure with its
baseline: peak RSS per command at two sizes, build against the raw read+format pass, validate
against pyx12 on a single-transaction-set file."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scale_bench.py"


def test_the_scale_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("scale_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--sizes", "20", "40", "--validate-claims", "30"]) == 0
    out = capsys.readouterr().out
    for n in ("20", "40"):
        assert re.search(rf"build +{n} sessions: .* peak RSS +\d+ MiB \(exit 0\) \| raw "
                         r"read\+format baseline .* build/baseline time +[\d.]+x", out), out
        assert re.search(rf"parse +{n} claims: .* peak RSS +\d+ MiB \(exit 0\)", out), out
        assert re.search(rf"export +{n} claims: .* peak RSS +\d+ MiB \(exit 0\)", out), out
    assert "validate 30 claims in one transaction set" in out
    assert re.search(r"claimkit \(default options\): .* 30 claims, 0 findings", out), out
    assert re.search(r"pyx12: .* accepted=True", out), out
    assert re.search(r"ratio: claimkit [\d.]+x faster in wall time", out), out
