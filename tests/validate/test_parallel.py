"""Validating one 837P in several processes reports exactly what one process reports.

The oracle is the single-process run on the same file: same findings in the same order, same
claims, same per-transaction-set counts for the 999. The file has several transaction sets and
groups, defects inside claims, at the set level and in the envelope.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

TODAY = dt.date(2024, 6, 5)


def _defective(gen837, claims: int, per_st: int) -> str:
    """A generated file with one defect of each kind spread over several transaction sets."""
    segs = list(gen837.segments(claims, per_st=per_st))
    clm = [i for i, s in enumerate(segs) if s.startswith("CLM*")]
    sv1 = [i for i, s in enumerate(segs) if s.startswith("SV1*")]
    hi = [i for i, s in enumerate(segs) if s.startswith("HI*")]
    st = [i for i, s in enumerate(segs) if s.startswith("ST*")]
    parts = segs[clm[3]].split("*")
    parts[2] = "1"
    segs[clm[3]] = "*".join(parts)                                     # total does not balance
    k = len(sv1) // 3
    segs[sv1[k]] = segs[sv1[k]].rsplit("*", 1)[0] + "*5"               # pointer past the list
    k = len(hi) * 7 // 12
    segs[hi[k]] = segs[hi[k]].replace("ABK:", "ABK:M54.", 1)            # a dot in the code
    k = len(hi) * 3 // 4
    segs[hi[k]] = segs[hi[k]].split("*")[0] + "*ABK:M545"               # a header in 2024
    segs[st[2] + 7] = segs[st[2] + 7].replace("1234567893", "1234567890")  # bad NPI check digit
    se = [i for i, s in enumerate(segs) if s.startswith("SE*")]
    del segs[se[3]]                                                    # a missing SE
    ge = next(i for i, s in enumerate(segs) if s.startswith("GE*"))
    segs[ge] = "GE*99*101"                                             # wrong set count
    return "".join(s + "~\n" for s in segs)


def _dump(result) -> tuple:
    findings = [(d.rule, d.severity.value, d.message, d.location.to_dict(), d.fix, d.values)
                for d in result.diagnostics]
    files = [(f.path, f.kind, f.claims, f.claim_ids) for f in result.files]
    sets = [[(t.st_control, t.start_index, t.segment_count, t.closed, t.findings, t.errors)
             for g in ix.groups for t in g.transactions]
            for f in result.files for ix in f.interchanges]
    return findings, files, sets


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_run_reports_what_one_process_reports(gen837, tmp_path, monkeypatch, registry,
                                                        jobs) -> None:
    from claimkit.validation import parallel, validate_paths

    path = tmp_path / "batch.x12"
    path.write_text(_defective(gen837, 120, 15), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    assert parallel.plan(path, jobs) == jobs
    one = validate_paths([path], registry=registry, today=TODAY, jobs=1)
    many = validate_paths([path], registry=registry, today=TODAY, jobs=jobs)
    rules = {d.rule for d in one.diagnostics}
    assert {"CK-B001", "CK-D001", "CK-C001", "CK-C002", "CK-G010", "CK-X012"} <= rules, rules
    assert one.claim_count == 120
    assert _dump(many) == _dump(one)


def test_plan_keeps_small_files_in_one_process_and_splits_large_ones(gen837, tmp_path,
                                                                    monkeypatch) -> None:
    from claimkit.validation import parallel

    one_set = tmp_path / "one.x12"
    with open(one_set, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, 50)
    assert parallel.plan(one_set, 4) == 1  # under MIN_BYTES
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    assert parallel.plan(one_set, 4) == 4  # one transaction set: split at its subscribers
    assert parallel.plan(one_set, 1) == 1
    many = tmp_path / "many.x12"
    many.write_text(_defective(gen837, 60, 10), encoding="ascii", newline="")
    assert parallel.plan(many, 4) == 4
    assert parallel.plan(many, 99) == 60  # never more workers than subscribers


def test_auto_jobs_use_every_cpu(gen837, tmp_path, monkeypatch) -> None:
    from claimkit.validation import parallel

    many = tmp_path / "many.x12"
    many.write_text(_defective(gen837, 60, 10), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 4)
    assert parallel.plan(many, 0) == 4
    assert parallel.plan(many, 3) == 3  # asked for


def test_cli_jobs_option_gives_the_same_report(gen837, tmp_path, monkeypatch) -> None:
    from claimkit.cli.app import app
    from claimkit.validation import parallel

    path = tmp_path / "batch.x12"
    path.write_text(_defective(gen837, 60, 10), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    runner = CliRunner()
    out = {}
    for jobs in ("1", "2"):
        r = runner.invoke(app, ["validate", str(path), "--format", "json", "-j", jobs])
        assert r.exit_code == 1, r.output
        out[jobs] = json.loads(r.stdout)
    assert out["1"] == out["2"]
    assert out["1"]["summary"]["by_rule"]


def test_an_error_in_a_worker_reaches_the_caller(gen837, tmp_path, monkeypatch, registry) -> None:
    from claimkit.errors import InputError
    from claimkit.validation import Validator, parallel, validate_paths

    path = tmp_path / "batch.x12"
    path.write_text(_defective(gen837, 60, 10), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    real = Validator.check_claim

    def check(self, claim, *a, **kw):
        if claim.claim_id.startswith("PT0000045"):  # a claim of the 5th set: worker 1 of 2
            raise InputError("cannot read this claim", file=str(path), where="claim 45")
        return real(self, claim, *a, **kw)

    monkeypatch.setattr(Validator, "check_claim", check)
    with pytest.raises(InputError) as exc:
        validate_paths([path], registry=registry, today=TODAY, jobs=2)
    assert exc.value.file == str(path) and exc.value.where == "claim 45"


def test_the_parent_warms_what_the_workers_inherit_and_a_bad_head_is_harmless(
        gen837, tmp_path, monkeypatch, registry) -> None:
    from claimkit.validation import Validator, parallel, validate_paths

    path = tmp_path / "batch.x12"
    text = _defective(gen837, 60, 10)
    path.write_text(text, encoding="ascii", newline="")
    v = Validator(registry=registry, today=TODAY, jobs=2)
    assert not v.registry.derived
    parallel._warm(v, path)
    assert v.registry.derived  # verdicts made before forking: each worker need not redo them
    # junk longer than the warmed head before the ISA: the head alone is no interchange
    junk = tmp_path / "junk.x12"
    junk.write_text("x" * 200 + "\n" + text, encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "WARM_BYTES", 100)
    parallel._warm(Validator(registry=registry, today=TODAY, jobs=2), junk)  # no exception
    one = validate_paths([junk], kind="x12", registry=registry, today=TODAY, jobs=1)
    assert one.claim_count == 60
    many = validate_paths([junk], kind="x12", registry=registry, today=TODAY, jobs=2)
    assert _dump(many) == _dump(one)
