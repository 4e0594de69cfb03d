"""The benchmark's generated 837P is valid (pyx12 and claimkit agree) and the scan's memory
stays flat as the file grows."""
from __future__ import annotations

import tracemalloc
from pathlib import Path


def _write(gen837, path: Path, claims: int) -> Path:
    with open(path, "w", encoding="ascii", newline="") as fh:
        gen837.write(fh, claims)
    return path


def test_generated_file_is_valid_for_pyx12_and_claimkit(gen837, tmp_path, monkeypatch, scan,
                                                        pyx12_check) -> None:
    monkeypatch.setattr(gen837, "PER_ST", 10)  # several transaction sets in one group
    p = _write(gen837, tmp_path / "g.x12", 25)
    diags, claims, s = scan(p)
    assert diags == [] and len(claims) == 25
    assert [len(g.transactions) for g in s.interchanges[0].groups] == [3]
    assert all(len(pc.claim.lines) in (3, 4) for pc in claims)
    assert pyx12_check(p) == (True, [])


def _peak(path: Path, ctx) -> int:
    from claimkit.rules.scan.parser import scan_837
    from claimkit.x12.origin import parse_d8

    parse_d8.cache_clear()  # bounded caches start empty for both files
    tracemalloc.start()
    try:
        for _ in scan_837(path, ctx=ctx):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(gen837, tmp_path, monkeypatch, x12_ctx) -> None:
    import claimkit.rules.scan.parser as parser
    import claimkit.x12.reader as reader

    monkeypatch.setattr(parser, "CLEAN_MAX", 200)  # the bounded caches, kept small here
    monkeypatch.setattr(reader, "CHUNK", 64 * 1024)
    small = _write(gen837, tmp_path / "s.x12", 300)
    big = _write(gen837, tmp_path / "b.x12", 2400)  # 8x the claims
    _peak(small, x12_ctx)  # warm imports and caches
    p_small, p_big = _peak(small, x12_ctx), _peak(big, x12_ctx)
    assert big.stat().st_size > 7 * small.stat().st_size
    assert p_big < p_small * 1.3 + 200_000, (p_small, p_big)
