"""999 implementation acknowledgment (005010X231A1) for an incoming 837P interchange.

One ST*999 per functional group: AK1 names the group, then per transaction set AK2, an IK3
loop per segment in error (with IK4 per element), IK5 (A accepted, E accepted with errors,
R rejected, with up to five IK5 codes), and AK9 for the group. Only syntax and implementation-
guide findings (WEDI SNIP 1-2, or any finding that carries 999 codes) belong here; claim content
goes in the 277CA.

A finding's 999 codes come from its ``values`` (set by the X12 checks): ``ik3_code`` (IK304),
``ik4_code`` (IK403) with ``element_position`` and ``component_position`` (IK401),
``ik5_code`` (IK502..), ``ak9_code`` (AK905..), ``ts_position`` (IK302), ``missing`` (the ID
of a required segment that is absent, or a missing loop's trigger segment: IK301 with IK304 3)
and ``missing_loop`` (that loop, for IK303). Missing ones are
derived: IK302 from the segment position inside its ST..SE, IK401 from a location such as
"SV1-07", IK304 8 "segment has data element errors" when only element codes are known, IK403
I12 "implementation pattern match failure" for an element finding without a code, IK5 5 "one or
more segments in error" when segments are listed (X231A1 code lists).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from claimkit.ack.envelope import Route, Transaction, interchange
from claimkit.ack.info import GroupRef, InterchangeRef, TransactionRef, as_interchange_ref
from claimkit.diagnostics import Diagnostic, Severity
from claimkit.x12.encoder import Encoder

VERSION = "005010X231A1"
_ELEMENT = re.compile(r"^[A-Z0-9]{2,3}-(\d{1,2})(?:-(\d{1,2}))?$")
_LOOP = re.compile(r"^(\d{4})[A-Z]{0,2}$")
_MAX_CODES = 5  # IK502-IK506 and AK905-AK909 hold at most five codes


def _values(d: Diagnostic) -> dict[str, Any]:
    return dict(d.values)


def is_999_finding(d: Diagnostic) -> bool:
    """Whether a finding belongs in the 999 (envelope/syntax level or carrying an IK3/IK4/IK5/AK9 code)."""
    v = _values(d)
    return d.level in (1, 2) or any(k in v for k in ("ik3_code", "ik4_code", "ik5_code", "ak9_code"))


@dataclass
class _SegmentError:
    segment_id: str
    position: int
    loop: str | None
    code: str | None
    elements: list[tuple[str, str, str | None]] = field(default_factory=list)  # (pos, code, ref)


@dataclass
class _TxResult:
    ref: TransactionRef
    segments: dict[tuple[int, str], _SegmentError] = field(default_factory=dict)
    ik5_codes: list[str] = field(default_factory=list)
    errors: bool = False
    warnings: bool = False

    @property
    def status(self) -> str:
        return "R" if self.errors else ("E" if self.warnings else "A")


def _owner(d: Diagnostic, group: GroupRef) -> TransactionRef | None:
    """The transaction set a finding belongs to: by segment position, else by ST02 value."""
    idx = d.location.segment_index
    if idx is not None:
        for tx in group.transactions:
            if tx.start <= idx and (tx.end is None or idx <= tx.end):
                return tx
    st = _values(d).get("st_control")
    if st is not None:
        for tx in group.transactions:
            if tx.control == str(st):
                return tx
    return None


def _in_group(d: Diagnostic, group: GroupRef) -> bool:
    idx = d.location.segment_index
    if idx is not None:
        return group.start <= idx and (group.end is None or idx <= group.end)
    return _owner(d, group) is not None or "ak9_code" in _values(d)


def _element_position(d: Diagnostic, v: dict[str, Any]) -> str | None:
    pos = v.get("element_position")
    if pos is not None:
        comp = v.get("component_position")
        return f"{pos}-{comp}" if comp else str(pos).replace(":", "-")
    m = _ELEMENT.match(d.location.element or "")
    if m:
        return str(int(m.group(1))) + (f"-{int(m.group(2))}" if m.group(2) else "")
    return None


def _record(tx: _TxResult, d: Diagnostic) -> None:
    v = _values(d)
    is_error = d.severity is Severity.ERROR
    tx.errors |= is_error
    tx.warnings |= not is_error
    if "ik5_code" in v:
        code = str(v["ik5_code"])
        if code not in tx.ik5_codes:
            tx.ik5_codes.append(code)
    # A missing segment is named by its own ID (IK301), not by the segment where it was noticed
    seg_id = str(v["missing"]) if v.get("missing") and "ik3_code" in v else d.location.segment_id
    if not seg_id:
        return
    if seg_id in ("ST", "SE") and "ik5_code" in v and not {"ik3_code", "ik4_code"} & v.keys():
        return  # a header/trailer problem (count, control number): IK5 says it all
    position = v.get("ts_position")
    if position is None and d.location.segment_index is not None:
        position = d.location.segment_index - tx.ref.start + 1  # ST is position 1
    if position is None:
        return
    key = (int(position), seg_id)
    err = tx.segments.get(key)
    if err is None:
        # IK303 is the loop's number (data element 447, at most 4 characters): "2010AA" ->
        # "2010"; for a missing loop, the loop its trigger segment (IK301) would have opened
        m = _LOOP.match(str(v.get("missing_loop") or d.location.loop or ""))
        err = tx.segments[key] = _SegmentError(seg_id, int(position), m.group(1) if m else None, None)
    if "ik3_code" in v:
        err.code = str(v["ik3_code"])
    element = _element_position(d, v)
    if element is not None and ("ik4_code" in v or "ik3_code" not in v):
        err.elements.append((element, str(v.get("ik4_code", "I12")), v.get("element_reference")))


def _tx_segments(enc_tx: Transaction, res: _TxResult) -> None:
    enc_tx.add("AK2", res.ref.set_id, res.ref.control, res.ref.implementation or None)
    for err in sorted(res.segments.values(), key=lambda e: e.position):
        code = err.code or "8"  # 8: segment has data element errors
        enc_tx.add("IK3", err.segment_id, err.position, err.loop, code)
        seen = set()
        for pos, ik4, ref in err.elements:
            if (pos, ik4) in seen:
                continue
            seen.add((pos, ik4))
            parts = pos.split("-")
            enc_tx.add("IK4", parts if len(parts) > 1 else parts[0], ref, ik4)
    codes = list(res.ik5_codes)
    if res.status != "A" and res.segments and not {"5", "I5"} & set(codes):
        codes.append("5")
    if res.status == "R" and not codes:
        codes.append("I5")  # implementation: one or more segments in error
    enc_tx.add("IK5", res.status, *codes[:_MAX_CODES])


def _group_999(enc: Encoder, group: GroupRef, findings: list[Diagnostic], control: str) -> list[str]:
    results = {id(tx): _TxResult(tx) for tx in group.transactions}
    ak9_codes: list[str] = []
    for d in findings:
        tx = _owner(d, group)
        if tx is None:
            code = _values(d).get("ak9_code")
            if code is not None and str(code) not in ak9_codes:
                ak9_codes.append(str(code))
            continue
        _record(results[id(tx)], d)
    tx999 = Transaction(enc, "999", control, VERSION)
    tx999.add("AK1", group.functional_id, group.control, group.version)
    for tx in group.transactions:
        _tx_segments(tx999, results[id(tx)])
    received = len(group.transactions)
    accepted = sum(1 for r in results.values() if r.status != "R")
    if ak9_codes or (received and accepted == 0):
        status = "R"  # a functional-group error (AK905 codes) rejects the whole group
    elif accepted < received:
        status = "P"
    elif any(r.status == "E" for r in results.values()):
        status = "E"
    else:
        status = "A"
    # AK902 is what GE01 declared, AK903 what arrived, AK904 the sets answered A or E
    declared = group.declared if group.declared is not None else received
    tx999.add("AK9", status, declared, received, accepted, *ak9_codes[:_MAX_CODES])
    return tx999.close()


def route_back(info: InterchangeRef, group: GroupRef | None = None) -> Route:
    """The acknowledgment's route: the incoming receiver answers the incoming sender."""
    return Route(
        sender_qualifier=info.receiver_qualifier, sender_id=info.receiver_id,
        receiver_qualifier=info.sender_qualifier, receiver_id=info.sender_id,
        gs_sender=(group.receiver if group else "") or info.receiver_id,
        gs_receiver=(group.sender if group else "") or info.sender_id,
        usage=info.usage if info.usage in ("T", "P") else "P",
    )


def build_999(info: InterchangeRef | object, diagnostics: Iterable[Diagnostic], *, control: int,
              now: datetime, gs_control: int | None = None, newline: bool = True) -> str:
    """The 999 interchange answering ``info`` (one ST*999 per functional group).

    Args:
        info: the incoming interchange: ``claimkit.ack.read_interchanges(path)[i]`` or the
            parser's ``scan_837(...).interchanges[i]``.
        diagnostics: findings of the run; only SNIP 1-2 (or 999-coded) ones are used.
        control: ISA13 of the 999 (and GS06 unless ``gs_control`` is given).
        now: the clock, passed in so that output is reproducible.
    """
    info = as_interchange_ref(info)
    enc = Encoder(newline=newline)
    findings = [d for d in diagnostics if is_999_finding(d) and d.severity is not Severity.INFO]
    groups = info.groups
    txs = []
    for n, group in enumerate(groups, start=1):
        mine = [d for d in findings if _in_group(d, group)]
        txs.append(_group_999(enc, group, mine, f"{n:04d}"))
    route = route_back(info, groups[0] if groups else None)
    return interchange(enc, route, functional_id="FA", version=VERSION, control=control,
                       gs_control=gs_control if gs_control is not None else control, now=now,
                       transactions=txs)
