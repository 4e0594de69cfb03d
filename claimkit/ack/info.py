"""What an acknowledgment needs to know about an incoming interchange (envelope only).

Read from the ISA/GS/ST/SE/GE segments with the X12 reader: control numbers, sender and
receiver, and each transaction set's segment range, so that findings can be attached to their
transaction set by segment position even when ST control numbers repeat across groups.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable

from claimkit.x12.reader import Segment, iter_file, read_segments


@dataclass
class TransactionRef:
    """One ST..SE transaction set of an incoming interchange: control numbers and segment range."""

    set_id: str  # ST01, e.g. "837"
    control: str  # ST02
    implementation: str  # ST03, e.g. "005010X222A1"
    start: int  # segment index of ST (1-based in the file)
    end: int | None = None  # segment index of SE (None when the trailer is missing)
    submitter: dict[str, str] = field(default_factory=dict)  # 1000A NM1*41 (+PER)
    receiver: dict[str, str] = field(default_factory=dict)  # 1000B NM1*40


@dataclass
class GroupRef:
    """One GS..GE functional group of an incoming interchange, with the transaction sets it holds."""

    functional_id: str  # GS01, "HC" for claims
    sender: str  # GS02
    receiver: str  # GS03
    control: str  # GS06
    version: str  # GS08
    date: str  # GS04 CCYYMMDD
    time: str  # GS05 HHMM[SS]
    start: int
    end: int | None = None
    transactions: list[TransactionRef] = field(default_factory=list)
    declared: int | None = None  # GE01: transaction sets the trailer says are included


@dataclass
class InterchangeRef:
    """One ISA..IEA interchange of an incoming file: sender, receiver, ISA13 and its groups."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control: str  # ISA13
    usage: str  # ISA15
    ack_requested: str  # ISA14
    start: int
    end: int | None = None
    groups: list[GroupRef] = field(default_factory=list)


class InterchangeCollector:
    """Envelope facts gathered segment by segment (``feed``), so that the validation's own pass
    over a file can collect them: the file is read once per run."""

    def __init__(self) -> None:
        self.interchanges: list[InterchangeRef] = []
        self._isa: InterchangeRef | None = None
        self._gs: GroupRef | None = None
        self._st: TransactionRef | None = None

    def feed(self, seg: Segment) -> None:
        """Take the next segment of the file, keeping only the envelope segments and 1000A/1000B names."""
        sid = seg.id
        if sid not in _WATCHED:
            return
        isa, gs, st = self._isa, self._gs, self._st
        if sid == "ISA":
            self._isa = InterchangeRef(seg.el(5).strip(), seg.el(6).strip(), seg.el(7).strip(),
                                       seg.el(8).strip(), seg.el(13).strip(), seg.el(15).strip(),
                                       seg.el(14).strip(), seg.index)
            self.interchanges.append(self._isa)
            self._gs = self._st = None
        elif sid == "GS" and isa is not None:
            self._gs = GroupRef(seg.el(1), seg.el(2), seg.el(3), seg.el(6), seg.el(8), seg.el(4),
                                seg.el(5), seg.index)
            isa.groups.append(self._gs)
            self._st = None
        elif sid == "ST" and gs is not None:
            self._st = TransactionRef(seg.el(1), seg.el(2), seg.el(3), seg.index)
            gs.transactions.append(self._st)
        elif sid == "NM1" and st is not None and seg.el(1) in ("41", "40") and not st.end:
            _header_party(st, seg)
        elif sid == "PER" and st is not None and st.submitter and "contact_name" not in st.submitter:
            _contact(st.submitter, seg)
        elif sid == "SE" and st is not None:
            st.end = seg.index
            self._st = None
        elif sid == "GE" and gs is not None:
            gs.end = seg.index
            gs.declared = int(seg.el(1)) if seg.el(1).isdigit() else None
            self._gs = self._st = None
        elif sid == "IEA" and isa is not None:
            isa.end = seg.index
            self._isa = self._gs = self._st = None


_WATCHED = frozenset({"ISA", "GS", "ST", "NM1", "PER", "SE", "GE", "IEA"})


def interchanges_from_segments(segments: Iterable[Segment]) -> list[InterchangeRef]:
    """Collect the interchanges, groups and transaction sets of an already-read segment stream."""
    collector = InterchangeCollector()
    for seg in segments:
        collector.feed(seg)
    return collector.interchanges


def _header_party(st: TransactionRef, seg: Segment) -> None:
    """1000A submitter / 1000B receiver names (first occurrence in the header only)."""
    target = st.submitter if seg.el(1) == "41" else st.receiver
    if not target:
        target.update(name=seg.el(3), id=seg.el(9))


def _contact(party: dict[str, str], seg: Segment) -> None:
    party["contact_name"] = seg.el(2)
    for q in (3, 5, 7):  # PER03/05/07 qualifier, the number follows
        kind = {"TE": "phone", "EX": "phone_extension", "EM": "email"}.get(seg.el(q))
        if kind and kind not in party:
            party[kind] = seg.el(q + 1)


def read_interchanges(source: bytes | str | os.PathLike[str]) -> list[InterchangeRef]:
    """Envelope facts of every interchange: ``bytes`` are X12 content, anything else a path."""
    if isinstance(source, bytes):
        return interchanges_from_segments(read_segments(source))
    return interchanges_from_segments(iter_file(source))


def as_interchange_ref(info: object) -> InterchangeRef:
    """Accept the X12 parser's ``InterchangeInfo`` (``scan_837(...).interchanges[i]``) too.

    Its transaction sets carry ``st_control``, ``transaction_set``, ``start_index`` and
    ``segment_count``; segment ranges of groups are derived from their transaction sets.
    """
    if isinstance(info, InterchangeRef):
        return info
    g = getattr
    ref = InterchangeRef(g(info, "sender_qualifier"), g(info, "sender_id"),
                         g(info, "receiver_qualifier"), g(info, "receiver_id"), g(info, "control"),
                         g(info, "usage"), g(info, "ack_requested", ""), 1)
    for grp in g(info, "groups"):
        txs = [TransactionRef(t.transaction_set, t.st_control, t.implementation, t.start_index,
                              t.start_index + t.segment_count - 1 if t.closed else None)
               for t in grp.transactions]
        start = min((t.start for t in txs), default=2) - 1
        ends = [t.end for t in txs if t.end is not None]
        end = max(ends) + 1 if ends and len(ends) == len(txs) else None
        ref.groups.append(GroupRef(grp.functional_id, grp.sender, grp.receiver, grp.control,
                                   grp.version, grp.date, grp.time, start, end, txs))
    return ref
