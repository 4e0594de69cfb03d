"""Clearinghouse triage of one validated 837P: acknowledgment, accepted claims, rejects.

Takes the findings of a validation run (claimkit.validation) and the file they are about, and
produces what submission prep sends on and sends back: the 999 or 277CA, an 837P of the claims
without blocking findings (renumbered envelope, valid on its own), and the rejects report.
Accepted + rejected always equals the claims in the file.

:func:`triage_kept` does the same from a validation run's kept claims (issue 14): one pass over
the spooled claims, keeping only the findings, the rejects and the accepted claims' spool, and
:meth:`KeptTriage.write_accepted` streams the accepted 837P a transaction set at a time, the
bytes ``write_837`` gives for the same claims.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence, TextIO

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.errors import InputError
from claimkit.models import edge
from claimkit.splitting import SplitResult, rejects_report, split

if TYPE_CHECKING:
    from claimkit.validation.spool import ClaimSpool


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


@dataclass
class KeptTriage:
    """The triage of one file from a run's kept claims: counts, rejects and the accepted claims
    on disk (a ClaimSpool of valid Claim models, in file order)."""

    summary: dict[str, int]
    report: dict[str, Any]  # the rejects report, as :meth:`Triage.rejects` gives it
    not_encodable: list[tuple[str, str]]
    head: Any  # ClaimBatch without claims: envelope, submitter and receiver of the file
    accepted: ClaimSpool

    def write_accepted(self, out: TextIO, *, isa_control: int, gs_control: int, now: datetime) -> None:
        """Write the 837P of the accepted claims to ``out``: what ``write_837`` returns for them,
        one transaction set (MAX_CLAIMS_PER_ST claims) in memory at a time."""
        from claimkit.x12 import writer as w
        from claimkit.x12.encoder import Encoder

        enc = Encoder(newline=True)
        out.write("".join(w.interchange_head(enc, self.head.envelope, isa_control, gs_control, now)))
        sets = 0
        for chunk in _chunks(iter(self.accepted), w.MAX_CLAIMS_PER_ST):
            sets += 1
            st = f"{sets:04d}"
            head = w.st_head(enc, self.head, st, gs_control, now)
            body = w.st_body(enc, self.head, chunk)
            out.write("".join(head))
            out.write("".join(body))
            out.write(w.st_end(enc, len(head) + len(body) + 1, st))  # SE counts ST..SE
        out.write("".join(w.interchange_tail(enc, sets, isa_control, gs_control)))


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` items (the last may be shorter); one empty list when there is no item,
    as write_837 writes one empty transaction set for a batch without claims."""
    chunk: list[Any] = []
    sent = False
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk, sent = [], True
    if chunk or not sent:
        yield chunk


def triage_kept(result: Any, path: str | Path, *, fail_on: Severity = Severity.ERROR) -> KeptTriage:
    """:func:`triage_837` from the claims a validation run kept (``keep_claims=True``), in one
    pass over them: neither the file nor its claims are held in memory, only the findings."""
    from pydantic import ValidationError

    from claimkit.claims_io import parsed_837
    from claimkit.messages import describe_error
    from claimkit.models.claim import Claim
    from claimkit.validation.spool import ClaimSpool

    name = str(path)
    head = parsed_837(name, envelopes_of(result, name), [], []).batch
    fr = next(f for f in result.files if f.path == name)
    # split(): findings naming a claim of the file go with it, the others are unattributed
    ids = set(fr.claim_ids)
    by_claim: dict[str, list[Diagnostic]] = defaultdict(list)
    unattributed: list[Diagnostic] = []
    for d in _findings_of(name, result.diagnostics):
        cid = d.location.claim_id
        if cid is not None and cid in ids:
            by_claim[cid].append(d)
        else:
            unattributed.append(d)
    # as in triage_837: a blocking finding naming no claim rejects the whole transaction set
    blocking_all = [d for d in unattributed if d.severity.rank >= fail_on.rank]
    rejected: list[dict[str, Any]] = []
    not_encodable: list[tuple[str, str]] = []
    accepted = ClaimSpool()
    total = 0
    for kept in result.claims:
        if kept.file != name:
            continue
        raw = kept.claim
        total += 1
        found = by_claim.get(raw.claim_id, [])
        blocking = found + blocking_all if blocking_all else [d for d in found if d.severity.rank >= fail_on.rank]
        if blocking:
            one = SplitResult([], [(raw, blocking)], {}, [], {}, fail_on)
            rejected.append(rejects_report(one, file=name)["rejected"][0])
            continue
        try:  # the claim model, as claims_io.parsed_837 makes it
            accepted.append(edge.validate(Claim, edge.dump(raw, exclude={"total_charge"})))
        except ValidationError as exc:
            not_encodable.append((raw.claim_id, describe_error(edge.errors(exc)[0])))
    summary = {"total": total, "accepted": total - len(rejected), "rejected": len(rejected)}
    report = rejects_report(SplitResult([], [], summary, unattributed, {}, fail_on), file=name)
    report["rejected"] = rejected
    report["not_encodable"] = [{"claim_id": cid, "reason": why} for cid, why in not_encodable]
    return KeptTriage(summary, report, not_encodable, head, accepted)


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


class KeptClaims:
    """The claims of one file among those a validation run kept (``result.claims``), as the
    277CA reads them: by position and in order, one at a time from the spool."""

    def __init__(self, result: Any, path: str | Path) -> None:
        """The claims of ``path`` in ``result`` (positions found by one pass over the spool)."""
        from array import array

        name = str(path)
        self._kept = result.claims
        self._at = array("q", (n for n, c in enumerate(self._kept) if c.file == name))

    def __len__(self) -> int:
        return len(self._at)

    def __iter__(self) -> Iterator[Any]:
        wanted = iter(self._at)
        nxt = next(wanted, None)
        for n, kept in enumerate(self._kept):
            if n == nxt:
                yield kept.claim
                nxt = next(wanted, None)

    def __getitem__(self, index: int) -> Any:
        return self._kept[self._at[index]].claim


def acknowledgment(path: str | Path, diagnostics: Sequence[Diagnostic], kind: str, *,
                   control: int, now: datetime, parsed: Any = None,
                   interchanges: list[Any] | None = None, claims: Any = None) -> str:
    """The 999 or 277CA answering ``path`` (see claimkit.ack.acknowledge; ``parsed`` as for
    :func:`triage_837`, ``interchanges`` as :func:`envelopes_of` gives, ``claims`` a
    :class:`KeptClaims`)."""
    from claimkit.ack import acknowledge

    if kind not in ("999", "277ca"):
        raise InputError(f"unknown acknowledgment {kind!r}; choose 999 or 277ca")
    return acknowledge(path, _findings_of(str(path), diagnostics), kind, control=control, now=now,
                       parsed=parsed, interchanges=interchanges, claims=claims)
