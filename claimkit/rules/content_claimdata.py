"""Findings the builder reports about a session's claim details (CK-B1xx, issue 12).

Like the CK-U0xx rules (build_rules.py) these have no check function of their own: only the
builder sees the session fields (frequency, payer sequence, other payers' EOBs) before they
become claim segments, so it decides when they apply and names the session's file and row.
They live in the catalog so that IDs, docs, severities and user overrides work as elsewhere.
"""
from __future__ import annotations

from typing import Any, Iterable

from claimkit.rules.engine import Hit, rule


def _builder_only(subject: Any, ctx: Any) -> Iterable[Hit]:
    return ()


@rule("CK-B101", "claimdata.payer-claim-number", severity="error", level=4, scope="build")
def payer_claim_number(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A replacement or void session has no payer claim control number, or an original has one.

    What: the session's ``frequency`` is 7 (replacement) or 8 (void) and ``payer_claim_number``
    is empty; or the frequency is 1 (original) and a payer claim number is given.
    Why: the payer finds the claim to replace or void by the control number it assigned
    (2300 REF*F8, "required when CLM05-3 is 7 or 8"); without it the payer rejects the claim,
    and an original claim must not send one. The X12 check of the written file is CK-S009.
    How to fix: copy the payer's claim control number from the 835 (CLP07) or the payer portal
    into ``payer_claim_number``, or set ``frequency`` to 7/8 when the claim replaces one.
    Reference: ASC X12 005010X222A1 2300 CLM05-3 and REF*F8.
    """
    return _builder_only(subject, ctx)


@rule("CK-B102", "claimdata.medicare-patient-is-subscriber", severity="error", level=5,
      scope="build")
def medicare_patient_is_subscriber(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A Medicare session names a subscriber other than the patient.

    What: the session's payer is Medicare (payer ``medicare = true`` or filing indicator MB/MA)
    and the patient's relationship is not ``self``.
    Why: Medicare coverage belongs to the beneficiary; the TR3 sends a Medicare claim with the
    patient as the subscriber (2000B SBR02 = 18, no 2000C patient loop). A spouse's or
    parent's Medicare number on the claim is rejected.
    How to fix: give the patient's own Medicare Beneficiary Identifier as ``patient.member_id``
    with ``relationship: self``, and remove the subscriber.
    Reference: ASC X12 005010X222A1 2000C note ("If the patient is the subscriber ... do not
    send"), CMS Medicare Claims Processing Manual (Pub. 100-04) ch. 26 sec. 10.2 (item 4).
    """
    return _builder_only(subject, ctx)


@rule("CK-B103", "claimdata.secondary-without-primary", severity="error", level=5, scope="build")
def secondary_without_primary(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A secondary (or tertiary) session does not give the earlier payer's adjudication.

    What: ``payer_sequence`` is S (or T) and ``other_payers`` has no payer with the earlier
    responsibility (P for S; P and S for T) with its ``paid`` amount or line EOBs; or two
    payers of the session share one responsibility code.
    Why: the secondary payer pays from the primary's decision: the 837P carries it in 2320
    (AMT*D paid amount, CAS adjustments) and 2330B (the primary payer), and the TR3 requires
    them when the payer in 2330B adjudicated the claim. Without them the claim is denied
    (e.g. CARC 22, coordination of benefits).
    How to fix: enter the primary's EOB under ``other_payers``: responsibility P, member ID,
    paid amount, adjustments (group, reason, amount) and adjudication date.
    Reference: ASC X12 005010X222A1 2000B SBR01 and 2320 SBR01 (one payer per responsibility
    sequence), 2320 AMT*D and CAS, 2330B DTP*573.
    """
    return _builder_only(subject, ctx)


@rule("CK-B105", "claimdata.medicare-secondary-type", severity="error", level=5, scope="build")
def medicare_secondary_type(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Medicare is billed as a secondary payer without the insurance type code (SBR05).

    What: the session's payer is Medicare, its ``payer_sequence`` is S or T, and
    ``insurance_type`` is empty.
    Why: the TR3 requires 2000B SBR05 when the payer in 2010BB is Medicare and is not the
    primary payer: Medicare needs the Medicare Secondary Payer type (why another payer is
    primary) to process the claim; without it the claim is rejected.
    How to fix: set ``insurance_type`` to the MSP type code from the beneficiary's MSP record,
    e.g. 12 (working aged, employer group health plan), 13 (end-stage renal disease), 14
    (no-fault), 15 (workers' compensation), 43 (disabled, large group health plan), 47 (other
    liability).
    Reference: ASC X12 005010X222A1 2000B SBR05; CMS Medicare Secondary Payer Manual
    (Pub. 100-05) ch. 5.
    """
    return _builder_only(subject, ctx)


@rule("CK-B104", "claimdata.cob-balance", severity="error", level=3, scope="build")
def cob_balance(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The other payer's paid amount and adjustments do not add up to the charges.

    What: for each other payer with an EOB, the claim charge (CLM02) must equal that payer's
    paid amount (AMT*D) plus its claim-level adjustments (2320 CAS) plus its line-level
    adjustments (2430 CAS); and each line's charge (SV102) must equal its paid amount (SVD02)
    plus its line adjustments. Every EOB line must match a billed code.
    Why: the TR3 balancing rules for coordination of benefits; a secondary payer's front end
    rejects a claim whose 2320/2430 amounts do not reconcile with the charges.
    How to fix: copy the EOB exactly: every adjustment (CO contractual, PR patient
    responsibility such as deductible 1 and coinsurance 2, OA other) with its amount, and the
    paid amount; the adjustments plus the paid amount equal the billed amount.
    Reference: ASC X12 005010X222A1 2320 CAS and AMT*D notes, 2430 SVD02 and CAS notes.
    """
    return _builder_only(subject, ctx)
