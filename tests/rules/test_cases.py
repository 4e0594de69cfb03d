"""Run every data-file rule case: fail_* cases must produce the expected findings of their rule
at the expected line and field, pass_* cases none."""
from __future__ import annotations

from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
FILES = sorted(CASES.glob("CK-*/*.json"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_case(path: Path, make_case, registry, tmp_path: Path) -> None:
    case = make_case(path)
    found = case.run(registry, tmp_path)
    assert all(d.rule == case.rule for d in found)
    if not case.expect_fail:
        assert found == [], [d.message for d in found]
        return
    assert found, f"{case.rule} did not fire on {path.name}"
    for d in found:
        # Every finding names the file and the claim (session file: the row), carries a message
        # and its level; claim rules also a fix.
        assert d.location.file and d.message and d.level is not None
        if case.sessions:
            assert d.location.row
        else:
            assert d.location.claim_id == case.claim_data["claim_id"] and d.fix
    for exp in case.expect:
        match = [d for d in found
                 if d.location.line == exp.get("line") and d.location.field == exp.get("field")
                 and d.location.row == exp.get("row", d.location.row)]
        assert match, (exp, [(d.location.line, d.location.field, d.message) for d in found])
        if "message" in exp:  # a part of the message the finding must carry
            assert exp["message"] in match[0].message, match[0].message
        if "replacements" in exp:
            assert list(dict(match[0].values)["replacements"]) == exp["replacements"]
        for key in ("message", "fix"):  # optional: text the finding's message / fix must contain
            if key in exp:
                assert any(exp[key] in (getattr(d, key) or "") for d in match), (
                    exp[key], [getattr(d, key) for d in match])
        for text in exp.get("absent", []):  # optional: text neither message nor fix may contain
            assert not any(text in f"{d.message} {d.fix}" for d in match), (
                text, [(d.message, d.fix) for d in match])
