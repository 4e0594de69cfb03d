"""Good/bad split of a batch: clean claims go on, claims with blocking findings come back.

Nothing is dropped: every input claim lands in exactly one list, and ``accepted + rejected ==
total`` is part of the result. Claims are not renumbered or altered here (the 837P writer
numbers the interchange it writes). Findings are matched to claims by their location's
``claim_id`` (CLM01); a finding that names no claim of the batch (an envelope error, a session
that never became a claim) rejects no claim and is reported under ``unattributed``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.models.claim import Claim


@dataclass
class SplitResult:
    """Claims divided by their findings: accepted, rejected (with why), and the counts."""

    accepted: list[Claim]
    rejected: list[tuple[Claim, list[Diagnostic]]]
    summary: dict[str, int]
    unattributed: list[Diagnostic] = field(default_factory=list)
    findings: dict[str, list[Diagnostic]] = field(default_factory=dict)  # claim id -> all findings
    fail_on: Severity = Severity.ERROR


def split(claims: Sequence[Claim], diagnostics: Iterable[Diagnostic], *,
          fail_on: Severity = Severity.ERROR) -> SplitResult:
    """Divide claims by their findings.

    Args:
        claims: the batch's claims, in order (the order is kept in both lists).
        diagnostics: every finding of the run.
        fail_on: the lowest severity that rejects a claim (default: error).
    """
    ids = {c.claim_id for c in claims}
    by_claim: dict[str, list[Diagnostic]] = defaultdict(list)
    unattributed: list[Diagnostic] = []
    for d in diagnostics:
        cid = d.location.claim_id
        if cid is not None and cid in ids:
            by_claim[cid].append(d)
        else:
            unattributed.append(d)
    accepted: list[Claim] = []
    rejected: list[tuple[Claim, list[Diagnostic]]] = []
    for claim in claims:
        found = by_claim.get(claim.claim_id, [])
        blocking = [d for d in found if d.severity.rank >= fail_on.rank]
        if blocking:
            rejected.append((claim, blocking))
        else:
            accepted.append(claim)
    summary = {"total": len(claims), "accepted": len(accepted), "rejected": len(rejected)}
    assert summary["accepted"] + summary["rejected"] == summary["total"]
    return SplitResult(accepted, rejected, summary, unattributed, dict(by_claim), fail_on)


def rejects_report(result: SplitResult, *, file: str | None = None) -> dict[str, Any]:
    """The rejects report (JSON-ready): each rejected claim with its blocking findings.

    Identifies claims by claim id, session ids, date of service and amounts only: no names,
    birth dates or member IDs (finding messages are PHI-free by the rules' contract).
    ``unattributed`` lists the blocking findings that name no claim of the batch (e.g. a
    session that could not be built), so that nothing is dropped without a trace.
    """
    return {
        "summary": dict(result.summary),
        "rejected": [
            {
                "claim_id": claim.claim_id,
                "session_ids": list(claim.session_ids),
                "date_of_service": claim.date_of_service.isoformat() if claim.lines else None,
                "lines": len(claim.lines),
                "total_charge": format(claim.submitted_total, "f"),  # CLM02 as submitted
                "findings": [d.to_dict(file=file) for d in found],
            }
            for claim, found in result.rejected
        ],
        "unattributed": [d.to_dict(file=file) for d in result.unattributed
                         if d.severity.rank >= result.fail_on.rank],
    }
