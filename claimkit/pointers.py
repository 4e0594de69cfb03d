"""A claim's diagnosis list and its lines' pointers, within the 837P limits.

At most 12 diagnoses per claim, principal first (TR3 2300 HI), at most 4 pointers per line
(SV1-07) and at most 50 lines (2400): the builder asks here which diagnoses a line points to,
which diagnoses a claim lists, and how a session's lines are split over several claims.
"""
from __future__ import annotations

from typing import Any, Sequence

from claimkit.codesets.icd import dotted
from claimkit.diagnostics import Diagnostic, Location
from claimkit.errors import InputError
from claimkit.messages import plural
from claimkit.rules.build_rules import finding

MAX_DIAGNOSES = 12  # 837P 2300 HI: one principal + 11 other diagnoses (TR3 2300 HI)
MAX_LINES = 50  # 837P 2400 loop repeat (TR3)
MAX_POINTERS = 4  # SV1-07 composite: four pointers

def line_diagnoses(its: Sequence[Any], diagnostics: list[Diagnostic]) -> list[str]:
    """Diagnoses a line points to: those its services name (codes or 1-based positions).

    ``its`` are the services merged into the line (each with .service, .session, .origin,
    .index); more than four is reported (CK-U006) and the first four are kept.
    """
    dx: list[str] = []
    for item in its:
        refs = item.service.diagnoses or [1]
        for ref in refs:
            code = _resolve_dx(ref, item)
            if code not in dx:
                dx.append(code)
    if len(dx) > MAX_POINTERS:
        item = its[0]
        diagnostics.append(finding("CK-U006", Location(
            file=item.origin.file, row=item.origin.row_of_service(item.index),
            field=f"services[{item.index + 1}].diagnoses"),
            f"{item.service.code} treats {len(dx)} diagnoses; a line carries at most "
            f"{MAX_POINTERS} pointers, so only {', '.join(map(dotted, dx[:MAX_POINTERS]))} are pointed to",
            values={"code": item.service.code, "diagnoses": len(dx)}))
        dx = dx[:MAX_POINTERS]
    return dx


def _resolve_dx(ref: str | int, item: Any) -> str:
    session_dx = item.session.diagnoses
    if isinstance(ref, int):
        if not 1 <= ref <= len(session_dx):
            raise InputError(f"services[{item.index + 1}].diagnoses: position {ref} is outside the "
                             f"session's {plural(len(session_dx), 'diagnosis', 'diagnoses')}",
                             file=item.origin.file, where=_where(item))
        return session_dx[ref - 1]
    code = ref.strip().upper().replace(".", "")
    if code not in session_dx:
        raise InputError(f"services[{item.index + 1}].diagnoses: {ref} is not in the session's diagnoses",
                         file=item.origin.file, where=_where(item))
    return code


def _where(item: Any) -> str:
    # Only for an error: the service's line may need the record's positions, computed on first
    # use (claimkit.positions.LazyPositions), which cost as much as parsing the record.
    return f"{item.origin.kind} {item.origin.row_of_service(item.index)}"


def claim_diagnoses(diagnoses: list[str], principal: str, used: set[str]) -> list[str]:
    """The claim's list, in the session's order: the principal, every diagnosis a line points
    to, then other documented diagnoses while there is room (12 in all, TR3 2300 HI)."""
    keep = {principal} | used
    for d in diagnoses:
        if len(keep) >= MAX_DIAGNOSES:
            break
        keep.add(d)
    return [d for d in diagnoses if d in keep]


def split_lines(lines: list, principal: str, diagnoses: list[str]) -> list[list]:
    """Chunk lines so each claim has <= 12 diagnoses (principal always first) and <= 50 lines."""
    if len(diagnoses) <= MAX_DIAGNOSES and len(lines) <= MAX_LINES:
        return [lines] if lines else []
    chunks: list[list] = []
    current: list = []
    used: set[str] = {principal}
    for entry in lines:
        need = used | set(entry[1])
        if current and (len(need) > MAX_DIAGNOSES or len(current) >= MAX_LINES):
            chunks.append(current)
            current, used = [], {principal}
            need = used | set(entry[1])
        current.append(entry)
        used = need
    if current:
        chunks.append(current)
    return chunks
