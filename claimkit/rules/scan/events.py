"""The event x12 rules receive, and the dispatch that turns their hits into Diagnostics.

A rule subscribed to a segment ID reads ``ev.seg``, ``ev.loop``, ``ev.cur`` (the open loop) and
``ev.tx`` (the transaction set); rules subscribed to ``close`` read ``ev.closed`` (only for the
loops they name, see :func:`claimkit.rules.x12_common.on`); to ``missing`` read ``ev.missing``;
``maxuse`` fires only when a segment or loop count is over its TR3 limit. The scan
(:mod:`claimkit.rules.scan.parser`) is this event: it moves the state along and calls the rules.
"""
from __future__ import annotations

from typing import Any

from claimkit.diagnostics import Diagnostic, Location
from claimkit.rules.engine import Context, Hit, Selection, rules_for
from claimkit.x12.guide.tables import LEVEL, PHI_LOOPS  # PHI: values withheld in messages

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


class Events:
    """Rule subscriptions of one scan, the state rules read, and ``hit``/``show`` for them."""

    def __init__(self, file: str | None, ctx: Context, selection: Selection | None,
                 envelope: bool) -> None:
        import claimkit.rules.x12_envelope  # noqa: F401  (registers the x12 rules)
        import claimkit.rules.x12_guide  # noqa: F401
        import claimkit.rules.x12_situational  # noqa: F401
        import claimkit.rules.x12_syntax  # noqa: F401

        self.file = file
        self.ctx = ctx
        # event -> [(rule, severity)] in rule ID order; "pure" segment rules read only the
        # segment's text, so the scan may skip them for text it has already seen clean.
        self._table: dict[str, list[tuple[Any, Any]]] = {}
        self._pure: dict[str, list[tuple[Any, Any]]] = {}
        # loop -> the close rules that look at that loop (most loops: none, nothing to call)
        self._close: dict[str, list[tuple[Any, Any]]] = {loop: [] for loop in LEVEL}
        # event -> the rules that remember across claims (``on(state=True)``): what a scan
        # following a part of a set it does not report still calls (hits dropped)
        self._kept: dict[str, list[tuple[Any, Any]]] = {}
        sel = selection or Selection()
        for r in rules_for("x12", sel):
            sev = sel.severity_of(r)
            if getattr(r.func, "x12_state", False):
                for kind in getattr(r.func, "x12_on", ()):
                    self._kept.setdefault(kind, []).append((r, sev))
            target = self._pure if getattr(r.func, "x12_pure", False) else self._table
            for kind in getattr(r.func, "x12_on", ()):
                target.setdefault(kind, []).append((r, sev))
                if kind == "close":
                    loops = getattr(r.func, "x12_loops", None)
                    for loop, rules in self._close.items():
                        if loops is None or loop in loops:
                            rules.append((r, sev))
        self._envelope_on = envelope
        self._live = envelope  # may findings be reported now? (see Scan: owns/envelope)
        self._out: list[Any] = []
        # the state rules read
        self.seg: Any = None
        self.loop: str | None = None
        self.stack: list[Any] = []
        self.tx: Any = None
        self.ix: Any = None
        self.grp: Any = None
        self.closed: Any = None
        self.missing: str | None = None
        self.note: Any = None
        self.element_cache: Any = None
        self.at_end = False
        self.kind = ""

    @property
    def cur(self) -> Any:
        """The open loop (a LoopRecord), or None outside a transaction set."""
        return self.stack[-1] if self.stack else None

    @property
    def ts_position(self) -> int | None:
        """The current segment's position in its transaction set (ST is 1), or None."""
        return self.seg.index - self.tx.start + 1 if self.tx and self.seg else None

    def show(self, value: str, loop: str | None = None) -> str:
        """A value for a message, withheld in subscriber/patient loops (no PHI in reports)."""
        return "(withheld)" if (loop or self.loop) in PHI_LOOPS else repr(value)

    def hit(self, message: str, *, pos: int | None = None, comp: int | None = None,
            ik3: str | None = None, ik4: str | None = None, seg: Any = None,
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
        rules = (self._table if table is None else table).get(kind)
        if rules:
            self._fire(kind, rules)

    def _fire(self, kind: str, rules: list[tuple[Any, Any]], remember: bool = False) -> None:
        """Call the rules on the current event and keep their findings. ``remember``: a part of
        the file another scan reports, shown to the stateful rules only (``on(state=True)``) so
        that what they remember is whole; their hits are dropped."""
        if not self._live and not remember:  # another scan reports this part of the file
            return
        self.kind = kind
        out = self._out
        ctx = self.ctx
        for r, sev in rules:
            for h in r.func(self, ctx):
                if not remember:
                    out.append(self._diag(r, sev, h))

    def _diag(self, r: Any, sev: Any, h: Hit) -> Diagnostic:
        if self.tx is not None and "st_control" in h.values:
            self.tx.info.findings += 1
            if sev.value == "error":
                self.tx.info.errors += 1
        return Diagnostic(rule=r.id, slug=r.slug, severity=sev, message=h.message,
                          location=h.location or Location(file=self.file),
                          fix=h.fix or _fix_of(r), level=r.level, values=tuple(h.values.items()))
