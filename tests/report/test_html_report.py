"""`validate --format html`: a self-contained page that renders in headless Chromium, lists every
finding with a link to its rule's docs section, and escapes what the input carries."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.report import RULES_DOCS, renderer

HOSTILE_ID = "<script>alert(1)</script>"
WIDTH, HEIGHT = 1024, 768


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        # .ci/run installs Debian's chromium; a missing browser is a broken setup, not a skip.
        pytest.fail("no chromium on PATH: apt-get install -y chromium (.ci/run does this as root)")
    return found


def _browser(*args: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--window-size={WIDTH},{HEIGHT}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": os.environ.get("TMPDIR", "/tmp")})


def _png(path: Path) -> tuple[int, int, bytes]:
    """(width, height, decompressed scanlines) of a PNG, read by hand (PNG spec, sec. 11.2)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.fixture
def hostile_claims(inputs, tmp_path: Path) -> Path:
    doc = json.loads(inputs["claims"].read_text())
    doc["claims"][0]["claim_id"] = HOSTILE_ID
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    return path


def test_every_finding_is_a_row_with_a_docs_link(result) -> None:
    page = lxml.html.fromstring(renderer("html")(result))
    rows = page.xpath("//tr[contains(@class, 'finding')]")
    assert len(rows) == len(result.diagnostics) > 0
    for row, d in zip(rows, result.diagnostics):
        link = row.xpath(".//td[@class='rule']/a")[0]
        assert link.text == d.rule
        assert link.get("href") == f"{RULES_DOCS}#{d.rule.lower()}"
        assert row.xpath("string(.//td[@class='message'])") == d.message
        assert d.severity.value in row.get("class")
    c = result.counts()
    summary = page.xpath("string(//ul[@class='summary'])")
    assert f"{c['error']} error(s)" in summary and f"{c['warning']} warning(s)" in summary


def test_docs_anchor_exists_for_every_linked_rule(result) -> None:
    rules_md = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    for d in result.diagnostics:
        assert f"\n## {d.rule}\n" in rules_md  # GitHub's anchor for "## CK-A002" is #ck-a002


def test_page_loads_nothing_from_elsewhere(result) -> None:
    page = lxml.html.fromstring(renderer("html")(result))
    assert not page.xpath("//script | //link | //img | //iframe | //*[@src]")
    assert all(h.startswith(RULES_DOCS) for h in page.xpath("//a/@href"))


def test_a_hostile_claim_id_is_escaped(hostile_claims, registry) -> None:
    from datetime import date

    from claimkit.validation import validate_paths

    res = validate_paths([hostile_claims], registry=registry, today=date(2024, 2, 1))
    html = renderer("html")(res)
    assert HOSTILE_ID not in html and "&lt;script&gt;" in html
    page = lxml.html.fromstring(html)
    assert not page.xpath("//script")
    assert HOSTILE_ID in page.xpath("string(//tbody)")  # shown as text, as written


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_renders_in_headless_chromium(hostile_claims, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    r = run_cli("validate", str(hostile_claims), "--format", "html", "-o", str(report))
    assert r.exit_code == 1, r.output
    url = report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    b = _browser(f"--screenshot={shot}", url)
    assert shot.is_file(), b.stderr[-2000:]
    width, height, pixels = _png(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(set(pixels)) > 16, "the screenshot is blank"  # text and colours, not one fill
    dom = _browser("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = lxml.html.fromstring(dom.stdout)
    rows = page.xpath("//tr[contains(@class, 'finding')]")
    shown = json.loads(run_cli("validate", str(hostile_claims), "-f", "json").stdout)["findings"]
    assert len(rows) == len(shown) > 0
    assert [r.get("data-rule") for r in rows] == [f["rule"] for f in shown]
    assert not page.xpath("//script"), "the claim ID became markup"
