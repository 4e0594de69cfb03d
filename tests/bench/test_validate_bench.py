"""The benchmark script runs end to end on a small generated file: pyx12 accepts the file,
claimkit finds nothing in it (so every rule does its full work, as on a clean production file),
and the ratio line is printed."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "validate_bench.py"


def test_the_benchmark_compares_claimkit_with_pyx12_on_a_clean_file(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("validate_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--claims", "40", "--no-memory", "--repeat", "2", "--rounds", "2",
                       "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"claimkit \(1 process\): +[\d.]+ s wall .* 40 claims, 0 findings", out), out
    assert re.search(r"pyx12: .* accepted=True", out), out
    assert len(re.findall(r"ratio \(1 process\): claimkit is [\d.]+x faster than pyx12", out)) == 2
    assert re.search(r"median ratio over 2 rounds \(1 process\): [\d.]+x in wall time", out), out
