"""The 005010X222A1 implementation guide, written down once as data (``x222a1.json``).

Every loop with its level, parents, repeat and usage; every segment use with its usage, max use
and elements (usage, type, lengths, composite components, code values). The file is generated
from a public machine-readable statement of the guide by ``tools/gen_x12_guide.py`` (source,
version and licence in its ``about``). The tables the reader, the element checks, the writer
and the models need are computed here from it, never typed by hand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

__all__ = ["Element", "Guide", "Loop", "SegmentUse", "guide"]


@dataclass(frozen=True, slots=True)
class Element:
    """One element (or composite component) of a segment use, as the guide states it."""

    seq: int  # 1-based position in the segment (or in the composite)
    ref: str  # "SV101", "SV101-07"
    name: str
    usage: str  # R required, S situational, N not used
    type: str  # AN ID N0..N9 R DT TM C (composite)
    min: int
    max: int
    codes: frozenset[str] | None  # the values the guide allows, None = any
    external: str | None  # a code list kept elsewhere: "states", "country" (here), "pos" (codesets)
    components: tuple[Element, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentUse:
    """One segment as it may appear in one loop (a loop may use a segment ID several times,
    told apart by its qualifier: REF*EI and REF*SY, DTP*431 and DTP*472...)."""

    id: str
    loop: str
    name: str
    usage: str
    pos: str
    max_use: int | None  # None: unbounded (">1")
    syntax: tuple[str, ...]  # X12 syntax notes, e.g. "P0304" (paired), "C0605" (conditional)
    elements: tuple[Element, ...]

    @property
    def qualifiers(self) -> frozenset[str] | None:
        """The first element's allowed values (a composite's: its first component's), which tell
        this use from its siblings (REF*EI from REF*SY, HI*ABK from HI*BP)."""
        if not self.elements:
            return None
        first = self.elements[0]
        if first.type == "C":
            return first.components[0].codes if first.components else None
        return first.codes

    def element(self, seq: int) -> Element | None:
        """The segment's element at position SEQ (1-based), or None when the guide has none there."""
        for el in self.elements:
            if el.seq == seq:
                return el
        return None


@dataclass(frozen=True, slots=True)
class Loop:
    """One loop of the guide: usage per parent, repeat limit, parents and child loops."""

    id: str
    name: str
    usage: str  # usage under its first parent (2300: S under 2000B, R under 2000C)
    usage_under: Mapping[str, str]
    repeat: int | None
    parents: tuple[str, ...]
    children: tuple[str, ...]  # child loops in the guide's order
    level: int  # 0 header, 1 the HL loops and 1000A/B, then one per nesting
    segments: tuple[SegmentUse, ...]

    @property
    def trigger(self) -> SegmentUse:
        """The segment that opens the loop (its first)."""
        return self.segments[0]


def _element(d: dict) -> Element:
    codes = d.get("codes")
    return Element(d["seq"], d["ref"], d.get("name") or "", d.get("usage") or "S", d["type"], d.get("min", 0),
                   d.get("max", 0), frozenset(codes) if codes else None, d.get("external"),
                   tuple(_element(c) for c in d.get("components", ())))


def _segment(d: dict, loop: str) -> SegmentUse:
    return SegmentUse(d["id"], loop, d.get("name") or "", d.get("usage") or "S", d.get("pos") or "",
                      d.get("max_use"), tuple(d.get("syntax", ())), tuple(_element(e) for e in d["elements"]))


class Guide:
    """The loaded guide: loops, segment uses, envelope segments and the external code lists."""

    def __init__(self, data: dict) -> None:
        self.about: Mapping[str, object] = MappingProxyType(data["about"])
        self.code_lists: Mapping[str, frozenset[str]] = MappingProxyType(
            {k: frozenset(v) for k, v in data["code_lists"].items()})
        self.envelope: Mapping[str, SegmentUse] = MappingProxyType(
            {sid: _segment(d, "") for sid, d in data["envelope"].items()})
        loops = {}
        for lid, entry in data["loops"].items():
            head = entry["loop"]
            loops[lid] = Loop(lid, head["name"], head["usage"], MappingProxyType(head["usage_under"]),
                              head["repeat"], tuple(head["parents"]), tuple(head.get("children", ())),
                              head["level"],
                              tuple(_segment(s, lid) for s in entry["segments"]))
        self.loops: Mapping[str, Loop] = MappingProxyType(loops)

    def uses(self, loop: str, segment_id: str) -> tuple[SegmentUse, ...]:
        """The uses of SEGMENT_ID the guide allows in LOOP (several when told apart by qualifier)."""
        lp = self.loops.get(loop)
        if lp is None:
            env = self.envelope.get(segment_id)
            return (env,) if env is not None else ()
        return tuple(s for s in lp.segments if s.id == segment_id)

    def use_for(self, loop: str, segment_id: str, qualifier: str | None) -> SegmentUse | None:
        """The use of a segment in LOOP whose first element allows QUALIFIER (or its only use)."""
        uses = self.uses(loop, segment_id)
        if len(uses) == 1:
            return uses[0]
        for use in uses:
            q = use.qualifiers
            if q is None or (qualifier is not None and qualifier in q):
                return use
        return None

    def children(self, loop: str) -> tuple[Loop, ...]:
        """LOOP's child loops, in the guide's order under LOOP."""
        return tuple(self.loops[c] for c in self.loops[loop].children)


@lru_cache(maxsize=1)
def guide() -> Guide:
    """The 005010X222A1 guide (loaded once per process)."""
    text = resources.files(__package__).joinpath("x222a1.json").read_text(encoding="utf-8")
    return Guide(json.loads(text))
