"""Date edits: service dates in the future, before birth, or past the payer's filing limit.

"Today" is ``ctx.today``, passed in by the caller (the CLI reads the clock once), so these rules
are tested with a frozen clock.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterator

from claimkit.rules.content_facts import ClaimFacts, claim_facts
from claimkit.rules.content_support import is_self
from claimkit.rules.engine import Context, Hit, rule


def _none_in_future(facts: ClaimFacts) -> bool:
    """The guard (Rule.skip_if): no line is dated after today."""
    dates = facts.dates
    return not dates or facts.today is None or dates[-1] <= facts.today


@rule("CK-A001", "date.service-in-future", severity="error", level=7, skip_if=_none_in_future)
def service_in_future(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service date is after today.

    A claim bills services already furnished; a future date of service is a typo (wrong year)
    or a claim sent too early, and payers reject it.

    How to fix: correct the date of service, or send the claim after the service.

    Reference: ASC X12 005010X222A1, 2400 DTP*472; CMS claim front-end edits.
    """
    for ln in claim.lines:
        if ln.date_of_service > ctx.today:
            yield Hit(f"line {ln.number} ({ln.code}) is dated {ln.date_of_service}, after today "
                      f"({ctx.today})", line=ln.number, field="date_of_service",
                      fix="correct the date of service", values={"date": ln.date_of_service.isoformat()})


@rule("CK-A002", "date.service-before-birth", severity="error", level=7)
def service_before_birth(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service date is before the patient's birth date.

    The patient is the patient loop's person, or the subscriber when the subscriber is the
    patient. A service before birth means a wrong birth date or a wrong service date. (The
    birth date is shown only with --show-phi.)

    How to fix: correct the patient's birth date or the date of service.

    Reference: ASC X12 005010X222A1, 2010BA/2010CA DMG02 and 2400 DTP*472.
    """
    if claim.patient is not None:
        person, who = claim.patient, "patient"
    elif is_self(claim):
        person, who = claim.subscriber, "subscriber"
    else:
        return  # the patient is someone else and missing (CK-S003): no birth date to compare
    born = getattr(person, "birth_date", None)
    if born is None:
        return
    dates = claim_facts(claim, ctx).dates
    if not dates or dates[0] >= born:
        return  # no line is dated before the birth date
    for ln in claim.lines:
        if ln.date_of_service < born:
            yield Hit(f"line {ln.number} ({ln.code}) is dated {ln.date_of_service}, before the "
                      f"{who}'s birth date", line=ln.number, field="date_of_service",
                      fix=f"correct the {who}'s birth date or the date of service",
                      values={"date": ln.date_of_service.isoformat(), "birth_date": born.isoformat()})


@rule("CK-A003", "date.timely-filing", severity="error", level=7)
def timely_filing(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service is older than the payer's timely-filing limit.

    Payers deny claims received after their filing limit (Medicare: 12 months after the date of
    service; commercial payers often 90 or 180 days). Set ``timely_filing_days`` on the payer in
    the configuration; the rule runs only for configured payers with a limit.

    How to fix: if the claim was filed in time before (a resubmission), attach the proof the
    payer asks for; otherwise the service can no longer be billed to this payer.

    Reference: 42 CFR 424.44 (Medicare); the payer's provider manual.
    """
    payer = ctx.payer_settings(claim)
    limit = getattr(payer, "timely_filing_days", None) if payer is not None else None
    if not limit:
        return
    for ln in claim.lines:
        deadline = ln.date_of_service + timedelta(days=limit)
        if ctx.today > deadline:
            age = (ctx.today - ln.date_of_service).days
            yield Hit(f"line {ln.number} ({ln.code}) of {ln.date_of_service} is {age} days old; "
                      f"{payer.name} accepts claims for {limit} days (deadline {deadline})",
                      line=ln.number, field="date_of_service",
                      fix="send proof of timely filing with the claim, or write the service off",
                      values={"date": ln.date_of_service.isoformat(), "age_days": age,
                              "limit_days": limit, "deadline": deadline.isoformat()})
