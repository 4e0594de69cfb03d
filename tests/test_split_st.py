"""One transaction set split at its subscriber (2000B) loops reports what one process reports.

The oracle is the single-process run (``-j 1``) on the same file: same findings in the same
order, same claim IDs, same per-transaction-set counts for the 999, and byte for byte the same
report in every format. The inputs are generated with one large transaction set and with
several, and carry defects exactly where the shares meet: a wrong HL parent, an HL04 that lies
about the next HL, a subscriber without a claim, a CLM01 repeated from the first share, a wrong
line number and HL ID just after the cut, a second billing provider just before it, and a wrong
SE01 count.
"""
from __future__ import annotations

import datetime as dt

import pytest
from _results import dump
from typer.testing import CliRunner

TODAY = dt.date(2024, 6, 5)
NOW = dt.datetime(2024, 6, 5, 10, 30)


def _subscribers(segs: list[str]) -> list[tuple[int, int]]:
    """(ST ordinal, segment index) of every subscriber HL (HL03 22), in file order."""
    out, k = [], -1
    for i, s in enumerate(segs):
        if s.startswith("ST*"):
            k += 1
        elif s.startswith("HL*") and s.split("*")[3] == "22":
            out.append((k, i))
    return out


def _claim_end(segs: list[str], i: int) -> int:
    """The index after the last segment of the subscriber loop starting at ``i``."""
    j = i + 1
    while not segs[j].startswith(("HL*", "SE*")):
        j += 1
    return j


def _defects_at_cuts(segs: list[str], jobs: int) -> tuple[list[str], list[tuple[int, int]]]:
    """Put defects at the subscribers where the shares of ``jobs`` workers meet (the cut
    positions are those parallel.split computes from the file's subscriber counts, which the
    defects leave unchanged). Returns (segments, cut positions inside a set)."""
    from claimkit.validation import parallel

    subs = _subscribers(segs)
    counts: list[int] = []
    for k, _i in subs:
        while len(counts) <= k:
            counts.append(0)
        counts[k] += 1
    cuts = [lo for lo, _hi in parallel.split(counts, jobs) if lo[1] > 0]
    assert cuts, "the plan must cut inside a transaction set"
    by_pos: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = {}
    for k, i in subs:
        by_pos[(k, seen.get(k, 0))] = i
        seen[k] = seen.get(k, 0) + 1
    edits: dict[int, str | None] = {}
    k, b = cuts[0]
    # A second billing provider (2000A) before the cut, whose NPI is a rendering NPI of the
    # generated claims: the claims after the cut are billed by it (CK-S007 when they name it
    # as renderer too), so the share after the cut must have followed it.
    second = by_pos[(k, b - 3)]
    edits[second] = "~\n".join(["HL*900**20*1", "PRV*BI*PXC*225100000X",
                                "NM1*85*2*SECOND THERAPY GROUP*****XX*1245319599",
                                "N3*9 SECOND STREET", "N4*SPRINGFIELD*IL*627011234",
                                "REF*EI*371234568", segs[second]])
    for k, b in cuts:
        before, at, after = by_pos[(k, b - 1)], by_pos[(k, b)], by_pos[(k, b + 1)]
        hl = segs[before].split("*")
        hl[4] = "0" if hl[4] == "1" else "1"  # HL04 says the opposite of what follows
        edits[before] = "*".join(hl)
        clm = next(j for j in range(before, at) if segs[j].startswith("CLM*"))
        for j in range(clm, _claim_end(segs, before)):  # a subscriber without a claim (2300)
            edits[j] = None
        hl = segs[at].split("*")
        hl[2] = "99"  # a parent that is no billing provider
        edits[at] = "*".join(hl)
        clm = next(j for j in range(at, len(segs)) if segs[j].startswith("CLM*"))
        parts = segs[clm].split("*")
        first = next(j for j in range(by_pos[(k, 0)], len(segs)) if segs[j].startswith("CLM*"))
        parts[1] = segs[first].split("*")[1]  # the CLM01 of the set's first claim (first share)
        edits[clm] = "*".join(parts)
        hl = segs[after].split("*")
        hl[1] = str(int(hl[1]) + 7)  # HL IDs skip (and a child's parent no longer matches)
        edits[after] = "*".join(hl)
        lx = next(j for j in range(after, len(segs)) if segs[j].startswith("LX*1"))
        edits[lx] = "LX*2"
    out = []
    for i, s in enumerate(segs):
        s = edits.get(i, s)
        if s is not None:
            out.append(s)
    se = [i for i, s in enumerate(out) if s.startswith("SE*")]
    out[se[-1]] = "SE*5*" + out[se[-1]].split("*")[2]  # a wrong segment count
    return out, cuts


def _text(segs: list[str]) -> str:
    return "".join(s + "~\n" for s in segs)


def _single(gen837, jobs: int) -> str:
    segs = list(gen837.segments(150, seed=21, per_st=150, dependents=4))
    return _text(_defects_at_cuts(segs, jobs)[0])


def _several(gen837, jobs: int) -> str:
    """Sets of 80, 80 and 50 claims: the shares meet inside sets; one set lacks its SE."""
    segs = list(gen837.segments(210, seed=8, per_st=80, dependents=3))
    segs, _cuts = _defects_at_cuts(segs, jobs)
    se = [i for i, s in enumerate(segs) if s.startswith("SE*")]
    del segs[se[0]]  # a missing SE: the next ST closes the set
    return _text(segs)


BOUNDARY_RULES = {"CK-G006", "CK-G007", "CK-G008", "CK-G009", "CK-X011", "CK-X028", "CK-S007"}


@pytest.mark.parametrize("make", [_single, _several], ids=["one-set", "several-sets"])
@pytest.mark.parametrize("jobs", [2, 3])
def test_split_set_reports_what_one_process_reports(gen837, tmp_path, monkeypatch, registry,
                                                    make, jobs) -> None:
    from claimkit.validation import parallel, validate_paths

    path = tmp_path / "batch.x12"
    path.write_text(make(gen837, jobs), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    plan = parallel.shares(path, jobs)
    inside = [lo for lo, _hi in plan if lo[1] > 0]
    assert len(plan) == jobs and inside  # cut inside a set
    one = validate_paths([path], registry=registry, today=TODAY, jobs=1)
    many = validate_paths([path], registry=registry, today=TODAY, jobs=jobs)
    rules = {d.rule for d in one.diagnostics}
    assert BOUNDARY_RULES <= rules, BOUNDARY_RULES - rules
    dups = [d for d in one.diagnostics if d.rule == "CK-X028"]
    assert len(dups) == len(inside)  # each cut's repeat of a CLM01 from before the cut
    assert dump(many) == dump(one)


def test_split_without_defects_and_counts(gen837, tmp_path, monkeypatch, registry) -> None:
    from claimkit.validation import parallel, validate_paths

    path = tmp_path / "clean.x12"
    with open(path, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, 120, per_st=120)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    one = validate_paths([path], registry=registry, today=TODAY, jobs=1)
    for jobs in (2, 4, 7):
        many = validate_paths([path], registry=registry, today=TODAY, jobs=jobs)
        assert dump(many) == dump(one)
    assert one.claim_count == 120


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "html", "junit"])
def test_cli_reports_are_byte_identical(gen837, tmp_path, monkeypatch, fmt) -> None:
    import claimkit.cli.validate as cv
    from claimkit.cli.app import app
    from claimkit.validation import parallel

    path = tmp_path / "one.x12"
    path.write_text(_single(gen837, 2), encoding="ascii", newline="")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(cv, "now", lambda: NOW)
    monkeypatch.setattr(cv, "today", lambda: TODAY)
    out = {}
    for jobs in ("1", "2", "0"):
        r = CliRunner().invoke(app, ["validate", str(path), "-f", fmt, "-j", jobs])
        assert r.exit_code == 1, r.stderr
        out[jobs] = r.stdout
    assert out["1"] == out["2"] == out["0"]
    assert "CK-G006" in out["1"]


# -- the plan ---------------------------------------------------------------------------------
def test_units_count_subscribers_per_set(gen837, tmp_path) -> None:
    from claimkit.validation import parallel

    path = tmp_path / "sets.x12"
    with open(path, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, 25, per_st=10)
    assert parallel.units(path) == [10, 10, 5]
    other = tmp_path / "pipes.x12"  # another element separator, one segment per line or not
    other.write_text(path.read_text().replace("*", "|").replace("~\n", "~"), encoding="ascii")
    assert parallel.units(other) == [10, 10, 5]


@pytest.mark.parametrize("counts,workers", [([1000], 2), ([1000], 5), ([10, 10, 10], 2),
                                            ([3, 500, 2, 1], 4), ([1] * 9, 4), ([2], 8)])
def test_split_covers_every_position_once(counts, workers) -> None:
    from claimkit.validation import parallel

    plan = parallel.split(counts, workers)
    assert 1 <= len(plan) <= min(workers, sum(counts))
    assert plan[0][0] == (0, 0) and plan[-1][1] == (parallel.FAR, 0)
    for (_lo, hi), (lo, _hi) in zip(plan, plan[1:]):
        assert hi == lo  # contiguous: no position twice, none left out
    for lo, hi in plan:
        assert lo < hi


def test_split_of_one_set_gives_later_shares_less() -> None:
    """A later share first follows the set's earlier subscribers: it reports fewer."""
    from claimkit.validation import parallel

    plan = parallel.split([10_000], 2)
    cut = plan[0][1][1]
    assert 5_000 < cut < 6_000
    work = [cut, parallel.SHADOW_COST * cut + (10_000 - cut)]
    assert abs(work[0] - work[1]) < 2


def test_plan_keeps_small_files_in_one_process(gen837, tmp_path, monkeypatch) -> None:
    from claimkit.validation import parallel

    path = tmp_path / "one.x12"
    with open(path, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, 50)
    assert parallel.plan(path, 4) == 1  # under MIN_BYTES: start-up would cost more
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    assert parallel.plan(path, 4) == 4  # one transaction set, four shares of subscribers
    assert parallel.plan(path, 1) == 1
    monkeypatch.setattr(parallel, "cpu_count", lambda: 3)
    assert parallel.plan(path, 0) == 3  # default: every CPU


# -- Dask: a LocalCluster with worker processes -------------------------------------------------
@pytest.fixture(scope="module")
def cluster(empty_codeset_store):
    distributed = pytest.importorskip("distributed")
    lc = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40)
    client = distributed.Client(lc)
    yield client
    client.close()
    lc.close()


def test_cluster_splits_one_set_and_reports_as_locally(cluster, gen837, tmp_path,
                                                       monkeypatch) -> None:
    from claimkit.dask import validate_files
    from claimkit.dask.validate import plan_shares
    from claimkit.validation import parallel, validate_paths

    one, several = tmp_path / "one.x12", tmp_path / "several.x12"
    one.write_text(_single(gen837, 2), encoding="ascii", newline="")
    several.write_text(_several(gen837, 2), encoding="ascii", newline="")
    paths = [str(one), str(several)]
    assert len(plan_shares(str(one), "auto", 2, split_bytes=0)) == 2  # one set: two tasks
    assert len(plan_shares(str(one), "auto", 2)) == 1  # small: one task
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    j1 = validate_paths(paths, today=TODAY, jobs=1)
    j2 = validate_paths(paths, today=TODAY, jobs=2)
    split = validate_files(paths, cluster, today=TODAY, split_bytes=0)
    assert BOUNDARY_RULES <= {d.rule for d in j1.diagnostics}
    assert dump(split) == dump(j1) == dump(j2)


def test_cli_scheduler_report_equals_local(cluster, gen837, tmp_path, monkeypatch) -> None:
    import claimkit.cli.validate as cv
    import claimkit.dask.validate as dv
    from claimkit.cli.app import app

    path = tmp_path / "one.x12"
    path.write_text(_single(gen837, 2), encoding="ascii", newline="")
    monkeypatch.setattr(dv, "SPLIT_BYTES", 0)
    monkeypatch.setattr(cv, "now", lambda: NOW)
    monkeypatch.setattr(cv, "today", lambda: TODAY)
    out = {}
    for mode, extra in (("local", ["-j", "1"]),
                        ("dask", ["--scheduler", cluster.scheduler.address])):
        r = CliRunner().invoke(app, ["validate", str(path), "-f", "sarif", *extra])
        assert r.exit_code == 1, r.stderr
        out[mode] = r.stdout
    assert out["dask"] == out["local"]
