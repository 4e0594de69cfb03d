"""claimkit on a real Dask cluster (distributed.LocalCluster, two worker processes).

The oracle is the local run on the same files: ``validate_paths`` with ``-j 1`` and ``-j 2``
(forked processes) and the CLI without ``--scheduler`` must give what the cluster gives, finding
for finding, claim ID for claim ID, per transaction set, and byte for byte for the 999/277CA,
the accepted 837P and the rejects. The DataFrame is checked against the claims claimkit's own
parser returns for the file, and the accepted 837P of a cluster run against pyx12.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from _results import dump
from typer.testing import CliRunner

TODAY = dt.date(2024, 6, 5)
NOW = dt.datetime(2024, 6, 5, 10, 30)


@pytest.fixture(scope="module")
def cluster(empty_codeset_store):
    """One cluster for the module: starting one on a busy 2-core machine takes seconds.
    (Workers start after the codeset-store fixture, so they inherit its environment.)"""
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=40)
    client = Client(lc)
    yield client
    client.close()
    lc.close()


def _generated(gen837, claims: int, per_st: int, seed: int = 837) -> list[str]:
    return list(gen837.segments(claims, seed, per_st=per_st))


def _many_sets(gen837, claims: int = 90, per_st: int = 10) -> str:
    """Several transaction sets, with defects in claims, in a set and in the envelope."""
    segs = _generated(gen837, claims, per_st)
    clm = [i for i, s in enumerate(segs) if s.startswith("CLM*")]
    sv1 = [i for i, s in enumerate(segs) if s.startswith("SV1*")]
    st = [i for i, s in enumerate(segs) if s.startswith("ST*")]
    parts = segs[clm[2]].split("*")
    parts[2] = "7"
    segs[clm[2]] = "*".join(parts)                                  # CLM02 does not balance
    k = len(sv1) * 2 // 3
    segs[sv1[k]] = segs[sv1[k]].rsplit("*", 1)[0] + "*6"            # a pointer past the list
    segs[st[3] + 7] = segs[st[3] + 7].replace("1234567893", "1234567894")  # NPI check digit
    se = [i for i, s in enumerate(segs) if s.startswith("SE*")]
    del segs[se[5]]                                                 # a missing SE
    ge = next(i for i, s in enumerate(segs) if s.startswith("GE*"))
    segs[ge] = "GE*42*101"                                          # wrong set count
    return "".join(s + "~\n" for s in segs)


def _claim_defects(gen837, claims: int = 60, per_st: int = 10) -> str:
    """Several transaction sets; defects only inside claims, so some claims are accepted."""
    segs = _generated(gen837, claims, per_st, seed=11)
    sv1 = [i for i, s in enumerate(segs) if s.startswith("SV1*")]
    for k in (1, len(sv1) // 2, len(sv1) - 2):
        segs[sv1[k]] = segs[sv1[k]].rsplit("*", 1)[0] + "*8"        # a pointer past the list
    return "".join(s + "~\n" for s in segs)


def _one_set(gen837, claims: int = 40, seed: int = 5) -> str:
    segs = _generated(gen837, claims, 5000, seed)
    sv1 = next(i for i, s in enumerate(segs) if s.startswith("SV1*"))
    segs[sv1] = segs[sv1].rsplit("*", 1)[0] + "*9"                  # one rejected claim
    return "".join(s + "~\n" for s in segs)


@pytest.fixture(scope="module")
def inputs(gen837, tmp_path_factory):
    d = tmp_path_factory.mktemp("scale")
    many, one, claims = d / "many.x12", d / "one.x12", d / "claims.x12"
    many.write_text(_many_sets(gen837), encoding="ascii", newline="")
    one.write_text(_one_set(gen837), encoding="ascii", newline="")
    claims.write_text(_claim_defects(gen837), encoding="ascii", newline="")
    return many, one, claims


# -- validation: the cluster reports what a local run reports ---------------------------------
def test_cluster_validation_equals_local_runs(cluster, inputs, monkeypatch) -> None:
    from claimkit.dask import validate_files
    from claimkit.dask.validate import shares_for
    from claimkit.validation import parallel, validate_paths

    many, one, _claims_x12 = inputs
    paths = [str(many), str(one), str(many)]
    assert shares_for(str(many), "auto", 2, split_bytes=0) == 2  # split between the workers
    assert shares_for(str(one), "auto", 2, split_bytes=0) == 2  # one set: cut at subscribers
    assert shares_for(str(many), "auto", 2) == 1  # small: one task, no split
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    j1 = validate_paths(paths, today=TODAY, jobs=1)
    j2 = validate_paths(paths, today=TODAY, jobs=2)
    split = validate_files(paths, cluster, today=TODAY, split_bytes=0)
    whole = validate_files(paths, cluster, today=TODAY)
    rules = {d.rule for d in j1.diagnostics}
    assert {"CK-B001", "CK-D001", "CK-G010", "CK-X012"} <= rules, rules
    assert j1.claim_count == 2 * 90 + 40
    assert dump(split) == dump(j1) == dump(j2) == dump(whole)


def test_selection_and_unusable_files_as_locally(cluster, inputs, tmp_path) -> None:
    from claimkit.dask import validate_files
    from claimkit.errors import InputError
    from claimkit.validation import make_selection, validate_paths

    many, one, _claims_x12 = inputs
    empty = tmp_path / "empty.x12"
    empty.write_text("")
    cut = tmp_path / "cut.x12"
    cut.write_text(many.read_text()[:-300], encoding="ascii", newline="")
    paths = [str(tmp_path / "missing.x12"), str(empty), str(cut), str(one)]
    sel = make_selection(select=["CK-C", "CK-I", "CK-X"], severity={"CK-C002": "warning"})
    local = validate_paths(paths, today=TODAY, selection=sel, unusable="report")
    remote = validate_files(paths, cluster, today=TODAY, selection=sel, unusable="report",
                            split_bytes=0)
    assert [f.usable for f in local.files] == [False, False, True, True]
    assert "CK-I003" in {d.rule for d in local.diagnostics}  # the cut file: read whole
    assert dump(remote) == dump(local)
    with pytest.raises(InputError) as here:
        validate_paths([str(one), str(empty)], today=TODAY)
    with pytest.raises(InputError) as there:
        validate_files([str(one), str(empty)], cluster, today=TODAY)
    assert str(there.value) == str(here.value)


# -- the CLI: --scheduler -------------------------------------------------------------------
def _cli(args: list[str], monkeypatch) -> tuple[int, str, str]:
    import claimkit.cli.validate as cv
    from claimkit.cli.app import app

    monkeypatch.setattr(cv, "now", lambda: NOW)  # (not freezegun: the Dask client needs a clock)
    monkeypatch.setattr(cv, "today", lambda: TODAY)
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("which", [2, 1])  # many transaction sets, one
def test_cli_scheduler_writes_what_a_local_run_writes(cluster, inputs, tmp_path, monkeypatch,
                                                      pyx12_check, which) -> None:
    from claimkit.validation import parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    import claimkit.dask.validate as dv

    monkeypatch.setattr(dv, "SPLIT_BYTES", 0)  # split the file on the cluster
    planned, real = [], dv.shares_for
    monkeypatch.setattr(dv, "shares_for", lambda *a: planned.append(real(*a)) or planned[-1])
    src = inputs[which]
    out = {}
    for mode, extra in (("j1", ["-j", "1"]), ("j2", ["-j", "2"]),
                        ("dask", ["--scheduler", cluster.scheduler.address])):
        d = tmp_path / mode
        d.mkdir()
        files = {}
        for ack in ("999", "277ca"):
            code, stdout, stderr = _cli(
                ["validate", str(src), "--ack", ack, "-o", str(d / f"{ack}.x12"),
                 "--accepted", str(d / "ok.x12"), "--rejects", str(d / "rej.json"),
                 "--report", str(d / "report.json"), "-f", "json",
                 "--control-file", str(d / "control"), *extra], monkeypatch)
            assert code == 1, stderr
            files.update({name + ack: (d / name).read_text()
                          for name in (f"{ack}.x12", "ok.x12", "rej.json", "report.json", "control")})
        out[mode] = files
    assert out["dask"] == out["j1"] == out["j2"]
    # --ack/--accepted/--rejects keep the claims: one task per file, as a local run then uses
    # one process whatever -j says
    assert planned == []
    control = json.loads(out["dask"]["control277ca"])
    assert control != json.loads(out["dask"]["control999"])  # each run took new numbers
    assert "IK5*" in out["dask"]["999.x12999"] and "STC*" in out["dask"]["277ca.x12277ca"]
    ok = tmp_path / "dask" / "ok.x12"
    assert pyx12_check(ok) == (True, [])
    report = json.loads((tmp_path / "dask" / "rej.json").read_text())
    assert report["summary"]["rejected"] >= 1 and report["summary"]["accepted"] >= 1


def test_cli_scheduler_report_on_several_files(cluster, inputs, monkeypatch) -> None:
    import claimkit.dask.validate as dv

    monkeypatch.setattr(dv, "SPLIT_BYTES", 0)  # the file of many sets is split on the cluster
    many, one, _claims_x12 = inputs
    args = ["validate", str(many), str(one), "-f", "json"]
    local = _cli(args, monkeypatch)
    remote = _cli(args + ["--scheduler", cluster.scheduler.address], monkeypatch)
    assert local[0] == remote[0] == 1
    assert json.loads(remote[1]) == json.loads(local[1])


def test_cli_scheduler_unreachable_or_missing_extra(inputs, monkeypatch) -> None:
    import sys

    monkeypatch.setattr("claimkit.dask.cli.CONNECT_TIMEOUT", "1s")
    code, stdout, stderr = _cli(["validate", str(inputs[1]), "--scheduler", "tcp://127.0.0.1:9"],
                                monkeypatch)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "cannot reach the Dask scheduler" in stderr, stderr
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    code, _stdout, stderr = _cli(["validate", str(inputs[1]), "--scheduler", "tcp://x:1"],
                                 monkeypatch)
    assert code == 2 and 'pip install "claimkit[dask]"' in stderr and "Traceback" not in stderr


# -- the DataFrame of claim lines -----------------------------------------------------------
def _claims(path) -> list:
    from claimkit.validation import validate_paths

    res = validate_paths([path], today=TODAY, keep_claims=True)
    return [(c.claim, len(c.diagnostics)) for c in res.claims]


def test_rows_are_the_claims_lines(cluster, inputs) -> None:
    import pandas as pd

    from claimkit.dask import read_837

    many, one, _claims_x12 = inputs
    frame = read_837([many, one], today=TODAY)
    assert frame.npartitions == 2
    df = frame.compute()
    expect = []
    for path in (many, one):
        for claim, findings in _claims(path):
            for ln in claim.lines:
                expect.append((str(path), claim.claim_id, ln.number, ln.date_of_service,
                               ln.place_of_service or claim.place_of_service, ln.code,
                               list(ln.modifiers), ln.units, ln.charge, list(ln.pointers),
                               list(claim.diagnoses), claim.payer.payer_id,
                               claim.billing_provider.npi,
                               claim.rendering_provider.npi if claim.rendering_provider else None,
                               findings))
    got = [(r.file, r.claim_id, r.line, r.date_of_service, r.place_of_service, r.code,
            list(r.modifiers), r.units, r.charge, list(r.pointers), list(r.diagnoses),
            r.payer_id, r.billing_npi, None if r.rendering_npi is pd.NA else r.rendering_npi,
            r.claim_findings)
           for r in df.itertuples(index=False)]
    assert got == expect
    assert isinstance(df["charge"].iloc[0], Decimal)
    assert df["claim_findings"].sum() > 0 and df["claim_errors"].sum() > 0
    # the control numbers of each claim's own transaction set (ten claims to a set here)
    first = df[df["file"] == str(many)].drop_duplicates("claim_id")
    assert list(first["st_control"].iloc[[0, 9, 10, 89]]) == ["0001", "0001", "0002", "0009"]
    assert set(first["isa_control"]) == {"000000101"} and set(first["gs_control"]) == {"101"}


def test_phi_columns_only_when_asked(cluster, inputs, tmp_path) -> None:
    import pyarrow.parquet as pq

    from claimkit.dask import read_837, to_parquet
    from claimkit.dask.frame import COLUMNS, PHI_COLUMNS

    one = inputs[1]
    claims = [c for c, _n in _claims(one)]
    plain = read_837(one, today=TODAY).compute()
    assert list(plain.columns) == list(COLUMNS)
    member_ids = {c.subscriber.member_id for c in claims}
    names = {c.subscriber.last_name for c in claims}
    cells = {str(v) for col in plain.columns for v in plain[col]}
    assert not (cells & (member_ids | names))  # no PHI value in any column
    phi = read_837(one, today=TODAY, phi=True).compute()
    assert list(phi.columns) == list(COLUMNS) + list(PHI_COLUMNS)
    by_claim = phi.drop_duplicates("claim_id").set_index("claim_id")
    for c in claims:
        row = by_claim.loc[c.claim_id]
        assert (row["member_id"], row["subscriber_last_name"], row["subscriber_birth_date"]) == (
            c.subscriber.member_id, c.subscriber.last_name, c.subscriber.birth_date)
    out = to_parquet([one], tmp_path / "lines.parquet", today=TODAY)
    table = pq.read_table(out)
    assert table.num_rows == len(plain)
    assert table.schema.names == list(COLUMNS)
    assert table.column("charge").type.scale == 2
    assert sorted(table.column("claim_id").to_pylist()) == sorted(plain["claim_id"].tolist())
