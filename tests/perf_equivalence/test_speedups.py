"""What the validation speed-ups of issue 14 rely on, checked so they cannot silently go wrong.

* Parallel workers run without the cyclic garbage collector (claimkit.validation.parallel):
  safe only while a scan makes no reference cycles, or a worker's memory would grow with the
  file. Checked here on generated files (clean, and with defects in many segments): with the
  collector off, validating leaves nothing for it to find.
* CachedRegistry binds the wrapped registry's methods on first use (rules ask
  ``reg.policy(...)`` for every claim): the bound method must be the registry's own, data
  attributes must still be read through, and a missing attribute must still be missing.
* Default options (split between processes) report what ``-j 1`` reports, byte for byte.
"""
from __future__ import annotations

import datetime as dt
import gc
import json
from pathlib import Path

import pytest

from claimkit.diagnostics import Severity
from claimkit.report import renderer
from claimkit.rules.content_support import CachedRegistry
from claimkit.validation import validate_paths
from claimkit.validation.parallel import _fork_context

TODAY = dt.date(2024, 6, 5)


def _write(gen837, path: Path, claims: int, per_st: int, edit=None) -> Path:
    segs = list(gen837.segments(claims, per_st=per_st, dependents=4))
    if edit is not None:
        segs = edit(segs)
    path.write_text("".join(s + "~\n" for s in segs), encoding="ascii", newline="")
    return path


def _defects(segs: list[str]) -> list[str]:
    """Every 7th DTP date impossible, every 11th NM1*IL name empty, every 13th SV1 unit
    count a word: findings in many claims (element rules, content rules)."""
    out = []
    for i, s in enumerate(segs):
        if s.startswith("DTP*472") and i % 7 == 0:
            s = "DTP*472*D8*20240231"
        elif s.startswith("NM1*IL") and i % 11 == 0:
            parts = s.split("*")
            parts[3] = ""
            s = "*".join(parts)
        elif s.startswith("SV1") and i % 13 == 0:
            parts = s.split("*")
            parts[4] = "X"
            s = "*".join(parts)
        out.append(s)
    return out


@pytest.mark.parametrize("defects", [False, True])
def test_validation_leaves_no_reference_cycles(gen837, tmp_path, defects):
    path = _write(gen837, tmp_path / "c.x12", 300, 120, _defects if defects else None)
    validate_paths([path], today=TODAY, jobs=1)  # load what is loaded once (code sets, rules)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        result = validate_paths([path], today=TODAY, jobs=1, keep_claims=True)
        assert result.claim_count == 300
        rules = {d.rule for d in result.diagnostics}
        assert {"CK-X006", "CK-X018", "CK-T001"} <= rules if defects else "CK-X006" not in rules
        del result
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


class _Reg:
    def __init__(self) -> None:
        self.version = 1

    def policy(self, system: str, code: str, on: dt.date, kind: str = "") -> list:
        return [(system, code, on, kind)]


def test_cached_registry_binds_methods_and_reads_data_through():
    reg = _Reg()
    cached = CachedRegistry(reg)
    assert cached.policy("s", "c", TODAY) == [("s", "c", TODAY, "")]
    assert cached.policy.__self__ is reg  # the registry's own method, bound once
    assert "policy" in vars(cached)
    reg.version = 2
    assert cached.version == 2  # data: read through every time
    assert "version" not in vars(cached)
    assert not hasattr(cached, "policy_codes")  # still missing when the registry has none


@pytest.mark.skipif(_fork_context() is None, reason="parallel validation needs fork")
@pytest.mark.parametrize("defects", [False, True])
def test_default_options_report_what_one_process_reports(gen837, tmp_path, monkeypatch, defects):
    import claimkit.validation.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)  # split even this small file
    path = _write(gen837, tmp_path / "one-set.x12", 400, 400, _defects if defects else None)
    assert parallel.plan(path, 2) == 2
    out = {}
    for jobs in (1, 2):
        result = validate_paths([path], today=TODAY, jobs=jobs)
        out[jobs] = renderer("json")(result, show_phi=False, fail_on=Severity.ERROR)
    assert out[1] == out[2]
    assert json.loads(out[1])  # (a real report, not an empty string)
