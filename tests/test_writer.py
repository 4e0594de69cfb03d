"""837P writer: pyx12 accepts it, invariants hold, output is reproducible, separators refused."""
from __future__ import annotations

from datetime import datetime

import pytest

from claimkit.builder import build_claims
from claimkit.errors import InputError
from claimkit.loaders import load_sessions
from claimkit.models import edge
from claimkit.pipeline import make_batch
from claimkit.x12.writer import amount, write_837

NOW = datetime(2026, 1, 5, 9, 30)


@pytest.fixture(scope="module")
def demo_batch(demo_dir, registry, demo_practice):
    res = build_claims(load_sessions(demo_dir / "sessions.jsonl"), demo_practice, registry)
    return make_batch(demo_practice, res.claims)


def segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def test_demo_output_passes_pyx12(tmp_path, demo_batch, pyx12_check):
    path = tmp_path / "demo.x12"
    path.write_text(write_837(demo_batch, isa_control=42, gs_control=42, now=NOW))
    ok, errors = pyx12_check(path)
    assert ok and errors == []


def test_envelope_invariants(demo_batch):
    segs = segments(write_837(demo_batch, isa_control=7, gs_control=8, now=NOW))
    isa, gs, st, se, ge, iea = segs[0], segs[1], segs[2], segs[-3], segs[-2], segs[-1]
    assert len("*".join(isa)) + 1 == 106  # ISA is fixed width incl. its terminator
    assert isa[13] == iea[2] == "000000007" and gs[6] == ge[2] == "8"
    assert st[2] == se[2] and int(se[1]) == len(segs) - 4  # SE01 counts ST..SE inclusive
    assert ge[1] == "1" and iea[1] == "1"


def test_hierarchy_lines_and_pointers(demo_batch):
    segs = segments(write_837(demo_batch, isa_control=1, gs_control=1, now=NOW))
    levels: dict[str, str] = {}
    hi_count = lx_expected = 0
    for seg in segs:
        if seg[0] == "HL":
            hl_id, parent, level = seg[1], seg[2], seg[3]
            want_parent = {"20": None, "22": "20", "23": "22"}[level]
            assert (levels.get(parent) if parent else None) == want_parent
            levels[hl_id] = level
        elif seg[0] == "HI":
            hi_count = len(seg) - 1
            assert seg[1].startswith("ABK:") and all(e.startswith("ABF:") for e in seg[2:])
            assert all("." not in e for e in seg[1:])
        elif seg[0] == "CLM":
            lx_expected = 1
        elif seg[0] == "LX":
            assert int(seg[1]) == lx_expected
            lx_expected += 1
        elif seg[0] == "SV1":
            pointers = [int(p) for p in seg[7].split(":")]
            assert 1 <= len(pointers) <= 4 and all(1 <= p <= hi_count for p in pointers)
            assert int(seg[4]) > 0


def test_claim_totals_balance(demo_batch):
    from decimal import Decimal

    segs = segments(write_837(demo_batch, isa_control=1, gs_control=1, now=NOW))
    total = None
    lines: list[Decimal] = []
    for seg in segs + [["CLM", "end", "0"]]:
        if seg[0] == "CLM":
            if total is not None:
                assert sum(lines) == total
            total, lines = Decimal(seg[2]), []
        elif seg[0] == "SV1":
            lines.append(Decimal(seg[2]))


def test_reproducible_bytes(demo_batch):
    a = write_837(demo_batch, isa_control=5, gs_control=5, now=NOW)
    assert a == write_837(demo_batch, isa_control=5, gs_control=5, now=NOW)
    assert a != write_837(demo_batch, isa_control=6, gs_control=6, now=NOW)


def test_golden_demo_file(demo_batch, repo, request):
    golden = repo / "tests" / "golden" / "demo-837p.x12"
    text = write_837(demo_batch, isa_control=1, gs_control=1, now=NOW)
    if request.config.getoption("--regen-golden"):
        golden.write_text(text)
    want = golden.read_text().split("~")
    got = text.split("~")
    diffs = [f"segment {i + 1}: want {w.strip()!r} got {g.strip()!r}"
             for i, (w, g) in enumerate(zip(want, got)) if w != g]
    assert len(want) == len(got), f"segment count {len(got)} != golden {len(want)}"
    assert not diffs, "\n".join(diffs[:20])


@pytest.mark.parametrize("char", ["*", "~", ":", "^"])
def test_separator_in_a_name_is_refused(demo_batch, char):
    claim = demo_batch.claims[0]
    bad = edge.replace(claim, subscriber=edge.replace(claim.subscriber, last_name=f"O{char}BRIEN"))
    batch = edge.replace(demo_batch, claims=[bad])
    with pytest.raises(InputError) as exc:
        write_837(batch, isa_control=1, gs_control=1, now=NOW)
    assert f"claim {claim.claim_id}" in str(exc.value) and "NM1-03 (last_name)" in str(exc.value)


@pytest.mark.parametrize("value,text", [("120.00", "120"), ("67.50", "67.5"), ("0.05", "0.05"),
                                        ("1000", "1000"), ("1E+3", "1000")])
def test_amount_format(value, text):
    from decimal import Decimal

    assert amount(Decimal(value)) == text
