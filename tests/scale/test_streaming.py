"""`parse` streams: the claims JSON is written claim by claim, byte for byte what the
whole-batch reader and writer give (``read_837_batch`` + ``dump_claims``, the oracle), and the
command's peak memory does not grow with the number of claims in the 837P."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from typer.testing import CliRunner

TODAY = dt.date(2024, 6, 5)


def _ctx(path):
    from claimkit.rules.engine import Context

    return Context(registry=None, today=TODAY, file=str(path))


def _whole(path) -> tuple[str, list]:
    from claimkit.claims_io import dump_claims, read_837_batch

    parsed = read_837_batch(path, ctx=_ctx(path))
    return dump_claims(parsed.batch), parsed.invalid


def _generated(gen837, tmp_path, claims: int, per_st: int, name: str = "in.x12", edit=None):
    old = gen837.PER_ST
    gen837.PER_ST = per_st
    try:
        segs = list(gen837.segments(claims))
    finally:
        gen837.PER_ST = old
    if edit is not None:
        segs = edit(segs)
    path = tmp_path / name
    path.write_text("".join(s + "~\n" for s in segs), encoding="ascii", newline="")
    return path


def _no_city(segs: list[str]) -> list[str]:
    """The second subscriber's address has no city: that claim cannot become a model claim."""
    n4 = [i for i, s in enumerate(segs) if s.startswith("N4*SPRINGFIELD*IL*62704")]
    segs[n4[1]] = "N4**IL*62704"
    return segs


def _no_claims(segs: list[str]) -> list[str]:
    """One transaction set with the billing provider but no subscriber or claim."""
    first_sub = next(i for i, s in enumerate(segs) if s.startswith("HL*2*"))
    se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    return segs[:first_sub] + [f"SE*{first_sub - 2 + 1}*0001"] + segs[se + 1:]


@pytest.mark.parametrize("case", ["many-sets", "one-set", "invalid-claim", "no-claims"])
def test_streamed_parse_is_the_whole_batch_text(gen837, tmp_path, case) -> None:
    from claimkit.claims_stream import parse_837_json

    path = {
        "many-sets": lambda: _generated(gen837, tmp_path, 45, 10),
        "one-set": lambda: _generated(gen837, tmp_path, 30, 5000),
        "invalid-claim": lambda: _generated(gen837, tmp_path, 12, 5000, edit=_no_city),
        "no-claims": lambda: _generated(gen837, tmp_path, 3, 5000, edit=_no_claims),
    }[case]()
    text, invalid = _whole(path)
    out = io.StringIO()
    summary = parse_837_json(path, out, ctx=_ctx(path))
    assert out.getvalue() == text
    assert summary.invalid == invalid
    assert summary.claims == text.count('"claim_id"')
    assert bool(invalid) == (case == "invalid-claim")
    assert (summary.claims == 0) == (case == "no-claims")


def test_parse_command_writes_the_file_whole(gen837, tmp_path, repo) -> None:
    from claimkit.cli.app import app

    runner = CliRunner()
    ref = repo / "tests" / "x12" / "cases" / "reference.x12"
    out = tmp_path / "claims.json"
    r = runner.invoke(app, ["parse", str(ref), "-o", str(out), "-v"])
    assert r.exit_code == 0, r.stderr
    assert out.read_text(encoding="utf-8") == _whole(ref)[0]
    assert "parsed 2 claim(s)" in r.stderr and r.stderr.count("line(s)") == 2
    bad = _generated(gen837, tmp_path, 12, 5000, name="bad.x12", edit=_no_city)
    r = runner.invoke(app, ["parse", str(bad), "-o", str(out)])
    assert r.exit_code == 1  # the claim without a city is listed, the others written
    assert out.read_text(encoding="utf-8") == _whole(bad)[0]
    assert "not written" in r.stderr and "parsed 11 claim(s)" in r.stderr
    r = runner.invoke(app, ["parse", str(bad)])
    assert r.stdout == _whole(bad)[0]
    # nothing left behind beside the output (the temporary file was renamed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.x12", "claims.json"]


_RSS = ("import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def _parse_rss_mib(path, out) -> float:
    from pathlib import Path

    exe = Path(sys.executable).with_name("claimkit")
    res = subprocess.run([sys.executable, "-c", _RSS, str(exe), "parse", str(path), "-q",
                          "-o", str(out)], capture_output=True, text=True, check=True)
    return int(res.stdout.split()[-1]) / 1024


def test_parse_peak_memory_does_not_grow_with_the_input(gen837, tmp_path) -> None:
    """Peak RSS of `claimkit parse` on 500 and 2,000 claims: the whole-batch version grew by
    about 100 KB per claim (150 MB more here); the streamed one stays within a few MB (the
    scan's bounded caches fill up)."""
    small = _generated(gen837, tmp_path, 500, 5000, name="small.x12")
    large = _generated(gen837, tmp_path, 2000, 5000, name="large.x12")
    a = _parse_rss_mib(small, tmp_path / "small.json")
    b = _parse_rss_mib(large, tmp_path / "large.json")
    assert (tmp_path / "large.json").stat().st_size > 3 * (tmp_path / "small.json").stat().st_size
    assert b - a < 25, (a, b)
