"""The 005010X222A1 guide is written down once (claimkit/x12/guide/x222a1.json): the committed
file is what the converter makes of its public source, nothing else restates it, and the x12
package never imports the rules that check it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import claimkit
from claimkit.x12.guide import guide
from claimkit.x12.guide import tables as T

PACKAGE = Path(claimkit.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[2]


def _modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_committed_guide_is_what_the_converter_writes() -> None:
    """tools/gen_x12_guide.py --check regenerates the data from pyx12's map (a test dependency)
    and compares: a hand edit of x222a1.json, or a new pyx12 map, shows up here."""
    res = subprocess.run([sys.executable, str(REPO / "tools" / "gen_x12_guide.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    about = guide().about
    assert "pyx12" in str(about["source"]) and "BSD" in str(about["license"])


def test_x12_never_imports_rules() -> None:
    """The package graph reads top-down: rules depend on x12, never the reverse."""
    bad = []
    for path, tree in _modules(PACKAGE / "x12"):
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            bad += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.startswith("claimkit.rules")]
    assert bad == []


def _literal_strings(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Dict):
        elts = [k for k in node.keys if k is not None]
    elif isinstance(node, (ast.Set, ast.Tuple, ast.List)):
        elts = list(node.elts)
    else:
        return None
    if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
        return [e.value for e in elts]  # type: ignore[attr-defined]
    return None


def test_no_other_table_restates_the_guide() -> None:
    """No literal collection outside claimkit/x12/guide/ lists three or more loop IDs, or spells
    out a code list of the guide (a qualifier list typed by hand would drift from the guide)."""
    loops = set(guide().loops)
    code_lists = set()
    for lp in guide().loops.values():
        for use in lp.segments:
            for el in use.elements:
                for e in (el, *el.components):
                    if e.codes and len(e.codes) >= 3:
                        code_lists.add(e.codes)
    found = []
    for path, tree in _modules(PACKAGE):
        if (PACKAGE / "x12" / "guide") in path.parents:
            continue
        for node in ast.walk(tree):
            vals = _literal_strings(node)
            if not vals or len(vals) < 3:
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"  # type: ignore[attr-defined]
            if sum(v in loops for v in vals) >= 3:
                found.append(f"{where} lists loops {vals[:6]}")
            if frozenset(vals) in code_lists:
                found.append(f"{where} spells out a guide code list {sorted(vals)[:6]}")
    assert found == []


def test_derived_tables_agree_with_the_guide_text() -> None:
    """Spot checks against the TR3 itself (section 2.3/2.4), so the derivation can fail."""
    assert T.LEVEL["2000B"] == 1 and T.LEVEL["2330B"] == 4 and T.LEVEL["2410"] == 4
    assert T.HL_LOOP == {"20": "2000A", "22": "2000B", "23": "2000C"}
    assert T.HL_PARENT == {"20": None, "22": "20", "23": "22"}
    assert T.NM1_LOOP["2300"]["DN"] == "2310A" and T.NM1_LOOP["2320"]["PR"] == "2330B"
    assert T.MAX_LOOP["2400"] == 50 and T.MAX_LOOP["2300"] == 100
    assert "DTP*472" in T.REQUIRED["2400"] and "loop:2330B" in T.REQUIRED["2320"]
    sv101 = next(e for e in T.ELEMENTS["2400.SV1"] if e[0] == 1)
    assert T.MAX_ELEMENTS["SV1"] == 21 and sv101[2] == "C" and sv101[3] == 7  # SV101-7, not -8
    assert T.ISA_WIDTHS[5] == 15 and "ZZ" in T.ISA_CODES[5]
    assert T.DX_QUALIFIERS == {"ABK", "ABF", "BK", "BF"}
    nm1_87 = T.ELEMENTS["2010AB.NM1"]
    assert next(e for e in nm1_87 if e[0] == 3)[1] == "N"  # NM103 not used for the pay-to address
    assert "P0304" in T.SYNTAX["2400.SV1"]
    assert T.CHILD_TRIGGERS["LX"][0] == "2400" and T.CONTEXT["2010CA"] == "2000C"


def test_writer_names_agree_with_the_guide() -> None:
    """Each element the writer names exists in the guide's segment, and no name the writer
    fills is an element the guide marks Not Used in every loop ("unused*" names excepted)."""
    from claimkit.x12.spec import POSITIONS

    for sid, names in POSITIONS.items():
        assert max(names.values()) <= T.MAX_ELEMENTS[sid], sid
        specs = [v for k, v in T.ELEMENTS.items() if k == sid or k.endswith("." + sid)]
        for name, pos in names.items():
            usages = {e[1] for spec in specs for e in spec if e[0] == pos}
            assert usages, (sid, name)
            assert name.startswith("unused") or usages != {"N"}, (sid, name, pos)


def test_origin_tables_point_at_segments_the_guide_places_there() -> None:
    """The origin of a claim field (claimkit.x12.origin) names a loop and segment by key and an
    element by the writer's name; every key must be a segment the guide has in that loop (a
    qualified key such as "2010AA.REF*EI" a use the guide lists there), and every element a
    position the guide does not mark Not Used in that loop."""
    from claimkit.x12 import origin
    from claimkit.x12.spec import position

    g = guide()
    checked = 0
    for table in (origin._CLAIM_REFS, origin._FALLBACK_REFS, origin._FALLBACK_REFS.keys()):
        for entry in (table.values() if isinstance(table, dict) else ((k, None) for k in table)):
            key, el = entry
            loop, seg = key.split(".", 1)
            sid, _, qual = seg.partition("*")
            uses = [s for s in g.loops[loop].segments if s.id == sid]
            assert uses, key
            if qual:
                assert any(s.qualifiers is None or qual in s.qualifiers for s in uses), key
            if el is not None:
                assert el[0] == sid, key
                pos = position(*el)
                assert any(e.seq == pos and e.usage != "N" for s in uses for e in s.elements), (key, el)
            checked += 1
    for key, el in origin._LINE_REFS.values():
        uses = [s for lid in ("2400", "2410") for s in g.loops[lid].segments if s.id == key]
        assert uses, key
        if el is not None:
            assert any(e.seq == position(*el) and e.usage != "N" for s in uses for e in s.elements), el
        checked += 1
    assert checked > 40
    assert origin._CLAIM_FIELDS["billing_provider.npi"] == ("2010AA.NM1", "NM1-09")
    assert origin._LINE_FIELDS["pointers"] == ("SV1", "SV1-07")
