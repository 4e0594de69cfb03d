"""`build` checks the 837P it is about to write with validate's X12 scan (issue 12, d.3).

A wrong NPI check digit or a 5-digit billing ZIP used to pass `build` and `validate
sessions.csv` and then fail `validate out.x12` (CK-G010, CK-G011).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()
BAD_NPI = "1679576723"  # rivera's NPI (1679576722) with a wrong check digit


def invoke(*args: str):
    return runner.invoke(app, list(args))


def _config(tmp_path: Path, demo_dir: Path, **swap: str) -> Path:
    text = (demo_dir / "claimkit.toml").read_text()
    for old, new in swap.values():
        assert old in text
        text = text.replace(old, new)
    out = tmp_path / "claimkit.toml"
    out.write_text(text)
    return out


def _sessions(tmp_path: Path, demo_dir: Path, n: int = 4, **changes) -> Path:
    recs = [json.loads(line) for line in (demo_dir / "sessions.jsonl").read_text().splitlines()[:n]]
    for i, rp in changes.get("rendering", {}).items():
        recs[i]["rendering_provider"] = rp
    src = tmp_path / "s.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return src


def _rule_ids(res) -> set[str]:
    return set(re.findall(r"error (CK-[A-Z]\d{3})", res.stdout + res.stderr))


def test_wrong_rendering_npi_check_digit_is_found_by_build_and_validate_sessions(tmp_path, demo_dir):
    cfg = _config(tmp_path, demo_dir, npi=('npi = "1679576722"', f'npi = "{BAD_NPI}"'))
    src = _sessions(tmp_path, demo_dir)
    out = tmp_path / "out.x12"
    res = invoke("build", str(src), "-c", str(cfg), "-o", str(out))
    assert res.exit_code == 1 and not out.exists()
    # named at the session row the claim came from, with the X12 place
    assert re.search(r"s\.jsonl:1 2310B NM1-09 claim S0001: error CK-G010", res.stderr), res.stderr
    res = invoke("validate", str(src), "-c", str(cfg))
    assert res.exit_code == 1 and "CK-G010" in _rule_ids(res)


def test_wrong_billing_npi_or_zip5_blocks_every_claim_even_with_clean_only(tmp_path, demo_dir):
    cases = {"npi": ('npi = "1234567893"', 'npi = "1234567894"'),
             "zip": ('zip = "62701-1234"', 'zip = "62701"')}
    for name, swap in cases.items():
        cfg = _config(tmp_path, demo_dir, x=swap)
        src = _sessions(tmp_path, demo_dir)
        out, rej = tmp_path / "out.x12", tmp_path / "rej.json"
        res = invoke("build", str(src), "-c", str(cfg), "-o", str(out), "--clean-only",
                     "--rejects", str(rej))
        assert res.exit_code == 1, (name, res.stderr)
        assert not out.exists() and not rej.exists(), name
        assert "practice configuration" in res.stderr and "nothing written" in res.stderr
        want = {"npi": "CK-G010", "zip": "CK-G011"}[name]
        assert want in _rule_ids(res)
        res = invoke("validate", str(src), "-c", str(cfg))
        assert res.exit_code == 1 and want in _rule_ids(res), name


def test_clean_only_writes_the_other_claims_and_the_output_validates(tmp_path, demo_dir, pyx12_check):
    bad = {"npi": BAD_NPI, "last_name": "DOE", "first_name": "JO", "taxonomy": "225100000X"}
    src = _sessions(tmp_path, demo_dir, rendering={1: bad})
    cfg = demo_dir / "claimkit.toml"
    out = tmp_path / "out.x12"
    res = invoke("build", str(src), "-c", str(cfg), "-o", str(out), "--clean-only")
    assert res.exit_code == 1 and out.exists()
    assert re.search(r"s\.jsonl:2 2310B NM1-09 claim S0002: error CK-G010", res.stderr), res.stderr
    text = out.read_text()
    assert "CLM*S0002*" not in text and text.count("\nCLM*") == 3
    res = invoke("validate", str(out), "-c", str(cfg))
    assert res.exit_code == 0, res.stdout
    assert pyx12_check(out) == (True, [])


def test_finding_on_a_service_line_names_the_services_row(demo_dir, demo_practice, registry):
    """A 2400 finding is located at the service (CSV row) its line came from."""
    from datetime import datetime

    from claimkit.builder import build_claims
    from claimkit.diagnostics import Diagnostic, Location, Severity
    from claimkit.loaders import load_sessions
    from claimkit.models.claim import ClaimBatch
    from claimkit.selfcheck import _at_session, _lx_of_segments
    from claimkit.x12.writer import write_837

    p = demo_practice
    built = build_claims(load_sessions(demo_dir / "sessions.csv"), p, registry)
    text = write_837(ClaimBatch(submitter=p.submitter, receiver=p.receiver, envelope=p.envelope,
                                claims=built.claims[:1]),
                     isa_control=1, gs_control=1, now=datetime(2026, 1, 5, 9, 30))
    lines = _lx_of_segments(text)
    sv1 = [i for i, seg in enumerate(text.split("~"), start=1) if seg.strip().startswith("SV1")]
    assert [lines[i] for i in sv1] == [1, 2]
    d = Diagnostic("CK-G001", Severity.ERROR, "m",
                   Location(file="built.x12", segment_index=sv1[1], claim_id="S0001"))
    moved = _at_session(d, built.origins[0], lines[sv1[1]]).location
    # S0001's second service (G0283) is CSV row 3 (the header is row 1)
    assert (moved.file, moved.row, moved.line, moved.segment_index) == (
        str(demo_dir / "sessions.csv"), 3, 2, None)
