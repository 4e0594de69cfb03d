"""`claimkit preview`: the CMS-1500 boxes of each claim in the terminal and as HTML, from session
files, claims JSON and 837P files alike, with PHI masked unless --show-phi."""
from __future__ import annotations

import json

import lxml.html
import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.preview import form_of

runner = CliRunner()
PHI = ("HALVORSEN", "ERIK", "1951", "1EG4TE5MK72", "12 ELM STREET", "62704")


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def demo_claims(demo_dir):
    from claimkit.builder import build_claims
    from claimkit.codesets import default_registry
    from claimkit.config import load_practice
    from claimkit.loaders import load_sessions

    practice = load_practice(demo_dir / "claimkit.toml")
    return build_claims(load_sessions(demo_dir / "sessions.jsonl"), practice, default_registry()).claims


def test_boxes_mask_phi_by_default(demo_claims) -> None:
    boxes = {n: v for n, _, v in form_of(demo_claims[0]).boxes}
    assert boxes["1a"] == "*******MK72"  # the insured's ID: last 4 only
    assert boxes["2"] == "H. E." and boxes["4"] == "H. E."  # initials
    assert boxes["3"] == "(hidden)  M"
    assert boxes["5"] == "SPRINGFIELD, IL"
    assert not any(p in v for v in boxes.values() for p in PHI)


def test_show_phi_shows_them(demo_claims) -> None:
    boxes = {n: v for n, _, v in form_of(demo_claims[0], show_phi=True).boxes}
    assert boxes["1a"] == "1EG4TE5MK72" and boxes["2"] == "HALVORSEN, ERIK"
    assert boxes["3"] == "04 12 1951  M"


def test_diagnoses_lettered_and_pointers_as_letters(demo_claims) -> None:
    claim = next(c for c in demo_claims if any(len(ln.pointers) > 1 for ln in c.lines))
    f = form_of(claim)
    boxes = {n: v for n, _, v in f.boxes}
    assert boxes["21"].startswith("A. ") and "B. " in boxes["21"]
    for ln, row in zip(claim.lines, f.lines):
        assert row["24E"] == "".join("ABCDEFGHIJKL"[p - 1] for p in ln.pointers)
        assert row["24D"].split() == [ln.code, *ln.modifiers]
        assert row["24G"] == str(ln.units) and row["24F"] == f"{ln.charge:,.2f}"
        assert row["24A"] == ln.date_of_service.strftime("%m %d %y")
    assert boxes["28"] == f"{claim.total_charge:,.2f}"


def test_terminal_view_of_a_session_file(demo_dir) -> None:
    res = invoke("preview", str(demo_dir / "sessions.jsonl"), "-c", str(demo_dir / "claimkit.toml"),
                 "--claim", "S0001")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "claim S0001 (CMS-1500 view)" in out and "claim S0002" not in out
    for text in ("*******MK72", "A. M54.50", "B. M62.81", "97161 GP", "1234567893", "105.00"):
        assert text in out
    assert not any(p in out for p in PHI)


def test_837p_and_session_file_show_the_same_boxes(demo_dir, tmp_path, demo_claims) -> None:
    x12 = tmp_path / "demo.x12"
    res = invoke("build", str(demo_dir / "sessions.jsonl"), "-c", str(demo_dir / "claimkit.toml"),
                 "--timestamp", "2026-01-05T09:30", "-o", str(x12))
    assert res.exit_code == 0, res.stderr
    from datetime import date

    from claimkit.preview import load_claims

    parsed = load_claims(x12, practice=None, registry=None, today=date(2026, 1, 5))
    assert len(parsed) == len(demo_claims)
    for a, b in zip(parsed, demo_claims):
        fa, fb = form_of(a), form_of(b)
        assert fa.lines == fb.lines
        keep = ("1a", "2", "3", "21", "26", "28", "33a")
        assert [x for x in fa.boxes if x[0] in keep] == [x for x in fb.boxes if x[0] in keep]


def test_html_page_is_self_contained_and_escaped(demo_claims, tmp_path) -> None:
    from claimkit.models import edge

    claims = [edge.dump(c, mode="json") for c in demo_claims[:2]]
    claims[0]["claim_id"] = "<script>x</script>"
    src = tmp_path / "claims.json"
    src.write_text(json.dumps({"claims": claims}))
    page_file = tmp_path / "preview.html"
    res = invoke("preview", str(src), "--html", str(page_file))
    assert res.exit_code == 0, res.stderr
    html = page_file.read_text()
    assert "<script>x" not in html and res.stdout == ""
    page = lxml.html.fromstring(html)
    assert not page.xpath("//script | //link | //img | //*[@src]")
    sections = page.xpath("//section[@class='claim']")
    assert [s.get("data-claim") for s in sections] == ["<script>x</script>", demo_claims[1].claim_id]
    assert not any(p in html for p in PHI)
    rows = sections[1].xpath(".//tbody/tr")
    assert len(rows) == len(demo_claims[1].lines)


def test_sessions_without_configuration_exit_2(demo_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no claimkit.toml found from here
    res = invoke("preview", str(demo_dir / "sessions.jsonl"))
    assert res.exit_code == 2 and "practice configuration" in res.stderr
