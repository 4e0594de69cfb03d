"""`claimkit validate` on an 837P as clearinghouse prep: 999/277CA, accepted 837P, rejects."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()


@pytest.fixture
def reference(repo, tmp_path):
    path = tmp_path / "in.x12"
    path.write_text((repo / "tests" / "x12" / "cases" / "reference.x12").read_text())
    return path


def _segments(text):
    return [s.strip() for s in text.split("~") if s.strip()]


def test_999_accepts_the_reference(reference, tmp_path):
    out = tmp_path / "ack.x12"
    res = runner.invoke(app, ["validate", str(reference), "--ack", "999", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    segs = _segments(out.read_text())
    assert "IK5*A" in segs and any(s.startswith("AK9*A") for s in segs)
    assert "0 error(s)" in res.stderr  # the report went to stderr, the 999 to -o


def test_999_rejects_a_wrong_se_count(reference, tmp_path):
    text = reference.read_text().replace("SE*54*0001", "SE*53*0001")
    reference.write_text(text)
    res = runner.invoke(app, ["validate", str(reference), "--ack", "999"])
    assert res.exit_code == 1
    segs = _segments(res.stdout)
    assert "IK5*R*4" in segs and "CK-X011" in res.stderr


def test_accepted_and_rejects_add_up_and_pass_pyx12(reference, tmp_path, pyx12_check):
    # claim 2 points at diagnosis 3 of 2: a content error that rejects only that claim
    text = reference.read_text().replace("SV1*HC:97124:GP*95*UN*2***2~", "SV1*HC:97124:GP*95*UN*2***3~")
    reference.write_text(text)
    ok, rej = tmp_path / "ok.x12", tmp_path / "rej.json"
    res = runner.invoke(app, ["validate", str(reference), "--accepted", str(ok), "--rejects", str(rej),
                              "--format", "json", "-o", str(tmp_path / "report.json")])
    assert res.exit_code == 1, res.stderr
    report = json.loads(rej.read_text())
    assert report["summary"] == {"total": 2, "accepted": 1, "rejected": 1}
    assert [r["claim_id"] for r in report["rejected"]] == ["PT0002-20240111"]
    assert "CLM*PT0001-20240110*" in ok.read_text() and "PT0002" not in ok.read_text()
    assert pyx12_check(ok) == (True, [])
    assert "2 claim(s): 1 accepted, 1 rejected" in res.stderr


def test_277ca_per_claim(reference, tmp_path):
    text = reference.read_text().replace("SV1*HC:97124:GP*95*UN*2***2~", "SV1*HC:97124:GP*95*UN*2***3~")
    reference.write_text(text)
    res = runner.invoke(app, ["validate", str(reference), "--ack", "277ca"])
    segs = _segments(res.stdout)
    stc = [s for s in segs if s.startswith("STC*")]
    assert any(s.startswith("STC*A1:20") for s in stc) and any(s.startswith("STC*A3") for s in stc)


def test_triage_needs_one_x12_file(reference, demo_dir):
    res = runner.invoke(app, ["validate", str(demo_dir / "sessions.jsonl"), "--config",
                              str(demo_dir / "claimkit.toml"), "--ack", "999"])
    assert res.exit_code == 2 and "837P" in res.stderr
    res = runner.invoke(app, ["validate", str(reference), str(reference), "--accepted", "x.x12"])
    assert res.exit_code == 2 and "exactly one" in res.stderr


def test_envelope_error_rejects_every_claim(reference, tmp_path):
    reference.write_text(reference.read_text().replace("IEA*1*000000101", "IEA*1*000000102"))
    ok, rej = tmp_path / "ok.x12", tmp_path / "rej.json"
    res = runner.invoke(app, ["validate", str(reference), "--accepted", str(ok), "--rejects", str(rej)])
    assert res.exit_code == 1
    assert json.loads(rej.read_text())["summary"] == {"total": 2, "accepted": 0, "rejected": 2}
    assert not ok.exists() and "no claim accepted" in res.stderr
