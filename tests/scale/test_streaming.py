"""`parse` streams: the claims JSON is written claim by claim, byte for byte what the
whole-batch reader and writer give (``read_837_batch`` + ``dump_claims``, the oracle), and the
command's peak memory does not grow with the number of claims in the 837P."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from _scale import claimkit_peak_rss_mib, generated_837
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
    return generated_837(gen837, tmp_path / name, claims, per_st, edit)


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


def _parse_rss_mib(path, out) -> float:
    return claimkit_peak_rss_mib("parse", str(path), "-q", "-o", str(out))


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


# -- export: claims JSON -> 837P, one transaction set at a time ----------------------------------
NOW = "2026-01-05T09:30"


def _claims_json(gen837, tmp_path, claims: int, name: str) -> Path:
    from claimkit.claims_stream import parse_837_json

    x12 = _generated(gen837, tmp_path, claims, 5000, name=name + ".x12")
    out = tmp_path / (name + ".json")
    with open(out, "w", encoding="utf-8", newline="") as fh:
        parse_837_json(x12, fh, ctx=_ctx(x12))
    return out


def _whole_837(path, defaults=None) -> str:
    from claimkit.claims_io import read_claims
    from claimkit.x12.writer import write_837

    return write_837(read_claims(path, defaults=defaults), isa_control=7, gs_control=7,
                     now=dt.datetime.fromisoformat(NOW))


def test_streamed_export_is_the_whole_batch_837(gen837, tmp_path, monkeypatch, repo,
                                                demo_practice, pyx12_check) -> None:
    from claimkit.cli.app import app
    from claimkit.x12 import writer

    monkeypatch.setattr(writer, "MAX_CLAIMS_PER_ST", 7)  # several transaction sets, small input
    runner = CliRunner()
    parsed = _claims_json(gen837, tmp_path, 30, "parsed")  # claims with their original segments
    built = tmp_path / "built.json"  # claims built from sessions (no original segments)
    r = runner.invoke(app, ["build", str(repo / "fixtures" / "demo" / "sessions.jsonl"),
                            "--config", str(repo / "fixtures" / "demo" / "claimkit.toml"),
                            "--to", "json", "--timestamp", NOW, "-o", str(built)])
    assert built.is_file(), r.stderr
    for src in (parsed, built):
        out = tmp_path / (src.stem + ".x12")
        r = runner.invoke(app, ["export", str(src), "--to", "x12", "--timestamp", NOW,
                                "--control-number", "7", "-o", str(out)])
        assert r.exit_code == 0, r.stderr
        assert out.read_text(encoding="utf-8") == _whole_837(src)
        assert out.read_text().count("ST*837*") >= 3
        r = runner.invoke(app, ["export", str(src), "--to", "x12", "--timestamp", NOW,
                                "--control-number", "7"])
        assert r.stdout == _whole_837(src)
    monkeypatch.setattr(writer, "MAX_CLAIMS_PER_ST", 5000)
    r = runner.invoke(app, ["export", str(parsed), "--to", "x12", "--timestamp", NOW,
                            "-o", str(tmp_path / "one.x12")])
    assert pyx12_check(tmp_path / "one.x12") == (True, [])


def test_export_of_other_layouts_and_bad_claims_as_before(gen837, tmp_path) -> None:
    import json

    from claimkit.cli.app import app

    runner = CliRunner()
    src = _claims_json(gen837, tmp_path, 6, "src")
    doc = json.loads(src.read_text())
    # "claims" first: not the streamed layout; read whole, same 837P
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps({"claims": doc["claims"],
                                 **{k: v for k, v in doc.items() if k != "claims"}}))
    out = tmp_path / "moved.x12"
    r = runner.invoke(app, ["export", str(moved), "--to", "x12", "--timestamp", NOW,
                            "--control-number", "7", "-o", str(out)])
    assert r.exit_code == 0 and out.read_text() == _whole_837(moved)
    # a bad claim late in the file: the whole-file reader's message, exit 2, no output file
    doc["claims"][4]["lines"][0]["units"] = "many"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, indent=2))
    target = tmp_path / "bad.x12"
    r = runner.invoke(app, ["export", str(bad), "--to", "x12", "-o", str(target)])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "units" in r.stderr and doc["claims"][4]["claim_id"] in r.stderr, r.stderr
    assert not target.exists() and not list(tmp_path.glob(".bad.x12.*"))


# One transaction set of 100 claims (not the TR3's 5,000), so that small inputs show the bound.
_RSS_EXPORT = ("import resource, sys\n"
               "import claimkit.x12.writer as w\n"
               "w.MAX_CLAIMS_PER_ST = 100\n"
               "from claimkit.cli.app import main\n"
               "sys.argv = ['claimkit', *sys.argv[1:]]\n"
               "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")


def _export_rss_mib(path, out) -> float:
    res = subprocess.run([sys.executable, "-c", _RSS_EXPORT, "export", str(path), "--to", "x12",
                          "-q", "--timestamp", NOW, "-o", str(out)], capture_output=True, text=True,
                         cwd=out.parent)  # (not the checkout: the installed claimkit)
    assert res.returncode == 0, res.stderr
    return int(res.stdout.split()[-1]) / 1024


def test_export_peak_memory_does_not_grow_with_the_input(gen837, tmp_path) -> None:
    """Peak RSS of `claimkit export --to x12` on 500 and 2,000 claims (JSON): the whole-batch
    version grew by about 50 KB per claim (75 MB more here); the streamed one holds one
    transaction set of claims at a time."""
    small = _claims_json(gen837, tmp_path, 500, "small")
    large = _claims_json(gen837, tmp_path, 2000, "large")
    a = _export_rss_mib(small, tmp_path / "small.x12")
    b = _export_rss_mib(large, tmp_path / "large.x12")
    assert (tmp_path / "large.x12").read_text().count("ST*837*") == 20
    assert (tmp_path / "large.x12").stat().st_size > 3 * (tmp_path / "small.x12").stat().st_size
    assert b - a < 25, (a, b)
