"""Streaming 837P scan: envelopes, loop placement, claims, and the x12-scope rules, in one pass.

``scan_837(data_or_path, file=..., ctx=...)`` yields Diagnostics as they are found and a
:class:`~claimkit.x12.origin.ParsedClaim` as each claim closes, so memory stays flat as files grow.
After iteration ``.interchanges`` holds what a 999 needs (ISA/GS/ST control numbers and counts).

The scan object is also the *event* that x12 rules receive: a rule subscribed to a segment ID
reads ``ev.seg``, ``ev.loop``, ``ev.cur`` (the open loop) and ``ev.tx`` (the transaction set);
rules subscribed to ``close`` read ``ev.closed`` (loops with required content only); to
``missing`` read ``ev.missing``; ``maxuse`` fires only when a segment or loop count is over its
TR3 limit.
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any, Callable, Iterator

from claimkit.diagnostics import Diagnostic, Location
from claimkit.rules.engine import Context, Hit, Selection, rules_for
from claimkit.rules.x12_common import check_elements
from claimkit.rules.x12_tr3 import (ALLOWED, HL_LOOP, LEVEL, MAX_ELEMENTS, MAX_LOOP, MAX_USE,
                                    NM1_LOOP, PHI_LOOPS, REQUIRED)
from claimkit.x12.claims import ClaimAssembler
from claimkit.x12.origin import GroupInfo, InterchangeInfo, ParsedClaim, TransactionInfo
from claimkit.x12.reader import SegmentReader, Segment, file_reader, _decode

# Plain-dict copies of the TR3 tables: looked up for every segment (faster than mappingproxy).
_ALLOWED, _MAX_USE, _LEVEL = dict(ALLOWED), dict(MAX_USE), dict(LEVEL)
_NM1_LOOP = {k: dict(v) for k, v in NM1_LOOP.items()}
_NO_NM1: dict[str, str] = {}
_ENVELOPE = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
_TRAILERS = frozenset({"SE", "GE", "IEA"})
_CONTEXT = {"2000A": "2000A", "2000B": "2000B", "2000C": "2000C", "2300": "2300", "2320": "2320",
            "2400": "2400", "1000A": "header", "1000B": "header", "HEADER": "header"}
_CHILD_TRIGGERS = {"CLM": ("2300", ("2000B", "2000C", "2300", "2320", "2400")),
                   "LX": ("2400", ("2300", "2320", "2400")),
                   "LIN": ("2410", ("2400",)), "SVD": ("2430", ("2400",)),
                   "LQ": ("2440", ("2400",))}


class LoopRecord:
    """One open loop iteration: its first segment, segment counts, child loop counts."""

    __slots__ = ("id", "seg", "segs", "children", "claim_id")

    def __init__(self, id: str, seg: Segment, claim_id: str | None) -> None:
        self.id, self.seg, self.claim_id = id, seg, claim_id
        self.segs: dict[str, int] = {}
        self.children: dict[str, int] = {}


class TxState:
    __slots__ = ("info", "start", "count", "hl_open", "hl_next", "hl_prev", "lx_next",
                 "claim_id", "owned")

    def __init__(self, info: TransactionInfo, start: int, owned: bool = True) -> None:
        self.info, self.start, self.count = info, start, 1
        self.owned = owned  # False: only counted (another worker reports this transaction set)
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


CLEAN_MAX = 20_000  # remembered clean segments: a few MB at most, then forgotten
_NOTHING: list[Any] = []
_FIXES: dict[str, str | None] = {}


def _fix_of(r: Any) -> str | None:
    """The rule's documented fix ("Fix: ..." paragraph of its docstring), as the hint."""
    if r.id not in _FIXES:
        fix, on = [], False
        for line in r.doc.splitlines():
            if line.startswith(("Fix:", "How to fix:")):
                on = True
                line = line.split(":", 1)[1]
            elif on and (not line.strip() or line.startswith("Reference")):
                break
            if on:
                fix.append(line.strip())
        _FIXES[r.id] = " ".join(fix).strip() or None
    return _FIXES[r.id]


def _is_path(x: Any) -> bool:
    if isinstance(x, os.PathLike):
        return True
    if isinstance(x, str) and len(x) < 4096 and "\n" not in x and "\x00" not in x:
        try:
            return os.path.isfile(x)
        except (OSError, ValueError):
            return False
    return False


class Scan:
    """Iterator over Diagnostics and ParsedClaims of one X12 input (see module doc)."""

    def __init__(self, data_or_path: Any, *, file: str | None, ctx: Context,
                 selection: Selection | None = None, owns: Callable[[int], bool] | None = None,
                 envelope: bool = True) -> None:
        import claimkit.rules.x12_envelope  # noqa: F401  (registers the x12 rules)
        import claimkit.rules.x12_guide  # noqa: F401
        import claimkit.rules.x12_syntax  # noqa: F401

        if _is_path(data_or_path):
            self.reader = file_reader(data_or_path)
            self.file = file or os.fspath(data_or_path)
        else:
            self.reader = SegmentReader([_decode(data_or_path)])
            self.file = file
        self.ctx = ctx
        # Parallel validation: each worker reports the transaction sets it owns (by 0-based ST
        # ordinal in the file) and one of them the envelope; their outputs add up to one scan.
        self._owns = owns
        self._envelope_on = envelope
        self._live = envelope  # may findings be reported now? (recomputed as ST/SE come and go)
        self._st_seen = 0
        self.interchanges: list[InterchangeInfo] = []
        self._table: dict[str, list] = defaultdict(list)
        self._pure: dict[str, list] = defaultdict(list)  # segment rules that read only the text
        sel = selection or Selection()
        for r in rules_for("x12", sel):
            target = self._pure if getattr(r.func, "x12_pure", False) else self._table
            for kind in getattr(r.func, "x12_on", ()):
                target[kind].append((r, sel.severity_of(r)))
        self._elements = self._table.get("elements", [])
        self._it = self._run()
        # event state read by rules
        self.seg: Segment | None = None
        self.loop: str | None = None
        self.where = "header"
        self.stack: list[LoopRecord] = []
        self.tx: TxState | None = None
        self.ix: InterchangeInfo | None = None
        self.grp: GroupInfo | None = None
        self.closed: LoopRecord | None = None
        self.missing: str | None = None
        self.note: Any = None
        self.claims = ClaimAssembler(self.file)
        self.element_cache: Any = None
        self._out: list[Diagnostic | ParsedClaim] = []
        self.at_end = False
        self.kind = ""

    def __iter__(self) -> "Scan":
        return self

    def __next__(self) -> Diagnostic | ParsedClaim:
        return next(self._it)

    @property
    def cur(self) -> LoopRecord | None:
        return self.stack[-1] if self.stack else None

    @property
    def ts_position(self) -> int | None:
        return self.seg.index - self.tx.start + 1 if self.tx and self.seg else None

    def show(self, value: str, loop: str | None = None) -> str:
        """A value for a message, withheld in subscriber/patient loops (no PHI in reports)."""
        return "(withheld)" if (loop or self.loop) in PHI_LOOPS else repr(value)

    def hit(self, message: str, *, pos: int | None = None, comp: int | None = None,
            ik3: str | None = None, ik4: str | None = None, seg: Segment | None = None,
            loop: str | None = None, fix: str | None = None, **values: Any) -> Hit:
        """A Hit located at a segment (default: the current one) with the 999 error codes."""
        seg = seg or self.seg
        loop = loop if loop is not None else self.loop
        tx = self.tx
        v: dict[str, Any] = {}
        if tx is not None and seg is not None and seg.index >= tx.start:
            v["st_control"] = tx.info.st_control
            v["ts_position"] = seg.index - tx.start + 1
        if ik3:
            v["ik3_code"] = ik3
        if ik4:
            v["ik4_code"] = ik4
            v["element_position"] = pos
            if comp:
                v["component_position"] = comp
        v.update(values)
        el = None
        if pos and seg is not None:
            el = f"{seg.id}-{pos:02d}" + (f"-{comp}" if comp else "")
        claim_id = tx.claim_id if tx is not None and loop and loop[:2] in ("23", "24") else None
        loc = Location(file=self.file, segment_index=seg.index if seg else None,
                       segment_id=seg.id if seg else None, loop=loop, element=el,
                       claim_id=claim_id)
        return Hit(message, fix=fix, values=v, location=loc)

    # -- dispatch -------------------------------------------------------------------------
    def _emit(self, kind: str, table: dict[str, list] | None = None) -> None:
        rules = (table or self._table).get(kind)
        if not rules or not self._live:
            return
        self.kind = kind
        out = self._out
        for r, sev in rules:
            for h in r.func(self, self.ctx):
                out.append(self._diag(r, sev, h))

    def _diag(self, r: Any, sev: Any, h: Hit) -> Diagnostic:
        if self.tx is not None and "st_control" in h.values:
            self.tx.info.findings += 1
            if sev.value == "error":
                self.tx.info.errors += 1
        return Diagnostic(rule=r.id, slug=r.slug, severity=sev, message=h.message,
                          location=h.location or Location(file=self.file),
                          fix=h.fix or _fix_of(r), level=r.level, values=tuple(h.values.items()))

    # -- the pass -------------------------------------------------------------------------
    def _run(self) -> Iterator[Diagnostic | ParsedClaim]:
        notes = self.reader.notes
        seen = 0
        table = self._table
        out = self._out
        elements = self._elements
        check = check_elements
        pure = self._pure
        # (loop, element sep, component sep, text) of segments found clean: per scan, since
        # what "clean" means depends on the rules selected.
        clean: set[tuple[Any, str, str, str]] = set()
        feed = self.claims.feed
        for seg in self.reader:
            if len(notes) > seen:
                self._notes(notes[seen:])
                seen = len(notes)
            self.seg = seg
            sid = seg.id
            tx = self.tx
            if sid in _ENVELOPE:
                self._envelope(seg, sid)
            elif tx is None:
                self.loop = None
                self._emit("outside")
            elif not tx.owned:  # counted for the 999, otherwise skipped (another scan owns it)
                tx.count += 1
                if out:  # findings of notes read before this segment
                    yield from out
                    out.clear()
                continue
            else:
                tx.count += 1
                self._place(seg, sid)
            # Content checks (element table + pure segment rules) depend only on the segment's
            # text, delimiters and loop: a segment seen clean before in the same loop is skipped.
            d = seg.delimiters
            key = (self.loop, d.element, d.component, seg.raw)
            if self._live and key not in clean:  # (not live: no findings, so not "clean" either)
                before = len(out)
                self.element_cache = check(self) if elements else _NOTHING
                if self.element_cache:
                    self._emit("elements")
                if sid in pure:
                    self._emit(sid, pure)
                if len(out) == before:
                    if len(clean) > CLEAN_MAX:  # bounded: memory stays flat on huge files
                        clean.clear()
                    clean.add(key)
            if sid in table:
                self._emit(sid)
            if sid in _TRAILERS:
                self._after_trailer(seg, sid)
            elif self.loop and self.tx is not None:
                feed(seg, self.loop, sid)
                if sid == "HL" or sid == "LX":
                    self.tx.after(seg, sid, self.loop)
            if out:
                yield from out
                out.clear()
        self.at_end = True
        if len(notes) > seen:
            self._notes(notes[seen:])
        self._finish(None)
        yield from out
        out.clear()
        if not self.reader.saw_isa:
            from claimkit.errors import InputError
            raise InputError("not an X12 interchange: no usable ISA segment found",
                             file=self.file)

    def _notes(self, notes: list[Any]) -> None:
        """Report what the reader skipped: outside any transaction set, so an envelope finding."""
        live, self._live = self._live, self._envelope_on
        for self.note in notes:
            self._emit("note")
        self.note = None
        self._live = live

    def _finish(self, upto: str | None) -> None:
        """Close what is open when a higher envelope starts or the data ends (missing trailers)."""
        if self.tx is not None:
            self._close_loops(0)
            self.missing = "SE"
            self._emit("missing")
            self.missing = None  # (the rule resets it too; not when it is not live)
            owned = self.tx.owned
            self._end_tx(None)
            if self.at_end:  # what is missing below is reported at the last segment, inside
                self._live = owned  # this transaction set: by the scan that owns it
        if upto == "ST":
            return
        if self.grp is not None:
            self.missing = "GE"
            self._emit("missing")
            self.missing = None
            self.grp = None
        if upto == "GS":
            return
        if self.ix is not None:
            self.missing = "IEA"
            self._emit("missing")
            self.missing = None
            self.ix = None

    def _envelope(self, seg: Segment, sid: str) -> None:
        self.loop = None
        if sid == "ISA":
            self._finish(None)
            self.ix = InterchangeInfo.from_isa(seg)
            self.interchanges.append(self.ix)
        elif sid == "GS":
            self._finish("GS")
            self.grp = GroupInfo.from_gs(seg)
            if self.ix is not None:
                self.ix.groups.append(self.grp)
        elif sid == "ST":
            self._finish("ST")
            info = TransactionInfo(st_control=seg.el(2), transaction_set=seg.el(1),
                                   implementation=seg.el(3), start_index=seg.index)
            if self.grp is not None:
                self.grp.transactions.append(info)
            owned = self._owns is None or bool(self._owns(self._st_seen))
            self._st_seen += 1
            self.tx = TxState(info, seg.index, owned)
            self._live = owned
            self.claims.reset()
            self.loop = "HEADER"
            self.where = "header"
            self.stack = [LoopRecord("HEADER", seg, None)]
            self.stack[0].segs["ST"] = 1
        elif sid == "SE":
            if self.tx is not None:
                self.tx.count += 1
                self._close_loops(0)
                self.tx.info.segment_count = self.tx.count
        elif sid == "GE":
            self._finish("ST")
        else:  # IEA
            self._finish("GS")

    def _after_trailer(self, seg: Segment, sid: str) -> None:
        """Trailers close their envelope once their own rules (counts, control numbers) ran."""
        if sid == "SE":
            self._end_tx(seg)
        elif sid == "GE":
            if self.grp is not None:
                self.grp.closed = True
            self.grp = None
        elif sid == "IEA":
            if self.ix is not None:
                self.ix.closed = True
            self.ix = None

    def _end_tx(self, seg: Segment | None) -> None:
        if self.tx is not None:
            self.tx.info.segment_count = self.tx.count
            self.tx.info.closed = seg is not None
            self.tx = None
            self.stack = []
            self._live = self._envelope_on

    def _close_loops(self, level: int) -> None:
        stack = self.stack
        while stack and _LEVEL[stack[-1].id] >= level:
            rec = stack.pop()
            self.closed = rec
            if rec.id in REQUIRED:  # the only loops close-rules look at
                self._emit("close")
            self.closed = None
            if rec.id == "2300":
                pc = self.claims.close_claim()
                if pc is not None:
                    self._out.append(pc)
                if self.tx is not None:
                    self.tx.claim_id = None

    def _open(self, loop: str, seg: Segment) -> None:
        self._close_loops(_LEVEL[loop])
        if self.stack:
            ch = self.stack[-1].children
            ch[loop] = ch.get(loop, 0) + 1
        rec = LoopRecord(loop, seg, None)
        self.stack.append(rec)
        self.loop = loop
        if loop in _CONTEXT:
            self.where = _CONTEXT[loop]
        if loop == "2300" and self.tx is not None:
            self.tx.claim_id = seg.el(1)
            self.tx.lx_next = 1

    def _place(self, seg: Segment, sid: str) -> None:
        """Put the segment in its loop (opening/closing loops) or report it as misplaced."""
        loop: str | None = None
        where = self.where
        if sid == "HL":
            loop = HL_LOOP.get(seg.el(3), "2000B")
        elif sid == "NM1":
            loop = _NM1_LOOP.get(where, _NO_NM1).get(seg.el(1))
        elif sid in _CHILD_TRIGGERS:
            target, parents = _CHILD_TRIGGERS[sid]
            if where in parents:
                loop = target
        elif sid == "SBR":
            if where in ("2300", "2320", "2400") and self.loop != "2400":
                loop = "2320"
            elif self.loop == "2000B" and "SBR" not in self.stack[-1].segs:
                loop = None  # first SBR of 2000B: an ordinary segment of the open loop
        if loop is not None:
            self._open(loop, seg)
        else:
            cur = self.stack[-1] if self.stack else None
            if cur is None or sid not in _ALLOWED[cur.id] or sid == "NM1":
                self.loop = cur.id if cur else None
                self._emit("unknown" if sid not in MAX_ELEMENTS else "misplaced")
                return
            self.loop = cur.id
        stack = self.stack
        segs = stack[-1].segs
        n = segs[sid] = segs.get(sid, 0) + 1
        if sid == "REF" or sid == "DTP":
            key = f"{sid}*{seg.el(1)}"
            segs[key] = segs.get(key, 0) + 1
        # Max use (TR3 2.3): the rules run only when a count is over its limit.
        if n > _MAX_USE.get(sid, n) or (loop in MAX_LOOP and len(stack) > 1
                                       and stack[-2].children[loop] > MAX_LOOP[loop]):
            self._emit("maxuse")


def scan_837(data_or_path: Any, *, file: str | None = None, ctx: Context,
             selection: Selection | None = None, owns: Callable[[int], bool] | None = None,
             envelope: bool = True) -> Scan:
    """Scan an 837P (bytes, text or a path): an iterator of Diagnostic | ParsedClaim.

    Raises :class:`~claimkit.errors.InputError` (during iteration) only when the input has no
    ISA at all; everything else becomes findings. ``.interchanges`` is complete after iteration.

    For parallel validation: ``owns(k)`` says whether this scan reports the k-th transaction set
    of the file (0-based, every ST counted across interchanges and groups). A transaction set it
    does not own (ST through SE) is only counted: no findings, no claims, no placement or rules,
    but its TransactionInfo is recorded and segment indexes stay file positions. ``envelope``
    False drops the findings outside every transaction set (ISA/GS/GE/IEA rules, text between
    interchanges, segments outside ST..SE). Runs that split the ST ordinals between them, one
    with ``envelope=True``, together report exactly what one plain scan reports.
    """
    return Scan(data_or_path, file=file, ctx=ctx, selection=selection, owns=owns,
                envelope=envelope)
