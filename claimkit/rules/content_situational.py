"""Situational rules between parts of a claim (WEDI SNIP type 4) and claim-level IG limits.

The 837P's situational requirements depend on who the patient is: when the subscriber is the
patient, the subscriber loop (2010BA) carries the demographics and address and there is no
patient loop (2000C/2010CA); otherwise the patient loop is required and carries them.
"""
from __future__ import annotations

from typing import Any, Iterator

from claimkit.rules.content_support import is_self
from claimkit.rules.engine import Context, Hit, rule

MAX_LINES = 50  # TR3 005010X222A1 2400 loop repeat: 50


def _address_gaps(addr: Any) -> list[str]:
    """Parts of an address that are empty (an 837P read with N4 but no N3, for example)."""
    parts = (("line1", "street"), ("city", "city"), ("state", "state"), ("zip", "ZIP code"))
    return [label for attr, label in parts if not (getattr(addr, attr, None) or "").strip()]


def _missing_demographics(person: Any, prefix: str) -> Iterator[Hit]:
    for attr, label in (("birth_date", "birth date"), ("sex", "sex")):
        if getattr(person, attr, None) is None:
            yield Hit(f"the {prefix} has no {label}", field=f"{prefix}.{attr}",
                      fix=f"add the {prefix}'s {label} (DMG)")


@rule("CK-S001", "party.subscriber-demographics", severity="error", level=4)
def subscriber_demographics(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The subscriber is the patient but has no birth date or sex.

    When the subscriber is the patient, the subscriber demographic segment (2010BA DMG, birth
    date and gender) is required.

    How to fix: add the patient's birth date and sex to the subscriber.

    Reference: ASC X12 005010X222A1, 2010BA DMG ("required when 2000B SBR02 = 18").
    """
    if is_self(claim):
        yield from _missing_demographics(claim.subscriber, "subscriber")


@rule("CK-S002", "party.subscriber-address", severity="error", level=4)
def subscriber_address(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The subscriber is the patient but has no address, or an incomplete one.

    When the subscriber is the patient, the subscriber address (2010BA N3/N4) is required, with
    a street (N301), city (N401), state (N402) and ZIP code (N403).

    How to fix: add the patient's street, city, state and ZIP to the subscriber.

    Reference: ASC X12 005010X222A1, 2010BA N3 and N4 ("required when the subscriber is the
    patient").
    """
    if not is_self(claim):
        return
    addr = claim.subscriber.address
    if addr is None:
        yield Hit("the subscriber is the patient but has no address", field="subscriber.address",
                  fix="add the subscriber's address (N3/N4)")
        return
    missing = _address_gaps(addr)
    if missing:
        yield Hit(f"the subscriber's address has no {', '.join(missing)}", field="subscriber.address",
                  fix="complete the subscriber's address (N3 street; N4 city, state, ZIP)",
                  values={"missing": missing})


@rule("CK-S003", "party.patient-missing", severity="error", level=4)
def patient_missing(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The patient is not the subscriber, but the claim has no patient.

    A relationship other than self (spouse, child, other) requires the patient loop (2000C PAT
    and 2010CA NM1*QC with address and demographics).

    How to fix: add the patient (name, birth date, sex, address), or set the relationship to
    self if the subscriber is the patient.

    Reference: ASC X12 005010X222A1, 2000C ("required when the patient is not the subscriber").
    """
    if not is_self(claim) and claim.patient is None:
        rel = getattr(claim.relationship, "value", claim.relationship)
        yield Hit(f"relationship is {rel} but the claim has no patient", field="patient",
                  fix="add the patient loop, or set the relationship to self",
                  values={"relationship": rel})


@rule("CK-S004", "party.patient-but-self", severity="error", level=4)
def patient_but_self(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The claim has a patient loop although the subscriber is the patient.

    When the patient is the subscriber (SBR02 = 18), the patient loop (2000C) must not be sent;
    its presence contradicts the relationship.

    How to fix: remove the patient, or set the real relationship (spouse, child, other).

    Reference: ASC X12 005010X222A1, 2000C ("do not use when the patient is the subscriber").
    """
    if is_self(claim) and claim.patient is not None:
        yield Hit("the relationship is self but the claim also has a patient", field="relationship",
                  fix="remove the patient or correct the relationship")


@rule("CK-S005", "party.patient-demographics", severity="error", level=4)
def patient_demographics(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The patient (not the subscriber) has no birth date or sex, or no address.

    The patient loop requires demographics (2010CA DMG) and an address (2010CA N3/N4).

    How to fix: add the patient's birth date, sex and address.

    Reference: ASC X12 005010X222A1, 2010CA N3, N4 and DMG (required).
    """
    if claim.patient is None:
        return
    yield from _missing_demographics(claim.patient, "patient")
    if claim.patient.address is None:
        yield Hit("the patient has no address", field="patient",
                  fix="add the patient's address (N3/N4)")
    elif _address_gaps(claim.patient.address):
        gaps = _address_gaps(claim.patient.address)
        yield Hit(f"the patient's address has no {', '.join(gaps)}", field="patient.address",
                  fix="complete the patient's address (N3 street; N4 city, state, ZIP)",
                  values={"missing": gaps})


@rule("CK-S006", "claim.line-count", severity="error", level=2)
def line_count(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A claim has no service line, or more than 50.

    A professional claim carries 1 to 50 service lines (2400 loop).

    How to fix: split a claim with more than 50 lines into several claims.

    Reference: ASC X12 005010X222A1, 2400 loop repeat 50.
    """
    n = len(claim.lines)
    if n == 0:
        yield Hit("the claim has no service line", field="claim_id", fix="add the services")
    elif n > MAX_LINES:
        yield Hit(f"the claim has {n} service lines; at most {MAX_LINES} are allowed",
                  line=MAX_LINES + 1, field="number", fix="split the claim", values={"count": n})


@rule("CK-S007", "provider.rendering-same-as-billing", severity="warning", level=4)
def rendering_same_as_billing(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The rendering provider is the billing provider (same NPI).

    The rendering provider loop (2310B) is sent only when the rendering provider differs from
    the billing provider; some payers reject a redundant one.

    How to fix: leave the rendering provider out when the billing provider rendered the service.

    Reference: ASC X12 005010X222A1, 2310B ("required when the rendering provider is different
    from the billing provider").
    """
    rp = claim.rendering_provider
    if rp is not None and rp.npi == claim.billing_provider.npi:
        yield Hit(f"rendering provider NPI {rp.npi} is the billing provider's NPI",
                  field="rendering_provider.npi", fix="drop the rendering provider",
                  values={"npi": rp.npi})


@rule("CK-S008", "party.subscriber-member-id", severity="error", level=2)
def subscriber_member_id(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The subscriber has no member ID.

    The subscriber's identifier (2010BA NM109, qualifier MI) is required on every claim; the
    payer cannot find the coverage without it.

    How to fix: add the member ID from the insurance card.

    Reference: ASC X12 005010X222A1, 2010BA NM108/NM109 (required).
    """
    if not (claim.subscriber.member_id or "").strip():
        yield Hit("the subscriber has no member ID", field="subscriber",
                  fix="add the member ID from the insurance card")
