"""Clearinghouse triage of one validated 837P: acknowledgment, accepted claims, rejects.

Takes the findings of a validation run (claimkit.validation) and the file they are about, and
produces what submission prep sends on and sends back: the 999 or 277CA, an 837P of the claims
without blocking findings (renumbered envelope, valid on its own), and the rejects report.
Accepted + rejected always equals the claims in the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.errors import InputError
from claimkit.models import edge
from claimkit.splitting import SplitResult, rejects_report, split


@dataclass
class Triage:
    """The triage of one file: the split, the accepted claims' batch and claims that cannot be encoded."""

    split: SplitResult
    accepted_batch: Any  # ClaimBatch of the accepted claims, envelope of the incoming file
    not_encodable: list[tuple[str, str]]  # accepted by the rules yet not a valid claim model

    def rejects(self, file: str) -> dict[str, Any]:
        """The rejects report for FILE, including claims accepted by the rules but not encodable."""
        report = rejects_report(self.split, file=file)
        report["not_encodable"] = [{"claim_id": cid, "reason": why} for cid, why in self.not_encodable]
        return report


def _findings_of(path: str, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.location.file in (None, path)]


def envelopes_of(result: Any, path: str | Path) -> list[Any]:
    """The InterchangeRefs of ``path`` that the validation run ``result`` collected
    (``validate_paths(..., keep_claims=True)``)."""
    name = str(path)
    return next(f for f in result.files if f.path == name).envelopes


def parsed_of(result: Any, path: str | Path) -> Any:
    """The 837P ``path`` as the validation run ``result`` read it (a Parsed837): its claims and
    envelope facts, kept by ``validate_paths(..., keep_claims=True)``. No second read."""
    from claimkit.claims_io import parsed_837

    name = str(path)
    return parsed_837(name, envelopes_of(result, name), [c.claim for c in result.claims if c.file == name],
                      [d for d in result.diagnostics if d.location.file == name])


def triage_837(path: str | Path, diagnostics: Sequence[Diagnostic], *, today: Any,
               fail_on: Severity = Severity.ERROR, parsed: Any = None) -> Triage:
    """Split an 837P's claims by their findings (every claim as received is counted).

    ``parsed``: the file as the validation run read it (:func:`parsed_of`); without it the
    file is read again."""
    from claimkit.claims_io import read_837_batch
    from claimkit.rules.engine import Context

    name = str(path)
    if parsed is None:
        parsed = read_837_batch(path, ctx=Context(registry=None, today=today, file=name))
    findings = _findings_of(name, diagnostics)
    claims = parsed.ack_batch().claims
    res = split(claims, findings, fail_on=fail_on)
    blocking = [d for d in res.unattributed if d.severity.rank >= fail_on.rank]
    if blocking:
        # A blocking finding that names no claim (envelope counts, control numbers, a subscriber
        # loop) means the 999 rejects the transaction set: no claim of it can go on.
        res = SplitResult([], [(c, res.findings.get(c.claim_id, []) + blocking) for c in claims],
                          {"total": len(claims), "accepted": 0, "rejected": len(claims)},
                          res.unattributed, res.findings, fail_on)
    valid = {c.claim_id: c for c in parsed.batch.claims}
    accepted_ids = [c.claim_id for c in res.accepted]
    keep = [valid[cid] for cid in accepted_ids if cid in valid]
    why = dict(parsed.invalid)
    not_encodable = [(cid, why.get(cid, "not a valid claim")) for cid in accepted_ids if cid not in valid]
    batch = edge.replace(parsed.batch, claims=keep)
    return Triage(res, batch, not_encodable)


def acknowledgment(path: str | Path, diagnostics: Sequence[Diagnostic], kind: str, *,
                   control: int, now: datetime, parsed: Any = None,
                   interchanges: list[Any] | None = None) -> str:
    """The 999 or 277CA answering ``path`` (see claimkit.ack.acknowledge; ``parsed`` as for
    :func:`triage_837`, ``interchanges`` as :func:`envelopes_of` gives)."""
    from claimkit.ack import acknowledge

    if kind not in ("999", "277ca"):
        raise InputError(f"unknown acknowledgment {kind!r}; choose 999 or 277ca")
    return acknowledge(path, _findings_of(str(path), diagnostics), kind, control=control, now=now,
                       parsed=parsed, interchanges=interchanges)
