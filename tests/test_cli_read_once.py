"""`claimkit validate FILE --ack --accepted --rejects` reads the 837P once: the acknowledgment,
the accepted 837P and the rejects come from the validation's own pass, and are the same bytes
as separate runs and as the library calls that read the file again."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.x12 import reader

runner = CliRunner()
NOW = "2024-02-01 10:30:00"


@pytest.fixture
def mixed(repo, tmp_path):
    """The reference 837P with claim 2 pointing at a diagnosis it lacks (rejected), claim 1 clean."""
    path = tmp_path / "in.x12"
    text = (repo / "tests" / "x12" / "cases" / "reference.x12").read_text()
    path.write_text(text.replace("SV1*HC:97124:GP*95*UN*2***2~", "SV1*HC:97124:GP*95*UN*2***3~"))
    return path


@pytest.fixture
def reads(monkeypatch):
    """Paths whose content was read whole (every scan and envelope read goes through _chunks)."""
    seen: list[str] = []
    chunks = reader._chunks

    def counted(path):
        seen.append(str(path))
        return chunks(path)

    monkeypatch.setattr(reader, "_chunks", counted)
    return seen


def _run(*args: str):
    with freeze_time(NOW):
        return runner.invoke(app, ["validate", *map(str, args)])


@pytest.mark.parametrize("ack", ["999", "277ca"])
def test_one_read_gives_what_separate_runs_give(mixed, tmp_path, reads, ack) -> None:
    a, ok, rej = tmp_path / "ack.x12", tmp_path / "ok.x12", tmp_path / "rej.json"
    res = _run(mixed, "--ack", ack, "-o", a, "--accepted", ok, "--rejects", rej, "--control-number", "7")
    assert res.exit_code == 1, res.stderr
    assert reads == [str(mixed)]  # one pass over the file for everything
    together = (a.read_text(), ok.read_text(), rej.read_text())
    assert "PT0002" not in together[1] and json.loads(together[2])["summary"]["rejected"] == 1

    reads.clear()
    alone = []
    for opt, out in (("--ack", ack), ("--accepted", ok), ("--rejects", rej)):
        out_args = [opt, ack, "-o", a] if opt == "--ack" else [opt, out]
        assert _run(mixed, *out_args, "--control-number", "7").exit_code == 1
        alone.append((a if opt == "--ack" else out).read_text())
    assert tuple(alone) == together
    assert reads == [str(mixed)] * 3  # each separate run: one read as well


def test_the_same_bytes_as_the_library_calls_that_read_again(mixed, tmp_path, reads) -> None:
    """triage_837/acknowledgment without the validation's pass (they read the file themselves)
    give what the one-pass CLI wrote."""
    from claimkit.clearinghouse import acknowledgment, triage_837
    from claimkit.validation import validate_paths
    from claimkit.x12.writer import write_837

    a, ok, rej = tmp_path / "ack.x12", tmp_path / "ok.x12", tmp_path / "rej.json"
    assert _run(mixed, "--ack", "277ca", "-o", a, "--accepted", ok, "--rejects", rej).exit_code == 1
    clock = datetime.fromisoformat(NOW)
    with freeze_time(NOW):
        result = validate_paths([mixed], today=date(2024, 2, 1))
    reads.clear()
    t = triage_837(mixed, result.diagnostics, today=clock.date())
    assert ok.read_text() == write_837(t.accepted_batch, isa_control=1, gs_control=1, now=clock)
    assert rej.read_text() == json.dumps(t.rejects(str(mixed)), indent=2) + "\n"
    assert a.read_text() == acknowledgment(mixed, result.diagnostics, "277ca", control=1, now=clock)
    assert reads == [str(mixed)] * 2  # (each library call read the file: once each, not twice)
