"""Streaming 837P scan: envelopes, loop placement, claims, and the x12-scope rules, in one pass.

``scan_837(data_or_path, file=..., ctx=...)`` yields Diagnostics as they are found and a
:class:`~claimkit.x12.origin.ParsedClaim` as each claim closes, so memory stays flat as files grow.
After iteration ``.interchanges`` holds what a 999 needs (ISA/GS/ST control numbers and counts).

The scan object is also the *event* that x12 rules receive (:mod:`claimkit.rules.scan.events`); loop
placement is in :mod:`claimkit.rules.scan.loops`, claim building in :mod:`claimkit.x12.claims`. This
module reads the segments, follows the envelopes and runs the content checks.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator

from claimkit.diagnostics import Diagnostic
from claimkit.rules.engine import Context, Selection
from claimkit.rules.scan.loops import LoopRecord, LoopTracker, TxState
from claimkit.rules.x12_common import check_elements
from claimkit.x12.claims import ClaimAssembler
from claimkit.x12.origin import GroupInfo, InterchangeInfo, ParsedClaim, TransactionInfo
from claimkit.x12.quickcheck import is_clean
from claimkit.x12.reader import Segment, SegmentReader, _decode, file_reader

_ENVELOPE = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
_TRAILERS = frozenset({"SE", "GE", "IEA"})
_COUNTED = frozenset({"HL", "LX"})  # segments the transaction set's HL/LX counters follow
CLEAN_MAX = 20_000  # remembered clean segments: a few MB at most, then forgotten
_NOTHING: list[Any] = []
# While following a part of a set another scan reports, inside a subscriber's loops, the reader
# builds only these segments (the rest is counted): HL moves the HL tree and may start this
# scan's part, CLM feeds the rules that remember across claims (CK-X028), the others may end
# the set. Segments before the first subscriber and of a billing provider (2000A) are all built.
_SHADOW_KEEP = frozenset({"SE", "ST", "GE", "GS", "IE", "IS", "HL", "CL"})
Part = tuple  # (ST ordinal in the file, 2000B ordinal in that set): where a parallel scan's part starts


def _is_path(x: Any) -> bool:
    if isinstance(x, os.PathLike):
        return True
    if isinstance(x, str) and len(x) < 4096 and "\n" not in x and "\x00" not in x:
        try:
            return os.path.isfile(x)
        except (OSError, ValueError):
            return False
    return False


class Scan(LoopTracker):
    """Iterator over Diagnostics and ParsedClaims of one X12 input (see module doc)."""

    def __init__(self, data_or_path: Any, *, file: str | None, ctx: Context,
                 selection: Selection | None = None, share: tuple[Part, Part] | None = None,
                 envelope: bool = True, keep_original: bool = True,
                 watch: Callable[[Segment], None] | None = None) -> None:
        if _is_path(data_or_path):
            self.reader = file_reader(data_or_path)
            file = file or os.fspath(data_or_path)
        else:
            self.reader = SegmentReader([_decode(data_or_path)])
        super().__init__(file, ctx, selection, envelope)
        # Parallel validation: each worker reports the positions in [lo, hi) of ``share`` (see
        # scan_837) and one of them the envelope; their outputs add up to one scan. ``part``:
        # the position of the part this scan last reported (orders the merge at a boundary).
        self._share = share
        self.part: Part = (0, 0)
        self._st_seen = 0
        self.interchanges: list[InterchangeInfo] = []
        self.claims = ClaimAssembler(self.file, keep_original)
        self._clean: set[tuple[Any, str]] = set()
        self._clean_delims: tuple[str, str] | None = None
        self._watch = watch
        self._keep_default = self.reader.keep
        self._it = self._run()

    def __iter__(self) -> "Scan":
        return self

    def __next__(self) -> Diagnostic | ParsedClaim:
        return next(self._it)

    # -- the pass -------------------------------------------------------------------------
    def _run(self) -> Iterator[Diagnostic | ParsedClaim]:
        notes = self.reader.notes  # reported, then cleared: empty on the hot path
        table, out = self._table, self._out
        # (loop, text) of segments found clean: per scan, since what "clean" means depends on
        # the rules selected, and per set of delimiters (see _envelope).
        clean = self._clean

        content, feed, place = self._content, self.claims.feed, self._place
        reader = self.reader
        segments = reader if self._watch is None else _watched(reader, self._watch)
        for seg in segments:
            if notes:
                self._notes(notes)
            self.seg = seg
            sid = seg.id
            tx = self.tx
            if reader.skipped:  # segments the reader only counted (a set another scan checks)
                if tx is not None:
                    tx.count += reader.skipped
                reader.skipped = 0
            if tx is None or sid in _ENVELOPE:
                self._other(seg, sid)
            elif tx.owned:  # (so findings are reported: live)
                # The hot path: a segment of a transaction set.
                tx.count += 1
                place(seg, sid)
                loop = self.loop
                key = (loop, seg.raw)
                if key not in clean:
                    content(seg, sid, loop, key)
                rules = table.get(sid)
                if rules:  # (most segment IDs have no rule: no call)
                    self._fire(sid, rules)
                if loop:
                    feed(seg, loop, sid)
                    if sid in _COUNTED:
                        tx.after(seg, sid, loop)
            else:  # counted for the 999, otherwise skipped (another scan owns it)
                tx.count += 1
                if tx.shadow and self._shadow(seg, sid):  # (the segment starts this scan's part)
                    self._rest(seg, sid)
            if out:
                yield from out
                out.clear()
        self.at_end = True
        if reader.skipped and self.tx is not None:  # data ended inside a skipped set
            self.tx.count += reader.skipped
        reader.skipped = 0
        if notes:
            self._notes(notes)
        self._finish(None)
        yield from out
        out.clear()
        if not self.reader.saw_isa:
            from claimkit.errors import InputError
            raise InputError("not an X12 interchange: no usable ISA segment found",
                             file=self.file)

    def _rest(self, seg: Segment, sid: str) -> None:
        """The hot path after placement, for the segment at which this scan's part starts."""
        loop = self.loop
        key = (loop, seg.raw)
        if key not in self._clean:
            self._content(seg, sid, loop, key)
        rules = self._table.get(sid)
        if rules:
            self._fire(sid, rules)
        if loop:
            self.claims.feed(seg, loop, sid)
            if sid in _COUNTED:
                self.tx.after(seg, sid, loop)

    def _shadow(self, seg: Segment, sid: str) -> bool:
        """Follow a segment of a part of this set that another scan reports, keeping exactly
        the state the rest of the set needs: the loop stack above the subscribers (HEADER, the
        billing provider), the HL tree and counters, the billing provider's segments for the
        claims, and the stateful rules (``on(state=True)``). Nothing is reported. Inside a
        subscriber's loops only HL segments are placed (nothing else there can close a loop
        above 2000B, and what they hold is dropped when the next HL closes them). True when
        the segment is a 2000B HL that starts this scan's part (then it is placed, not done)."""
        tx = self.tx
        reader = self.reader
        if sid == "HL" or not reader.skip:
            self._place(seg, sid)
            if tx.owned:
                return True
            loop = self.loop
            if loop:
                self.claims.feed(seg, loop, sid)
                if sid == "HL":
                    tx.after(seg, sid, loop)
                    reader.skip = loop != "2000A"  # a subscriber's loops: built only in part
        kept = self._kept.get(sid)
        if kept:
            self._fire(sid, kept, remember=True)
        return False

    def _mode(self, at: Part) -> str:
        """What this scan does at position ``at``: "live" (reports it), "shadow" (follows it:
        its part starts later in this set) or "skip" (only counts the segments)."""
        lo, hi = self._share
        if lo <= at < hi:
            return "live"
        return "shadow" if at < lo and at[0] == lo[0] else "skip"

    def _set_mode(self, tx: TxState, mode: str, at: Part) -> None:
        tx.owned = mode == "live"
        tx.shadow = mode == "shadow"
        self._live = tx.owned
        reader = self.reader
        if tx.owned:
            self.part = at
            reader.skip = False
        else:
            reader.skip = mode == "skip" or tx.subscribers > 0  # (a shadow: see _shadow)
            reader.keep = _SHADOW_KEEP if tx.shadow else self._keep_default

    def _next_part(self) -> None:
        """A 2000B loop opened (the loops it ends are closed): a parallel scan's part may start
        or end here (positions (ST ordinal, 2000B ordinal), see scan_837)."""
        tx = self.tx
        if tx is None or not (tx.owned or tx.shadow):
            return
        tx.subscribers += 1
        if tx.subscribers > 1:  # (the first subscriber belongs to the part of the ST)
            at = (tx.ordinal, tx.subscribers - 1)
            mode = self._mode(at)
            if mode != ("live" if tx.owned else "shadow"):
                self._set_mode(tx, mode, at)

    def _content(self, seg: Segment, sid: str, loop: str | None, key: tuple[Any, ...]) -> None:
        """Content checks (element table + pure segment rules) of a segment not seen clean.

        They depend only on the segment's text, delimiters and loop, so a segment found clean
        is remembered (``key``) and not checked again in the same loop.
        """
        out = self._out
        before = len(out)
        # (the quick check's "clean" spares the element table walk, most times)
        elements = self._table.get("elements")
        if elements and not is_clean(seg, loop):
            self.element_cache = check_elements(self)
            if self.element_cache:
                self._fire("elements", elements)
        else:
            self.element_cache = _NOTHING
        pure = self._pure.get(sid)
        if pure:
            self._fire(sid, pure)
        if len(out) == before:
            clean = self._clean
            if len(clean) > CLEAN_MAX:  # bounded: memory stays flat on huge files
                clean.clear()
            clean.add(key)

    def _other(self, seg: Segment, sid: str) -> None:
        """An envelope segment, or one outside any transaction set: the general path."""
        if sid in _ENVELOPE:
            self._envelope(seg, sid)
        else:
            self.loop = None
            self._emit("outside")
        loop = self.loop
        if self._live:  # (not live: no findings are reported, so nothing is found clean)
            key = (loop, seg.raw)
            if key not in self._clean:
                self._content(seg, sid, loop, key)
        if sid in self._table:
            self._emit(sid)
        if sid in _TRAILERS:
            self._after_trailer(seg, sid)
        elif loop and self.tx is not None:  # the ST (any other is on the hot path)
            self.claims.feed(seg, loop, sid)

    def _notes(self, notes: list[Any]) -> None:
        """Report what the reader skipped (outside any transaction set, so an envelope
        finding), and clear the reader's list: the hot path only asks whether it is empty."""
        live, self._live = self._live, self._envelope_on
        for self.note in list(notes):
            self._emit("note")
        notes.clear()
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
            d = seg.delimiters
            if (d.element, d.component) != self._clean_delims:  # the same text, other elements
                self._clean.clear()
                self._clean_delims = (d.element, d.component)
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
            k = self._st_seen
            self._st_seen += 1
            self.tx = tx = TxState(info, seg.index, True, k)
            if self._share is None:
                self._live = True
                self.reader.skip = False
            else:
                self._set_mode(tx, self._mode((k, 0)), (k, 0))
            self.claims.reset()
            self.loop = "HEADER"
            self.where = "header"
            self.stack = [LoopRecord("HEADER", seg)]  # (the ST counted as its first segment)
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
            self.reader.skip = False
            self.reader.keep = self._keep_default


def _watched(segments: Iterable[Segment], watch: Callable[[Segment], None]) -> Iterator[Segment]:
    for seg in segments:
        watch(seg)
        yield seg


def scan_837(data_or_path: Any, *, file: str | None = None, ctx: Context,
             selection: Selection | None = None, share: tuple[Part, Part] | None = None,
             envelope: bool = True, keep_original: bool = True,
             watch: Callable[[Segment], None] | None = None) -> Scan:
    """Scan an 837P (bytes, text or a path): an iterator of Diagnostic | ParsedClaim.

    Raises :class:`~claimkit.errors.InputError` (during iteration) only when the input has no
    ISA at all; everything else becomes findings. ``.interchanges`` is complete after iteration.

    For parallel validation: ``share`` = (lo, hi) says which part of the file this scan reports.
    A position is (k, j): the k-th transaction set of the file (0-based, every ST counted across
    interchanges and groups) from its j-th subscriber (2000B) loop on; j = 0 also covers the
    set's header and billing provider up to its second 2000B. The scan reports the positions p
    with lo <= p < hi. A set with no reported position is only counted (ST through SE): no
    findings, no claims, no placement or rules, but its TransactionInfo is recorded and segment
    indexes stay file positions. A set whose reported part starts at a later subscriber is
    followed up to there without reporting (``Scan._shadow``), so that the HL tree, the counts,
    the billing provider and what stateful rules remember are those of one whole scan.
    ``envelope`` False drops the findings outside every transaction set (ISA/GS/GE/IEA rules,
    text between interchanges, segments outside ST..SE). Scans whose shares cover all positions
    without overlap, one with ``envelope=True``, together report exactly what one plain scan
    reports.

    ``watch(segment)`` is called for every segment read, before the scan takes it: what else a
    run needs from the file (the envelope facts of an acknowledgment) is collected in the same
    pass, so that the file is read once per run.
    """
    return Scan(data_or_path, file=file, ctx=ctx, selection=selection, share=share,
                envelope=envelope, keep_original=keep_original, watch=watch)
