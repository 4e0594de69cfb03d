"""Session claim details -> claim fields (issue 12): referring provider, authorizations, dates,
service facility, notes, attachments, accident, frequency, other payers and their EOBs.

Called by the builder for each built claim; returns the claim fields and the findings
(CK-B1xx, claimkit/rules/content_claimdata.py). Unknown configuration keys are unusable input
(InputError naming the file and row), as for an unknown payer.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import claimkit.rules.content_claimdata  # noqa: F401  (registers CK-B101..CK-B106; CK-B103 is a claim rule)
from claimkit.diagnostics import Diagnostic, Location
from claimkit.errors import ConfigError, InputError
from claimkit.loaders import SessionOrigin
from claimkit.models.claim import Provider, ServiceLine
from claimkit.models.claim_parts import LineAdjudication, OtherPayer, OtherSubscriber
from claimkit.models.session import SessionRecord
from claimkit.rules.build_rules import finding
from claimkit.x12.spec import RELATIONSHIP_CODES

MEDICARE_FILING = ("MB", "MA")  # SBR09 Medicare Part B / Part A (TR3 2000B SBR09)


def is_medicare(payer_cfg: Any) -> bool:
    """True for a payer configured as Medicare (flag or Medicare filing indicator)."""
    return bool(getattr(payer_cfg, "medicare", False)) or payer_cfg.filing_indicator in MEDICARE_FILING


def session_findings(rec: SessionRecord, origin: SessionOrigin, payer_cfg: Any,
                     default_frequency: str = "1") -> list[Diagnostic]:
    """Findings about a session's claim details that do not need the built lines."""
    out: list[Diagnostic] = []

    def loc(field: str) -> Location:
        return Location(file=origin.file, row=origin.row, field=field)

    freq = rec.frequency or default_frequency
    if freq in ("7", "8") and not rec.payer_claim_number:
        what = "replacement" if freq == "7" else "void"
        out.append(finding(
            "CK-B101", loc("payer_claim_number"),
            f"session {rec.session_id} is a {what} (frequency {freq}) but gives no "
            "payer_claim_number (REF*F8)",
            fix="copy the payer's claim control number of the claim to replace or void",
            values={"session_id": rec.session_id, "frequency": freq}))
    elif freq == "1" and rec.payer_claim_number:
        out.append(finding(
            "CK-B101", loc("payer_claim_number"),
            f"session {rec.session_id} is an original claim (frequency 1) but gives a "
            "payer_claim_number; only a replacement (7) or void (8) sends REF*F8",
            fix="set frequency to 7 (replacement) or 8 (void), or remove payer_claim_number",
            values={"session_id": rec.session_id, "frequency": freq}))
    if is_medicare(payer_cfg) and rec.patient.relationship.value != "self":
        out.append(finding(
            "CK-B102", loc("patient.relationship"),
            f"session {rec.session_id}: payer {rec.payer!r} is Medicare but the patient's "
            f"relationship is {rec.patient.relationship.value!r}; for Medicare the patient is "
            "the subscriber", fix="give the patient's own MBI as patient.member_id with "
            "relationship self, and remove the subscriber",
            values={"session_id": rec.session_id}))
    if is_medicare(payer_cfg) and rec.payer_sequence != "P" and not rec.insurance_type:
        out.append(finding(
            "CK-B105", loc("insurance_type"),
            f"session {rec.session_id} bills Medicare ({rec.payer!r}) as payer sequence "
            f"{rec.payer_sequence} but gives no insurance_type (SBR05, the reason Medicare is "
            "secondary)", fix="set insurance_type to the Medicare secondary payer type code "
            "(e.g. 12 working aged, 14 no-fault, 15 workers' compensation, 47 other liability)",
            values={"session_id": rec.session_id}))
    return out


def claim_details(rec: SessionRecord, origin: SessionOrigin, practice: Any) -> dict[str, Any]:
    """The claim fields a session's details give (everything but the lines' EOBs)."""
    return {
        "referring_provider": _referring(rec, origin, practice),
        "prior_authorization": rec.prior_authorization,
        "referral_number": rec.referral_number,
        "initial_treatment_date": rec.initial_treatment_date,
        "onset_date": rec.onset_date,
        "service_facility": _facility(rec, origin, practice),
        "note": rec.note,
        "attachments": list(rec.attachments),
        "accident": rec.accident,
        "payer_claim_number": rec.payer_claim_number,
        "payer_responsibility": rec.payer_sequence,
        "other_payers": [_other_payer(rec, origin, practice, i) for i in range(len(rec.other_payers))],
        "insurance_type": rec.insurance_type,
    }


def line_adjudications(rec: SessionRecord, other_payers: list[OtherPayer], line: ServiceLine
                       ) -> list[LineAdjudication]:
    """2430 for one built line: each other payer's EOB line for its code."""
    out = []
    for cov, op in zip(rec.other_payers, other_payers):
        for eob in cov.lines:
            if eob.code == line.code:
                when = eob.adjudication_date or cov.adjudication_date
                assert when is not None  # OtherCoverage requires the payer's date with EOB lines
                out.append(LineAdjudication(
                    payer_id=op.payer_id, paid=eob.paid,
                    units=eob.units if eob.units is not None else line.units,
                    adjustments=list(eob.adjustments), adjudication_date=when))
                break
    return out


def eob_findings(rec: SessionRecord, origin: SessionOrigin, claim_id: str,
                 other_payers: list[OtherPayer], lines: list[ServiceLine]) -> list[Diagnostic]:
    """CK-B106: every EOB line matches a billed code (the balancing itself is the claim rule
    CK-B104, run on the built claim)."""
    out: list[Diagnostic] = []
    codes = {ln.code for ln in lines}
    for i, (cov, op) in enumerate(zip(rec.other_payers, other_payers)):
        for j, eob in enumerate(cov.lines):
            if eob.code not in codes:
                out.append(finding(
                    "CK-B106", Location(file=origin.file, row=origin.row, claim_id=claim_id,
                                        field=f"other_payers[{i + 1}].lines[{j + 1}].code"),
                    f"session {rec.session_id}: the EOB of {op.name} has a line for "
                    f"{eob.code}, which the claim does not bill",
                    fix="correct the EOB line's code, or add the service it adjudicated",
                    values={"session_id": rec.session_id, "code": eob.code}))
    return out


def _where(origin: SessionOrigin) -> str:
    return f"{origin.kind} {origin.row}"


def _configured(practice: Any, table_name: str, key: str, field: str, what: str,
                origin: SessionOrigin) -> Any:
    """The practice configuration's entry KEY of [TABLE_NAME.*], named by a session's FIELD."""
    table = getattr(practice, table_name, {}) or {}
    cfg = table.get(key)
    if cfg is None:
        raise InputError(f"{field}: unknown {what} {key!r}; configured: "
                         f"{', '.join(sorted(table)) or 'none'}", file=origin.file,
                         where=_where(origin))
    return cfg


def _referring(rec: SessionRecord, origin: SessionOrigin, practice: Any) -> Provider | None:
    rp = rec.referring_provider
    if rp is None:
        return None
    if isinstance(rp, str):
        rp = _configured(practice, "referring_providers", rp, "referring_provider",
                         "referring provider", origin)
    return Provider(npi=rp.npi, last_name=rp.last_name, first_name=rp.first_name)


def _facility(rec: SessionRecord, origin: SessionOrigin, practice: Any):
    f = rec.service_facility
    if isinstance(f, str):
        cfg = _configured(practice, "facilities", f, "service_facility", "facility", origin)
        from claimkit.models.claim_parts import Facility

        return Facility.model_validate(cfg.model_dump())
    return f


def _other_payer(rec: SessionRecord, origin: SessionOrigin, practice: Any, i: int) -> OtherPayer:
    cov = rec.other_payers[i]
    name, payer_id, filing = cov.name, cov.payer_id, cov.filing_indicator
    if cov.payer is not None:
        try:
            cfg = practice.payer(cov.payer)
        except ConfigError as exc:
            raise InputError(f"other_payers[{i + 1}].payer: {exc.detail}", file=origin.file,
                             where=_where(origin)) from None
        name, payer_id = name or cfg.name, payer_id or cfg.payer_id
        filing = filing or cfg.filing_indicator
    # OtherCoverage requires a payer key or both name and payer_id; a key filled them above.
    assert name is not None and payer_id is not None
    insured = rec.insured
    paid = cov.paid
    if paid is None and cov.lines:
        paid = sum((ln.paid for ln in cov.lines), Decimal(0))
    return OtherPayer(
        responsibility=cov.responsibility, name=name, payer_id=payer_id,
        filing_indicator=filing or "CI",
        relationship=RELATIONSHIP_CODES[rec.patient.relationship.value],
        group_number=cov.group_number, insurance_type=cov.insurance_type,
        subscriber=OtherSubscriber(last_name=insured.last_name, first_name=insured.first_name,
                                   member_id=cov.member_id),
        paid=paid, adjustments=list(cov.adjustments),
        patient_responsibility=cov.patient_responsibility,
        adjudication_date=cov.adjudication_date)
