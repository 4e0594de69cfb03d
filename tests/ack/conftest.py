"""Fixtures for the acknowledgment tests: the reference 837P, a scan helper and pyx12 on text."""
from __future__ import annotations

import io
import logging
from datetime import date

import pytest


@pytest.fixture(scope="session")
def reference_x12(public_data) -> str:
    return (public_data / "x12" / "837p_reference.x12").read_text(encoding="latin-1")


@pytest.fixture(scope="session")
def scan():
    """``scan(text)`` -> (parsed claims, diagnostics, interchanges) through the X12 parser."""
    from claimkit.diagnostics import Diagnostic
    from claimkit.rules.engine import Context
    from claimkit.rules.scan.parser import scan_837

    def run(text: str):
        s = scan_837(text.encode("latin-1"), file="in.x12",
                     ctx=Context(registry=None, today=date(2026, 11, 1)))
        items = list(s)
        claims = [i for i in items if not isinstance(i, Diagnostic)]
        diags = [i for i in items if isinstance(i, Diagnostic)]
        return claims, diags, s.interchanges

    return run


def _pyx12(text: str) -> tuple[bool, str]:
    """pyx12's verdict on an X12 document (999, 277CA or 837P) and the 999 it writes for it."""
    import pyx12.params
    import pyx12.x12n_document

    logging.disable(logging.CRITICAL)
    try:
        ack = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), ack, None)
    finally:
        logging.disable(logging.NOTSET)
    return bool(ok), ack.getvalue()


@pytest.fixture(scope="session")
def pyx12_text():
    import importlib.resources as res

    maps = res.files("pyx12") / "map"
    if not (maps / "999.5010X231.A1.xml").is_file() or not (maps / "277.5010.X214.xml").is_file():
        pytest.skip("this pyx12 ships no 999/277CA maps")
    return _pyx12


