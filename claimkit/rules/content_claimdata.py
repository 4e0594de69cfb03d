"""Rules about claim details (CK-B1xx, issue 12).

Some have no check function of their own (like the CK-U0xx rules in build_rules.py): only the
builder sees the session fields (frequency, the payer's configuration) before they become
claim segments, so it decides when they apply and names the session's file and row.
CK-B103 (payer sequence) and CK-B104 (coordination-of-benefits balancing) are claim rules:
they check built claims, claims JSON/XML and any 837P alike (claimkit/x12/details.py reads
SBR01 and the 2320/2430 loops).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Iterator

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


# The payers that decide before a payer of each responsibility sequence (TR3 2000B/2320 SBR01).
_EARLIER = {"S": ("P",), "T": ("P", "S")}


def _single_primary(facts: Any) -> bool:
    """A primary claim naming no other payer: nothing to sequence."""
    claim = facts.claim
    return claim.payer_responsibility == "P" and not claim.other_payers


@rule("CK-B103", "claimdata.secondary-without-primary", severity="error", level=5, skip_if=_single_primary)
def secondary_without_primary(claim: Any, ctx: Any) -> Iterator[Hit]:
    """A secondary (or tertiary) claim does not give the earlier payer's adjudication.

    What: the claim's payer sequence (session ``payer_sequence``, 2000B SBR01) is S (or T) and
    ``other_payers`` (2320) has no payer with the earlier responsibility (P for S; P and S for
    T) with its ``paid`` amount (AMT*D) or line EOBs (2430 SVD); or two payers of the claim
    share one responsibility code. Checked on built claims, claims JSON/XML and any 837P.
    Why: the secondary payer pays from the primary's decision: the 837P carries it in 2320
    (AMT*D paid amount, CAS adjustments) and 2330B (the primary payer), and the TR3 requires
    them when the payer in 2330B adjudicated the claim. Without them the claim is denied
    (e.g. CARC 22, coordination of benefits).
    How to fix: enter the primary's EOB under ``other_payers``: responsibility P, member ID,
    paid amount, adjustments (group, reason, amount) and adjudication date.
    Reference: ASC X12 005010X222A1 2000B SBR01 and 2320 SBR01 (one payer per responsibility
    sequence), 2320 AMT*D and CAS, 2330B DTP*573.
    """
    others = list(claim.other_payers)
    sequences = [claim.payer_responsibility, *(op.responsibility for op in others)]
    repeated = sorted({q for q in sequences if sequences.count(q) > 1})
    if repeated:
        yield Hit(f"payer responsibility {', '.join(repeated)} is given to more than one payer (the claim's "
                  "payer sequence and other_payers[].responsibility; 2000B and 2320 SBR01)", field="other_payers",
                  fix="give each payer its own sequence: P primary, S secondary, T tertiary",
                  values={"repeated": repeated})
    by_lines = {a.payer_id for ln in claim.lines for a in ln.adjudications}
    for resp in _EARLIER.get(claim.payer_responsibility, ()):
        if not any(op.responsibility == resp and (op.paid is not None or op.payer_id in by_lines) for op in others):
            yield Hit(f"the claim is billed to {claim.payer.name} as payer sequence {claim.payer_responsibility} "
                      f"but gives no adjudication by the {resp} payer (2320 AMT*D or 2430 SVD)",
                      field="other_payers",
                      fix=f"add the {resp} payer's EOB under other_payers (responsibility {resp}, "
                          "paid, adjustments, adjudication_date)",
                      values={"missing": resp})
            break


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


def _no_other_payer_amounts(facts: Any) -> bool:
    """The guard (Rule.skip_if): no other payer states a paid amount and no line carries an
    other payer's adjudication, so there is nothing to balance."""
    claim = facts.claim
    return (not any(getattr(op, "paid", None) is not None for op in getattr(claim, "other_payers", ()) or ())
            and not any(getattr(ln, "adjudications", None) for ln in claim.lines))


@rule("CK-B104", "claimdata.cob-balance", severity="error", level=3, skip_if=_no_other_payer_amounts)
def cob_balance(claim: Any, ctx: Any) -> Iterator[Hit]:
    """The other payer's paid amount and adjustments do not add up to the charges.

    What: for each other payer (2320) with a paid amount, the claim charge (CLM02) must equal
    that payer's paid amount (AMT*D) plus its claim-level adjustments (2320 CAS) plus its
    line-level adjustments (2430 CAS); each line adjudication's paid amount (SVD02) plus its
    adjustments must equal the line charge (SV102); and a line adjudication must name one of
    the claim's other payers (SVD01 = 2330B NM109).
    Why: the TR3 balancing rules for coordination of benefits; a secondary payer's front end
    rejects a claim whose 2320/2430 amounts do not reconcile with the charges.
    How to fix: copy the EOB exactly: every adjustment (CO contractual, PR patient
    responsibility such as deductible 1 and coinsurance 2, OA other) with its amount, and the
    paid amount; the adjustments plus the paid amount equal the billed amount.
    Reference: ASC X12 005010X222A1 2320 CAS and AMT*D notes, 2430 SVD01, SVD02 and CAS notes.
    """
    others = list(getattr(claim, "other_payers", ()) or ())
    ids = {op.payer_id for op in others}
    total = sum((ln.charge for ln in claim.lines), Decimal(0))
    line_adj: dict[str, Decimal] = {}
    for ln in claim.lines:
        for j, adj in enumerate(getattr(ln, "adjudications", ()) or ()):
            cas = sum((a.amount for a in adj.adjustments), Decimal(0))
            line_adj[adj.payer_id] = line_adj.get(adj.payer_id, Decimal(0)) + cas
            if adj.payer_id not in ids:
                yield Hit(f"line {ln.number} ({ln.code}) has an adjudication by payer "
                          f"{adj.payer_id}, which is not one of the claim's other payers",
                          line=ln.number, field=f"adjudications[{j + 1}].payer_id",
                          fix="use the payer ID of the other payer (2330B) the EOB came from",
                          values={"payer_id": adj.payer_id})
            elif adj.paid + cas != ln.charge:
                yield Hit(f"line {ln.number} ({ln.code}): paid {adj.paid} + adjustments {cas} = "
                          f"{adj.paid + cas}, but the line charge is {ln.charge}",
                          line=ln.number, field=f"adjudications[{j + 1}]",
                          fix="copy the line's EOB exactly: paid plus adjustments equal the line charge",
                          values={"payer_id": adj.payer_id, "paid": str(adj.paid),
                                  "adjustments": str(cas), "charge": str(ln.charge)})
    for i, op in enumerate(others):
        if op.paid is None:
            continue
        claim_adj = sum((a.amount for a in op.adjustments), Decimal(0))
        lines = line_adj.get(op.payer_id, Decimal(0))
        if op.paid + claim_adj + lines != total:
            yield Hit(f"{op.name} paid {op.paid} + claim adjustments {claim_adj} + line "
                      f"adjustments {lines} = {op.paid + claim_adj + lines}, but the claim "
                      f"charge is {total}", field=f"other_payers[{i + 1}].paid",
                      fix="copy the EOB exactly: paid amount plus every adjustment equals the charge",
                      values={"payer_id": op.payer_id, "paid": str(op.paid), "charge": str(total)})


@rule("CK-B106", "claimdata.eob-line-unmatched", severity="error", level=5, scope="build")
def eob_line_unmatched(subject: Any, ctx: Any) -> Iterable[Hit]:
    """An other payer's EOB line names a code the claim does not bill.

    What: ``other_payers[].lines[].code`` matches no service line of the claim built from the
    session.
    Why: each EOB line becomes the 2430 adjudication of the billed line with that code; one
    that matches no line would be lost, and the claim would not balance with the EOB.
    How to fix: correct the EOB line's code (as billed, without modifiers), or add the
    service the other payer adjudicated.
    Reference: ASC X12 005010X222A1 2430 SVD03 (the procedure as billed in SV101).
    """
    return _builder_only(subject, ctx)
