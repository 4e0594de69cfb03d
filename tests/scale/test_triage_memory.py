"""`validate F --accepted A --rejects R --ack 999` keeps its claims on disk (issue 14 item 1):
the kept claims are spooled to a temporary file, the accepted 837P is streamed a transaction set
at a time, and the outputs are the bytes the whole-batch library calls give (the oracle:
``triage_837`` + ``write_837``, which read the file again and hold every claim)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from _scale import claimkit_peak_rss_mib, generated_837
from freezegun import freeze_time
from typer.testing import CliRunner

NOW = "2024-06-05 10:30:00"
TODAY = dt.date(2024, 6, 5)


def _generated(gen837, tmp_path: Path, claims: int, name: str, edit=None) -> Path:
    return generated_837(gen837, tmp_path / name, claims, 5000, edit)


def _mixed(segs: list[str]) -> list[str]:
    """Claim 3 points at a diagnosis it lacks: rejected, the others accepted."""
    sv1 = [i for i, s in enumerate(segs) if s.startswith("SV1*")]
    clm = [i for i, s in enumerate(segs) if s.startswith("CLM*")]
    third = next(i for i in sv1 if clm[2] < i < clm[3])
    parts = segs[third].split("*")
    parts[7] = "9"  # SV107: a diagnosis pointer past the claim's HI codes
    segs[third] = "*".join(parts)
    return segs


def test_the_spool_gives_back_what_it_kept(tmp_path) -> None:
    from claimkit.validation import ClaimSpool

    spool = ClaimSpool(["a", {"b": 1}])
    spool.extend([3, 4])
    assert list(spool) == ["a", {"b": 1}, 3, 4] and list(spool) == list(spool) and len(spool) == 4
    assert spool[1] == {"b": 1} and spool[-1] == 4
    del spool[2:]  # a file that turned out unusable drops what it gave
    spool.append("c")
    assert list(spool) == ["a", {"b": 1}, "c"]
    import pickle

    assert list(pickle.loads(pickle.dumps(spool))) == ["a", {"b": 1}, "c"]  # to a Dask client
    spool.close()
    assert list(spool) == [] and len(spool) == 0


@pytest.mark.parametrize("kind", ["999", "277ca"])
def test_streamed_triage_is_the_whole_batch_bytes(gen837, tmp_path, monkeypatch, kind) -> None:
    """Several transaction sets (the writer's limit lowered to 4 claims), a rejected claim: the
    CLI's one-pass outputs (the 277CA read from the spool too) equal the library calls that
    hold every claim."""
    from claimkit.clearinghouse import acknowledgment, triage_837
    from claimkit.cli.app import app
    from claimkit.validation import validate_paths
    from claimkit.x12 import writer

    monkeypatch.setattr(writer, "MAX_CLAIMS_PER_ST", 4)
    src = _generated(gen837, tmp_path, 11, "in.x12", edit=_mixed)
    # the oracle first: it also builds the claim models' pydantic schemas outside freezegun's
    # clock (whose fake date class pydantic cannot describe)
    result = validate_paths([src], today=TODAY)
    t = triage_837(src, result.diagnostics, today=TODAY)
    assert len(t.accepted_batch.claims) == 10 and t.split.summary["rejected"] == 1
    clock = dt.datetime.fromisoformat(NOW)
    ok, rej, ack = tmp_path / "ok.x12", tmp_path / "rej.json", tmp_path / "ack.x12"
    with freeze_time(NOW):
        res = CliRunner().invoke(app, ["validate", str(src), "--accepted", str(ok), "--rejects", str(rej),
                                       "--ack", kind, "-o", str(ack), "--control-number", "5"])
    assert res.exit_code == 1, res.stderr
    text = ok.read_text(encoding="ascii")
    assert text == writer.write_837(t.accepted_batch, isa_control=5, gs_control=5, now=clock)
    assert text.count("ST*837*") == 3  # 4 + 4 + 2 claims
    assert rej.read_text() == json.dumps(t.rejects(str(src)), indent=2) + "\n"
    assert json.loads(rej.read_text())["summary"] == {"total": 11, "accepted": 10, "rejected": 1}
    assert ack.read_text() == acknowledgment(src, result.diagnostics, kind, control=5, now=clock)
    if kind == "277ca":
        assert ack.read_text().count("STC*A3:") == 1 and ack.read_text().count("STC*A1:20") == 10


def test_a_failed_write_leaves_no_output(gen837, tmp_path, monkeypatch) -> None:
    """All or none: when writing the accepted 837P fails half-way, nothing is written."""
    from claimkit.clearinghouse import KeptTriage
    from claimkit.cli.app import app

    def fail(self, out, **_kw) -> None:
        out.write("ISA*half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(KeptTriage, "write_accepted", fail)
    src = _generated(gen837, tmp_path, 3, "in.x12")
    ok, rej, ack = tmp_path / "ok.x12", tmp_path / "rej.json", tmp_path / "ack.x12"
    res = CliRunner().invoke(app, ["validate", str(src), "--accepted", str(ok), "--rejects", str(rej),
                                   "--ack", "999", "-o", str(ack)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "--accepted" in res.stderr and "No space left" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.x12"]  # no output, no temp file


def _triage_rss_mib(path: Path, out: Path) -> float:
    return claimkit_peak_rss_mib("validate", str(path), "-q", "--accepted", str(out / "ok.x12"),
                                 "--rejects", str(out / "rej.json"), "--ack", "999", "-o", str(out / "ack.x12"))


def test_triage_peak_memory_does_not_grow_with_the_input(gen837, tmp_path) -> None:
    """Peak RSS at 5,000 and 15,000 claims. Holding the claims grew by about 25 KB a claim
    (1.29 GB at 50,000): 250 MB more here. Spooled, what stays in memory is one transaction
    set of accepted claims (5,000, as in both files), the findings and 8 bytes a claim."""
    small = _generated(gen837, tmp_path, 5000, "small.x12")
    large = _generated(gen837, tmp_path, 15000, "large.x12")
    (tmp_path / "s").mkdir()
    (tmp_path / "l").mkdir()
    a = _triage_rss_mib(small, tmp_path / "s")
    b = _triage_rss_mib(large, tmp_path / "l")
    ok_small, ok_large = (tmp_path / "s" / "ok.x12").stat().st_size, (tmp_path / "l" / "ok.x12").stat().st_size
    assert ok_large > 2.5 * ok_small  # every claim went through, three times as many
    assert json.loads((tmp_path / "l" / "rej.json").read_text())["summary"]["accepted"] == 15000
    assert b - a < 60, (a, b)
