"""Helpers for the X12 input tests: the reference 837P, a rule context, scanning to lists."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
REFERENCE = CASES / "reference.x12"


@pytest.fixture(scope="session")
def reference_text() -> str:
    return REFERENCE.read_text(encoding="latin-1")


@pytest.fixture(scope="session")
def x12_ctx():
    from claimkit.rules.engine import Context

    return Context(registry=None, today=dt.date(2024, 2, 1))


@pytest.fixture(scope="session")
def scan(x12_ctx):
    """scan(data_or_path, **kw) -> (diagnostics, parsed claims, scan object)."""
    from claimkit.rules.scan.parser import scan_837
    from claimkit.x12.origin import ParsedClaim

    def run(data, **kw):
        s = scan_837(data, ctx=x12_ctx, file=kw.pop("file", "in.x12"), **kw)
        items = list(s)
        diags = [x for x in items if not isinstance(x, ParsedClaim)]
        claims = [x for x in items if isinstance(x, ParsedClaim)]
        return diags, claims, s

    return run


def segments_of(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


@pytest.fixture(scope="session")
def ref_segments(reference_text) -> list[str]:
    return segments_of(reference_text)
