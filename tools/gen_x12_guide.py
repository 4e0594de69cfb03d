"""Maintainer tool: write claimkit's 005010X222A1 guide data from pyx12's map of the same guide.

    python tools/gen_x12_guide.py            # rewrite claimkit/x12/guide/x222a1.json
    python tools/gen_x12_guide.py --check    # exit 1 when the committed files are not what this writes

It also writes ``claimkit/models/x12_limits.py``: the maximum lengths of the X12 elements the
domain models mirror (the models package must not import claimkit.x12, so the facts are copied
there by this tool, never by hand).

Source: pyx12 (BSD licence, PyPI ``pyx12``), ``pyx12/map/837.5010.X222.A1.xml`` (loops, segments,
element usage, repeats, composites, code values), ``dataele.xml`` (data types and lengths) and
``codes.xml`` (the external state and country lists the map names). pyx12's map is a
machine-readable statement of the ASC X12N 005010X222A1 TR3; we keep the facts (structure, usage,
lengths, codes) and record where they came from, never pyx12 code. The file is committed, so the
installed claimkit never needs pyx12 (a test dependency) to know the guide.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from lxml import etree

OUT = Path(__file__).resolve().parent.parent / "claimkit" / "x12" / "guide" / "x222a1.json"
LIMITS_OUT = OUT.parents[2] / "models" / "x12_limits.py"
# (constant, loop, segment, element ref, component position or None, what the model field holds)
LIMITS = (
    ("NM103", "2010BA", "NM1", "NM103", None, "last name or organisation name"),
    ("NM104", "2010BA", "NM1", "NM104", None, "first name"),
    ("NM105", "2010BA", "NM1", "NM105", None, "middle name"),
    ("NM109", "2010BA", "NM1", "NM109", None, "identifier (member ID, NPI, payer ID)"),
    ("N301", "2010AA", "N3", "N301", None, "address line 1"),
    ("N302", "2010AA", "N3", "N302", None, "address line 2"),
    ("N401", "2010AA", "N4", "N401", None, "city"),
    ("SBR03", "2000B", "SBR", "SBR03", None, "group number"),
    ("SV101_7", "2400", "SV1", "SV101", 7, "procedure description"),
    ("REF02", "2300", "REF", "REF02", None, "reference number (prior authorization, referral, "
     "payer claim control number)"),
    ("NTE02", "2300", "NTE", "NTE02", None, "claim note"),
    ("PWK06", "2300", "PWK", "PWK06", None, "attachment control number"),
)
MAP = "837.5010.X222.A1.xml"
# External code lists the guide file carries (small, stable X12 lists); "pos" is a claimkit code
# set checked by date of service, "remark_code" and "currency" are left to the payer.
EXTERNAL_KEPT = ("states", "country")
# Loops outside the transaction set proper, and pyx12's wrapper loops (not TR3 loops).
WRAPPERS = {"ISA_LOOP", "GS_LOOP", "ST_LOOP", "DETAIL", "FOOTER"}


def _text(node: etree._Element, tag: str) -> str | None:
    found = node.find(tag)
    return found.text.strip() if found is not None and found.text else None


def _repeat(value: str | None) -> int | None:
    """'1' -> 1, '>1' -> None (unbounded)."""
    if value is None or value.startswith(">"):
        return None
    return int(value)


def _element(node: etree._Element, dataele: dict[str, tuple[str, int, int]]) -> dict:
    num = _text(node, "data_ele") or ""
    typ, lo, hi = dataele.get(num, ("AN", 1, 1))
    out: dict = {"seq": int(_text(node, "seq") or 0), "ref": node.get("xid"), "name": _text(node, "name"),
                 "usage": _text(node, "usage"), "data_ele": num}
    if node.tag == "composite":
        out["type"] = "C"
        out["components"] = [_element(c, dataele) for c in node if c.tag == "element"]
        return out
    out.update(type=typ, min=lo, max=hi)
    codes = node.find("valid_codes")
    if codes is not None:
        if codes.get("external"):
            out["external"] = codes.get("external")
        values = [c.text.strip() for c in codes.findall("code") if c.text]
        if values:
            out["codes"] = values
    return out


def _segment(node: etree._Element, dataele: dict[str, tuple[str, int, int]]) -> dict:
    return {"id": node.get("xid"), "name": _text(node, "name"), "usage": _text(node, "usage"),
            "pos": _text(node, "pos"), "max_use": _repeat(_text(node, "max_use")),
            "syntax": [s.text.strip() for s in node.findall("syntax") if s.text],
            "elements": [_element(e, dataele) for e in node if e.tag in ("element", "composite")]}


def convert(map_dir: Path) -> dict:
    dataele = {d.get("ele_num"): (d.get("data_type"), int(d.get("min_len") or 1), int(d.get("max_len") or 1))
               for d in etree.parse(str(map_dir / "dataele.xml")).getroot() if d.tag == "data_ele"}
    root = etree.parse(str(map_dir / MAP)).getroot()
    loops: dict[str, dict] = {}
    envelope: dict[str, dict] = {}

    def walk(node: etree._Element, parent: str | None, parent_level: int) -> None:
        for child in node:
            if child.tag != "loop":
                continue
            lid = child.get("xid")
            if lid in WRAPPERS:
                for seg in child:
                    if seg.tag == "segment":  # ISA/IEA, GS/GE, ST/SE (TA1 is not part of an 837)
                        envelope[seg.get("xid")] = _segment(seg, dataele)
                walk(child, None, -1)
                continue
            segments = [_segment(s, dataele) for s in child if s.tag == "segment"]
            trigger = segments[0]["id"] if segments else None
            # HL loops follow each other in the file (the HL tree is in HL02, not in nesting):
            # they are all level 1. Other loops nest one level below their parent.
            level = 0 if lid == "HEADER" else 1 if trigger == "HL" or lid in ("1000A", "1000B") else parent_level + 1
            if parent in loops and lid not in loops[parent]["children"]:
                loops[parent]["children"].append(lid)  # in the guide's order, per parent
            if lid in loops:  # 2300 appears under 2000B and 2000C with the same content
                if parent not in loops[lid]["parents"]:
                    loops[lid]["parents"].append(parent)
                loops[lid]["usage_under"][parent] = _text(child, "usage")
            else:
                loops[lid] = {"id": lid, "name": _text(child, "name"), "usage": _text(child, "usage"),
                              "usage_under": {parent or "": _text(child, "usage")},
                              "repeat": _repeat(_text(child, "repeat")), "parents": [parent], "children": [],
                              "level": level, "segments": segments}
            walk(child, lid, level)

    walk(root, None, -1)
    for loop in loops.values():
        loop["parents"] = [p for p in loop["parents"] if p]
    codes_root = etree.parse(str(map_dir / "codes.xml")).getroot()
    code_lists = {}
    for cs in codes_root.findall("codeset"):
        if cs.findtext("id") in EXTERNAL_KEPT:
            code_lists[cs.findtext("id")] = sorted({c.text.strip() for c in cs.iter("code") if c.text})
    envelope.pop("TA1", None)
    return {"loops": loops, "envelope": envelope, "code_lists": code_lists}


def build() -> dict:
    import pyx12

    map_dir = Path(pyx12.__file__).resolve().parent / "map"
    data = convert(map_dir)
    version = getattr(pyx12, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("pyx12")
    about = {
        "guide": "ASC X12N 005010X222A1 Health Care Claim: Professional (837P)",
        "source": f"pyx12 {version}: map/{MAP}, map/dataele.xml, map/codes.xml (states, country)",
        "sha256": {name: hashlib.sha256((map_dir / name).read_bytes()).hexdigest()
                   for name in (MAP, "dataele.xml", "codes.xml")},
        "license": "pyx12 is BSD-licensed (Copyright John Holland); facts of the TR3, not code, are kept",
        "generated_by": "python tools/gen_x12_guide.py",
    }
    return {"about": about, **data}


def render(data: dict) -> str:
    """One loop per block, one segment use per line: reviewable diffs, stable bytes."""
    lines = ["{", f' "about": {json.dumps(data["about"], sort_keys=True)},', ' "code_lists": {']
    lists = data["code_lists"]
    lines += [f'  {json.dumps(k)}: {json.dumps(v)}' + ("," if i < len(lists) - 1 else "")
              for i, (k, v) in enumerate(sorted(lists.items()))]
    env = data["envelope"]
    lines += [" },", ' "envelope": {']
    lines += [f'  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}' + ("," if i < len(env) - 1 else "")
              for i, (k, v) in enumerate(env.items())]
    lines += [" },", ' "loops": {']
    loops = list(data["loops"].values())
    for i, loop in enumerate(loops):
        head = {k: v for k, v in loop.items() if k != "segments"}
        lines.append(f'  {json.dumps(loop["id"])}: {{"loop": {json.dumps(head, sort_keys=True)}, "segments": [')
        segs = loop["segments"]
        lines += [f"   {json.dumps(s, sort_keys=True)}" + ("," if j < len(segs) - 1 else "")
                  for j, s in enumerate(segs)]
        lines.append("  ]}" + ("," if i < len(loops) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


MODIFIER_ELEMENT = "1339"  # X12 data element 1339, Procedure Modifier


def _max_length(data: dict, loop: str, sid: str, ref: str, comp: int | None) -> int:
    seg = next(s for s in data["loops"][loop]["segments"] if s["id"] == sid)
    el = next(e for e in seg["elements"] if e["ref"] == ref)
    return int(el["components"][comp - 1]["max"] if comp else el["max"])


def render_limits(data: dict) -> str:
    """claimkit/models/x12_limits.py from the guide data (one constant per mirrored element)."""
    lines = ['"""Maximum lengths of the X12 elements the domain models mirror (005010X222A1).',
             "",
             "Generated by ``python tools/gen_x12_guide.py`` from claimkit/x12/guide/x222a1.json; do",
             "not edit. The models package may not import claimkit.x12, so the facts are copied here.",
             '"""', ""]
    for name, loop, sid, ref, comp, what in LIMITS:
        where = f"{ref}-{comp}" if comp else ref
        lines.append(f"{name}_MAX = {_max_length(data, loop, sid, ref, comp)}  # {loop} {where}: {what}")
    sv101 = next(e for s in data["loops"]["2400"]["segments"] if s["id"] == "SV1"
                 for e in s["elements"] if e["ref"] == "SV101")
    mods = sum(1 for c in sv101["components"] if c["data_ele"] == MODIFIER_ELEMENT)
    lines.append(f"MODIFIERS_MAX = {mods}  # 2400 SV101-3..: procedure modifiers a line carries")
    pwk = next(s for s in data["loops"]["2300"]["segments"] if s["id"] == "PWK")
    lines.append(f"ATTACHMENTS_MAX = {pwk['max_use']}  # 2300 PWK: attachments a claim carries")
    lp = data["loops"]["2320"]
    other = (lp["loop"] if "loop" in lp else lp)["repeat"]  # as written (JSON) or as built
    lines.append(f"OTHER_PAYERS_MAX = {other}  # 2320: other payers a claim names")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = ap.parse_args(argv)
    data = build()
    text, limits = render(data), render_limits(data)
    if args.check:
        stale = [p for p, t in ((OUT, text), (LIMITS_OUT, limits)) if p.read_text(encoding="utf-8") != t]
        for p in stale:
            print(f"{p} differs from what pyx12's map gives; run: python tools/gen_x12_guide.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    LIMITS_OUT.write_text(limits, encoding="utf-8")
    print(f"wrote {OUT} ({len(text)} bytes, {len(json.loads(text)['loops'])} loops) and {LIMITS_OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
