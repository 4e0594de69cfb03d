"""The documented session examples load and build (docs must not drift from the code)."""
from __future__ import annotations

import re

from claimkit.build import build_claims
from claimkit.loaders import load_sessions


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_sessions_doc_examples_build(repo, tmp_path, registry, demo_practice):
    text = (repo / "docs" / "sessions.md").read_text()
    (json_block,) = _blocks(text, "json")
    (csv_block,) = _blocks(text, "csv")
    (tmp_path / "a.json").write_text(json_block)
    (tmp_path / "b.csv").write_text(csv_block)
    a = build_claims(load_sessions(tmp_path / "a.json"), demo_practice, registry)
    b = build_claims(load_sessions(tmp_path / "b.csv"), demo_practice, registry)
    assert [c.claim_id for c in a.claims] == ["S0042"] and a.claims[0].patient is not None
    assert [(ln.code, ln.units) for ln in b.claims[0].lines] == [("97112", 2), ("97110", 1)]
    section = text.split("## Flat CSV")[1].split("Required")[0]
    documented = {c.strip() for block in re.findall(r"`([^`]+)`", section, flags=re.S)
                  for c in block.split(",")}
    from claimkit.csvformat import CSV_COLUMNS
    assert set(CSV_COLUMNS) <= documented
