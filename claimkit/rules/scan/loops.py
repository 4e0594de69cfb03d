"""Loop placement: which 837P loop each segment opens or belongs to, and the loops it closes.

Loops are recognised as the TR3 defines them: an HL opens the 2000A/B/C loop its HL03 names,
an NM1 opens the name loop its NM101 entity code names under the current context, CLM/LX/LIN/
SVD/LQ open their loops under the right parent, and an SBR after a claim opens 2320. Everything
else belongs to the open loop or is reported as misplaced/unknown. The structure itself is data
in :mod:`claimkit.x12.guide` (tables derived in :mod:`claimkit.x12.guide.tables`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claimkit.rules.scan.events import Events
from claimkit.x12.guide.tables import (
    CHILD_TRIGGERS,
    CONTEXT,
    HL_LOOP,
    LEVEL,
    MAX_ELEMENTS,
    MAX_LOOP,
    NM1_LOOP,
    PARENTS,
    QUALIFIED,
    QUALIFIED_LIMITS,
    SEGMENT_LIMITS,
    SIBLING_ORDER,
)
from claimkit.x12.origin import TransactionInfo
from claimkit.x12.reader import Segment

if TYPE_CHECKING:
    from claimkit.x12.claims import ClaimAssembler

# Plain-dict copies of the TR3 tables: looked up for every segment (faster than mappingproxy).
_MAX_LOOP = dict(MAX_LOOP)
_ANY = 1 << 30  # "no limit" (a TR3 max use of >1)
# loop -> (level, {segment ID allowed in the loop: how many times, all its uses together})
_LOOP_INFO = {loop: (LEVEL[loop], {sid: _ANY if n is None else n for sid, n in SEGMENT_LIMITS[loop].items()})
              for loop in LEVEL}
_QUALIFIED, _QUALIFIED_LIMITS = QUALIFIED, dict(QUALIFIED_LIMITS)
_NM1_LOOP = {k: dict(v) for k, v in NM1_LOOP.items()}
_NO_NM1: dict[str, str] = {}
# The context NM1 entity codes and child loops are read in, by open loop; segment -> (the loop
# it opens, the contexts it opens it in); the guide's order of sibling loops (all derived).
_CONTEXT = dict(CONTEXT)
_CHILD_TRIGGERS = dict(CHILD_TRIGGERS)
# loop -> the loops the guide orders after it under any of its parents, at its own nesting
# level (2320: 2400; an HL loop such as 2000C nests differently in the scan and is left out)
_LATER_SIBLINGS = {
    loop: frozenset(sib for (parent, sib), i in SIBLING_ORDER.items()
                    if parent in PARENTS[loop] and i > SIBLING_ORDER[(parent, loop)]
                    and LEVEL[sib] == LEVEL[loop])
    for loop in PARENTS if PARENTS[loop]}
_LATER_SIBLINGS.update({loop: frozenset() for loop in PARENTS if not PARENTS[loop]})
# Segments that may open a loop; any other segment belongs to the open loop (the common case).
_OPENERS = frozenset({"HL", "NM1", *_CHILD_TRIGGERS})
# loop -> "@" + loop: the key of a child loop's first segment (LoopRecord), made once, not per open
_FIRST_KEY = {loop: "@" + loop for loop in LEVEL}


class LoopRecord:
    """One open loop iteration: its first segment, segment counts, child loop counts (and its
    TR3 nesting level and allowed segments, looked up once).

    ``segs`` and ``children`` are one dict: segment IDs (and ``REF*EI``-style keys) start with
    a letter, loop IDs with a digit, and ``"@" + loop ID`` holds the first segment of that
    child loop. A loop opens for every few segments; one dict less counts.
    """

    __slots__ = ("id", "seg", "segs", "children", "level", "allowed")

    def __init__(self, id: str, seg: Segment) -> None:
        self.id, self.seg = id, seg
        self.level, self.allowed = _LOOP_INFO[id]
        self.segs = self.children = {seg.id: 1}  # its first segment counted


class TxState:
    """The open transaction set: its info, segment count, HL/LX counters and open claim."""
    __slots__ = ("info", "start", "count", "hl_open", "hl_next", "hl_prev", "lx_next",
                 "claim_id", "owned", "shadow", "ordinal", "subscribers")

    def __init__(self, info: TransactionInfo, start: int, owned: bool = True,
                 ordinal: int = 0) -> None:
        self.info, self.start, self.count = info, start, 1
        self.owned = owned  # False: only counted (another worker reports this transaction set)
        # Parallel scans split a large set at its subscriber (2000B) loops: ``shadow`` is True
        # while this scan follows a part another scan reports (see Scan._next_part).
        self.shadow = False
        self.ordinal = ordinal  # the set's 0-based ST ordinal in the file
        self.subscribers = 0  # 2000B loops opened so far
        # HL03 level -> HL01 of the open HL of that level. The 837P HL tree is depth-first
        # (children follow their parent), so only the open path is kept: memory stays flat.
        self.hl_open: dict[str, str] = {}
        self.hl_prev: Segment | None = None
        self.hl_next = 1
        self.lx_next = 1
        self.claim_id: str | None = None

    def after(self, seg: Segment, sid: str, loop: str | None) -> None:
        """Advance the HL/LX counters once the rules saw the segment."""
        if sid == "HL":
            hid = seg.el(1)
            self.hl_next = int(hid) + 1 if hid.isdecimal() else self.hl_next + 1
            level = seg.el(3)
            self.hl_open[level] = hid
            if level == "20":
                self.hl_open.pop("22", None)
            self.hl_prev = seg
        elif sid == "LX" and loop == "2400":
            n = seg.el(1)
            self.lx_next = int(n) + 1 if n.isdecimal() else self.lx_next + 1


class LoopTracker(Events):
    """Placement of the segments of the open transaction set (the scan's ``stack``)."""

    where = "header"  # the context of NM1 entity codes and child loops
    _share: Any = None  # a parallel scan's part of the file (see Scan); None: all of it
    claims: ClaimAssembler  # set by the scan (parser.Scan): a closing 2300 loop yields its claim

    def _next_part(self) -> None:
        """A 2000B loop opened (its predecessors closed): where a parallel scan's part may
        start or end (defined by Scan)."""

    def _place(self, seg: Segment, sid: str) -> None:
        """Put the segment in its loop (opening/closing loops) or report it as misplaced."""
        stack = self.stack
        if sid not in _OPENERS:
            if not stack:
                self._misplaced(None, sid)
                return
            cur = stack[-1]
            limit = cur.allowed.get(sid)  # (one probe, not two)
            if limit is None:
                self._misplaced(cur, sid)
                return
            self.loop = cur.id
            segs = cur.segs
            n = segs[sid] = segs.get(sid, 0) + 1
            over = n > limit  # max use (TR3 2.3): rules run only when over
            if sid in _QUALIFIED:  # also counted per use, by qualifier (REF*EI, DTP*472, HI*ABK)
                e = seg.elements
                q = e[0] if e else ""
                comp = seg.delimiters.component
                key = sid + "*" + (q.split(comp, 1)[0] if comp in q else q)
                k = segs[key] = segs.get(key, 0) + 1
                over = over or k > _QUALIFIED_LIMITS.get((cur.id, key), k)
            if over:
                self._emit("maxuse")
            return
        loop: str | None = None
        where = self.where
        trigger = _CHILD_TRIGGERS.get(sid)
        if trigger is not None:
            if where in trigger[1] and not self._after_later_sibling(trigger[0]):
                loop = trigger[0]
        elif sid == "NM1":
            loop = _NM1_LOOP.get(where, _NO_NM1).get(seg.el(1))
        elif sid == "HL":
            loop = HL_LOOP.get(seg.el(3), "2000B")
        if loop is not None:
            # The segment is the first of its new loop: only the loop's repeat can be over.
            if self._open(loop, seg):
                self._emit("maxuse")
            return
        cur = stack[-1] if stack else None  # (the first SBR of 2000B: a segment of the open loop)
        if cur is None or sid not in cur.allowed or sid == "NM1":
            self._misplaced(cur, sid)
            return
        self.loop = cur.id
        segs = cur.segs
        n = segs[sid] = segs.get(sid, 0) + 1
        if n > cur.allowed[sid]:
            self._emit("maxuse")

    def _after_later_sibling(self, loop: str) -> bool:
        """True when a loop that the guide puts after LOOP under the same parent is open (an SBR
        of 2320 after the claim's 2400 lines: the other payer loops come before the lines)."""
        later = _LATER_SIBLINGS[loop]
        if later:  # (2300 and 2400 have none: CLM and LX, the common triggers, skip the walk)
            for rec in self.stack:
                if rec.id in later:
                    return True
        return False

    def _misplaced(self, cur: LoopRecord | None, sid: str) -> None:
        self.loop = cur.id if cur else None
        self._emit("unknown" if sid not in MAX_ELEMENTS else "misplaced")

    def _open(self, loop: str, seg: Segment) -> bool:
        """Open LOOP at SEG (closing what it ends); True when the loop now repeats more often
        under its parent than the TR3 allows."""
        rec = LoopRecord(loop, seg)
        stack = self.stack
        if stack and stack[-1].level >= rec.level:
            self._close_loops(rec.level)
        if loop == "2000B" and self._share is not None:  # after the closes: they end the part
            self._next_part()
        over = False
        if stack:
            ch = stack[-1].children
            n = ch.get(loop, 0)
            ch[loop] = n + 1
            if not n:  # where each child loop first opened ("@" + ID): where a missing one
                ch[_FIRST_KEY[loop]] = seg  # required sibling was expected (CK-G001, 999 IK302)
            elif loop in _MAX_LOOP:
                over = n + 1 > _MAX_LOOP[loop]
        stack.append(rec)
        self.loop = loop
        if loop in _CONTEXT:
            self.where = _CONTEXT[loop]
        if loop == "2300" and self.tx is not None:
            self.tx.claim_id = seg.el(1)
            self.tx.lx_next = 1
        return over

    def _close_loops(self, level: int) -> None:
        """Close the open loops at ``level`` or deeper: their close rules, then the claim."""
        stack = self.stack
        close = self._close
        while stack and stack[-1].level >= level:
            rec = stack.pop()
            rules = close[rec.id]
            if rules:  # (most loops have no close rule: no call)
                self.closed = rec
                self._fire("close", rules)
                self.closed = None
            if rec.id == "2300":
                pc = self.claims.close_claim()
                if pc is not None:
                    self._out.append(pc)
                if self.tx is not None:
                    self.tx.claim_id = None
