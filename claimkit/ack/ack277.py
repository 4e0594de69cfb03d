"""277CA claim acknowledgment (005010X214): per claim, accepted or rejected with reasons.

Hierarchy (TR3 X214): 2000A information source (the clearinghouse: the 837's receiver, NM1*AY)
> 2000B information receiver (the 837's submitter, NM1*41) > 2000C billing provider (NM1*85)
> 2000D patient (NM1*QC) with 2200D TRN*2 (the claim's CLM01), STC and DTP*472.
An accepted claim gets ``STC*A1:20`` (acknowledgement/receipt: accepted for processing) with
action code WQ; a rejected one gets one ``STC*A3:<status>`` per blocking finding with action
code U and the finding's rule ID and message in STC12. Messages are PHI-free by the rules'
contract; they are folded to the X12 basic character set here (separators become blanks).
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Iterator, Protocol

from claimkit.ack.envelope import Route, Transaction, interchange
from claimkit.ack.status import status_for
from claimkit.diagnostics import Diagnostic, Severity
from claimkit.errors import InputError
from claimkit.models.claim import Claim, ClaimBatch
from claimkit.x12.encoder import Encoder

VERSION = "005010X214"
STC12_MAX = 264  # AN 1/264
# X214 2100D NM103 (patient last name) and NM108/NM109 (patient identifier) are Required; a
# claim received without them (an invalid 837P, rejected for it) still gets its 2000D loop,
# identified by TRN02 (CLM01), with this placeholder where the value cannot be echoed.
UNKNOWN = "UNKNOWN"
_NOT_BASIC = re.compile(r"[^A-Za-z0-9 !\"&'()+,\-./;?=%@\[\]_{}\\|<>#$]")


def _echo(value: str | None, delimiters: str) -> str | None:
    """A value of the 837P as the 277CA may echo it; None when it holds a separator or a
    character outside the X12 character set (an É, a control character). The claim was
    rejected for that already (CK-X005); the value itself is a person's data, so it is left
    out rather than repaired or quoted in an error."""
    if not value or any(c in delimiters for c in value) or _NOT_BASIC.search(value):
        return None
    return value


def amount(value: Decimal) -> str:
    """An amount as X12 writes it: no trailing zeros or point (140.00 -> 140, 87.50 -> 87.5)."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _d8(value: date) -> str:
    return value.strftime("%Y%m%d")


def message_text(d: Diagnostic, delimiters: str) -> str:
    """``"CK-B001 claim total ..."`` folded to the X12 character set and STC12's length."""
    text = f"{d.rule} {d.message}"
    text = "".join(" " if c in delimiters else c for c in text)
    text = _NOT_BASIC.sub(" ", text)
    return " ".join(text.split())[:STC12_MAX].rstrip()


def _service_dates(claim: Claim, received: str) -> tuple[str, str]:
    """2200D DTP*472 (Required in X214): the claim's first..last line dates; a claim with no
    lines has none, so the date it was received (2200A DTP*050) stands in."""
    if not claim.lines:
        return "D8", received
    first = min(ln.date_of_service for ln in claim.lines)
    last = max(ln.date_of_service for ln in claim.lines)
    if first == last:
        return "D8", _d8(first)
    return "RD8", f"{_d8(first)}-{_d8(last)}"


def _counts(tx: Transaction, accepted: tuple[int, Decimal], rejected: tuple[int, Decimal],
            qty: tuple[str, str]) -> None:
    """QTY and AMT of accepted and rejected claims, each given as (count, submitted total)."""
    if accepted[0]:
        tx.add("QTY", qty[0], accepted[0])
    if rejected[0]:
        tx.add("QTY", qty[1], rejected[0])
    if accepted[0]:
        tx.add("AMT", "YU", amount(accepted[1]))
    if rejected[0]:
        tx.add("AMT", "YY", amount(rejected[1]))


class ClaimSource(Protocol):
    """Claims read more than once, in order and by position: a list, or claims kept on disk
    (claimkit.validation.ClaimSpool) so that a large 837P's 277CA does not hold them all."""

    def __len__(self) -> int: ...  # noqa: D105
    def __iter__(self) -> Iterator[Claim]: ...  # noqa: D105
    def __getitem__(self, index: int) -> Claim: ...  # noqa: D105


@dataclass
class _Tally:
    """Counts and submitted totals of accepted and rejected claims (of a file or a provider)."""

    accepted: int = 0
    accepted_total: Decimal = field(default_factory=Decimal)
    rejected: int = 0
    rejected_total: Decimal = field(default_factory=Decimal)
    positions: array[int] = field(default_factory=lambda: array("q"))  # (providers) their claims

    def add(self, claim: Claim, rejected: bool) -> None:
        """Count one claim."""
        if rejected:
            self.rejected += 1
            self.rejected_total += claim.submitted_total
        else:
            self.accepted += 1
            self.accepted_total += claim.submitted_total

    def counts(self, tx: Transaction, qty: tuple[str, str]) -> None:
        """QTY/AMT of these claims (``qty``: the accepted and rejected qualifiers)."""
        _counts(tx, (self.accepted, self.accepted_total), (self.rejected, self.rejected_total), qty)

    @property
    def total(self) -> Decimal:
        """Submitted total of every claim counted."""
        return self.accepted_total + self.rejected_total


def build_277ca(batch: ClaimBatch, diagnostics: Iterable[Diagnostic], *, control: int,
                now: datetime, trace: str | None = None, received: date | None = None,
                gs_control: int | None = None, fail_on: Severity = Severity.ERROR,
                newline: bool = True, claims: ClaimSource | None = None) -> str:
    """The 277CA interchange for a batch of claims and the findings about them.

    Args:
        batch: the claims as received (from the 837P parser or a claims file); its envelope
            and submitter/receiver give the route back.
        diagnostics: findings of the run; those naming a claim (location.claim_id) at
            ``fail_on`` or worse reject that claim.
        control: ISA13 of the 277CA (and GS06 unless ``gs_control`` is given).
        now: the clock (processing date); ``received`` defaults to its date.
        trace: the 2200A/2200B trace number, e.g. the incoming ISA13; defaults to ``control``.
        claims: the claims to answer instead of ``batch.claims`` (read twice: once for the
            counts, then claim by claim; only positions and counts stay in memory).
    """
    source: ClaimSource = batch.claims if claims is None else claims
    if not len(source):
        # X214 requires a billing provider loop (2000C) and a claim under it: a 277CA of no claim
        # is not a valid acknowledgment, so none is written.
        raise InputError("no claim could be read from the 837P, so there is nothing for a 277CA to "
                         "acknowledge (the 999 answers for the file's syntax: --ack 999)")
    enc = Encoder(newline=newline)
    delimiters = enc.d.all
    # a claim's blocking findings, as claimkit.splitting.split decides them
    by_claim: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.location.claim_id is not None and d.severity.rank >= fail_on.rank:
            by_claim.setdefault(d.location.claim_id, []).append(d)
    # first pass: the counts and totals, and each billing provider's claims (TR3 X214 2000C)
    whole = _Tally()
    providers: dict[str, _Tally] = {}
    for n, claim in enumerate(source):
        rejected = claim.claim_id in by_claim
        whole.add(claim, rejected)
        tally = providers.setdefault(claim.billing_provider.npi, _Tally())
        tally.add(claim, rejected)
        tally.positions.append(n)
    ref = trace or str(control)
    today = _d8(now.date())
    tx = Transaction(enc, "277", "0001", VERSION)
    tx.add("BHT", "0085", "08", ref, today, now.strftime("%H%M"), "TH")
    # 2000A information source: the clearinghouse that received the 837
    tx.add("HL", 1, None, "20", 1)
    tx.add("NM1", "AY", "2", batch.receiver.name, None, None, None, None, "46", batch.receiver.id)
    tx.add("TRN", "1", ref)
    received_d8 = _d8(received or now.date())
    tx.add("DTP", "050", "D8", received_d8)
    tx.add("DTP", "009", "D8", today)
    # 2000B information receiver: the 837's submitter
    tx.add("HL", 2, 1, "21", 1)
    tx.add("NM1", "41", "2", batch.submitter.name, None, None, None, None, "46", batch.submitter.id)
    tx.add("TRN", "2", ref)
    tx.add("STC", ["A1", "19", "AY"], today, "WQ", amount(whole.total))
    whole.counts(tx, ("90", "AA"))
    hl = 2
    for tally in providers.values():
        hl += 1
        provider_hl = hl
        bp = source[tally.positions[0]].billing_provider
        tx.add("HL", hl, 2, "19", 1)
        # 2100C NM103 and NM108/NM109 are Required (X214): a placeholder keeps the 277CA valid
        # when the 837P named no billing provider (the claims are rejected for it anyway)
        tx.add("NM1", "85", "2" if bp.is_organization else "1", bp.last_name or UNKNOWN,
               None if bp.is_organization else bp.first_name, None, None, None, "XX", bp.npi or UNKNOWN)
        tx.add("TRN", "1", "0")  # provider of service trace: none assigned (TR3 2200C note)
        tx.add("STC", ["A1", "19", "85"], None, "WQ", amount(tally.total))
        tally.counts(tx, ("QA", "QC"))
        for n in tally.positions:  # second pass: claim by claim, by position
            claim = source[n]
            hl += 1
            _patient(tx, hl, provider_hl, claim, by_claim.get(claim.claim_id), today, delimiters,
                     received_d8)
    route = Route(
        sender_qualifier=batch.envelope.receiver_qualifier, sender_id=batch.envelope.receiver_id,
        receiver_qualifier=batch.envelope.sender_qualifier, receiver_id=batch.envelope.sender_id,
        gs_sender=batch.envelope.gs_receiver or batch.envelope.receiver_id,
        gs_receiver=batch.envelope.gs_sender or batch.envelope.sender_id,
        usage=batch.envelope.usage_indicator,
    )
    return interchange(enc, route, functional_id="HN", version=VERSION, control=control,
                       gs_control=gs_control if gs_control is not None else control, now=now,
                       transactions=[tx.close()])


def _patient(tx: Transaction, hl: int, parent: int, claim: Claim,
             findings: list[Diagnostic] | None, today: str, delimiters: str,
             received: str) -> None:
    person = claim.patient or claim.subscriber
    member = claim.subscriber.member_id or (claim.patient.member_id if claim.patient else None)
    tx.add("HL", hl, parent, "PT")
    # 2100D: NM103 and NM108/NM109 (MI: the member ID the claim was sent with) are Required
    tx.add("NM1", "QC", "1", _echo(person.last_name, delimiters) or UNKNOWN,
           _echo(person.first_name, delimiters), _echo(person.middle_name, delimiters), None, None,
           "MI", _echo(member, delimiters) or UNKNOWN)
    # TRN02 echoes CLM01 so the sender can match; a CLM01 the 837P could not carry is sent as
    # UNKNOWN (the claim's rejection names the segment).
    tx.add("TRN", "2", _echo(claim.claim_id, delimiters) or UNKNOWN)
    total = amount(claim.submitted_total)  # CLM02 as submitted
    if not findings:
        tx.add("STC", ["A1", "20"], today, "WQ", total)
    else:
        seen: set[tuple[str, str]] = set()
        for d in findings:
            status = status_for(d)
            text = message_text(d, delimiters)
            if (status.code, text) in seen:
                continue
            seen.add((status.code, text))
            tx.add("STC", status.composite(), today, "U", total, None, None, None, None, None,
                   None, None, text)
    qualifier, dates = _service_dates(claim, received)
    tx.add("DTP", "472", qualifier, dates)
