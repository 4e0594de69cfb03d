"""The claim details of issue 12 read back from 837P segments: what the writer's
``_claim_details``, ``_other_payer`` and 2430 lines write, read with the same element names
(:mod:`claimkit.x12.spec`).

Without them a claim parsed from another system's 837P said SBR01 P for a secondary claim and
had no other payers, so the coordination-of-benefits balancing rule (CK-B104) never ran on an
837P, and ``claimkit parse`` dropped the referring provider, dates, authorizations, notes and
attachments from its JSON and XML.

Records are made unvalidated like the rest of the claim (:mod:`claimkit.x12.makers`), except
the parts that are pydantic models with rules of their own (an accident, an attachment, a
facility, an other payer, a line adjudication): a part the model refuses is left out. The
segments stay on the claim as sent (``Claim.original``), and the X12 rules report what is
wrong with them (CK-S0xx situational rules, the guide's element rules).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from pydantic import ValidationError

from claimkit.models.claim import Provider
from claimkit.models.claim_parts import (
    Accident,
    Adjustment,
    Attachment,
    Facility,
    LineAdjudication,
    OtherPayer,
    OtherSubscriber,
)
from claimkit.models.common import Address
from claimkit.models.x12_limits import ATTACHMENTS_MAX, NTE02_MAX, OTHER_PAYERS_MAX, REF02_MAX
from claimkit.x12.origin import parse_d8, to_decimal
from claimkit.x12.reader import Segment
from claimkit.x12.spec import POSITIONS

# 2300 DTP qualifier -> claim field; REF qualifier -> claim field (the writer's _claim_details)
_DATES = {"431": "onset_date", "454": "initial_treatment_date"}
_REFS = {"9F": "referral_number", "G1": "prior_authorization", "F8": "payer_claim_number"}
_RESPONSIBILITY = frozenset("PSTABCDEFGH")  # SBR01 codes (Claim.payer_responsibility)
_CAS_TRIPLETS = 6


def _el(seg: Segment, name: str) -> str:
    """The element of ``seg`` the writer names ``name`` ("" when absent)."""
    return seg.el(POSITIONS[seg.id][name])


def _part(make: Callable[..., Any], **values: Any) -> Any:
    """A claim part, or None when its model refuses the values (see the module note)."""
    try:
        return make(**values)
    except (ValidationError, ValueError, TypeError):
        return None


def _date(dtp: Segment) -> Any:
    return parse_d8(_el(dtp, "date")[:8]) if _el(dtp, "format") == "D8" else None


def _amount(text: str) -> Decimal | None:
    return to_decimal(text) if text else None


def _adjustments(cas: Segment) -> list[Adjustment]:
    """The reason/amount/quantity triplets of one CAS (a triplet the model refuses is left out)."""
    group = _el(cas, "group")
    out = []
    for k in range(1, _CAS_TRIPLETS + 1):
        reason = _el(cas, f"reason{k}")
        if not reason:
            continue
        amount = _amount(_el(cas, f"amount{k}"))
        a = _part(Adjustment, group=group, reason=reason, amount=amount,
                  quantity=_amount(_el(cas, f"quantity{k}")))
        if a is not None:
            out.append(a)
    return out


def _address(n3: Segment | None, n4: Segment | None) -> Address | None:
    if n3 is None or n4 is None:
        return None
    return _part(Address, line1=_el(n3, "line1"), line2=_el(n3, "line2") or None, city=_el(n4, "city"),
                 state=_el(n4, "state"), zip=_el(n4, "zip"))


def claim_details(refs: dict[str, Segment], segs: list[tuple[str, Segment]]) -> dict[str, Any]:
    """Claim fields from the 2000B SBR, the CLM, and ``segs``: the 2300-2330 segments after
    CLM (loop, segment) in file order. Only fields the segments give are returned."""
    out: dict[str, Any] = {}
    sbr = refs.get("2000B.SBR")
    if sbr is not None:
        if _el(sbr, "payer_responsibility") in _RESPONSIBILITY:
            out["payer_responsibility"] = _el(sbr, "payer_responsibility")
        if _el(sbr, "insurance_type"):
            out["insurance_type"] = _el(sbr, "insurance_type")
    clm = refs["2300.CLM"]
    comp = clm.delimiters.component
    causes = _el(clm, "related_causes").split(comp)
    accident_date = None
    attachments: list[Attachment] = []
    others: list[dict[str, Any]] = []
    facility: dict[str, Segment] = {}
    for loop, seg in segs:
        sid = seg.id
        if loop == "2300":
            if sid == "DTP":
                q = _el(seg, "qualifier")
                if q in _DATES:
                    out.setdefault(_DATES[q], _date(seg))
                elif q == "439":
                    accident_date = _date(seg)
            elif sid == "REF":
                q, value = _el(seg, "qualifier"), _el(seg, "id")
                if q in _REFS and value and len(value) <= REF02_MAX:
                    out.setdefault(_REFS[q], value)
            elif sid == "PWK" and len(attachments) < ATTACHMENTS_MAX:
                a = _part(Attachment, report_type=_el(seg, "report_type"),
                          transmission=_el(seg, "transmission"), control_number=_el(seg, "id") or None)
                if a is not None:
                    attachments.append(a)
            elif sid == "NTE" and _el(seg, "reference_code") == "ADD":  # the note the writer sends
                note = _el(seg, "description")
                if note and len(note) <= NTE02_MAX:
                    out.setdefault("note", note)
        elif loop == "2310A" and sid == "NM1" and _el(seg, "entity") == "DN":
            org = _el(seg, "entity_type") == "2"
            out.setdefault("referring_provider", Provider(
                npi=_el(seg, "id"), last_name=_el(seg, "last_name"),
                first_name=None if org else (_el(seg, "first_name") or None), is_organization=org))
        elif loop == "2310C":
            facility.setdefault(sid, seg)
        elif loop == "2320":
            if sid == "SBR":
                others.append({"sbr": seg, "cas": [], "amt": {}})
            elif others:
                if sid == "CAS":
                    others[-1]["cas"].append(seg)
                elif sid == "AMT":
                    others[-1]["amt"].setdefault(_el(seg, "qualifier"), seg)
        elif loop[:4] == "2330" and others:
            key = {"2330A": "nm1_il", "2330B": "nm1_pr"}.get(loop) if sid == "NM1" else None
            if key is not None:
                others[-1].setdefault(key, seg)
            elif loop == "2330B" and sid == "DTP" and _el(seg, "qualifier") == "573":
                others[-1].setdefault("dtp", seg)
    if causes[0]:
        acc = _part(Accident, related_causes=[c for c in causes[:2] if c],
                    state=(causes[3] if len(causes) > 3 else "") or None, accident_date=accident_date)
        if acc is not None:
            out["accident"] = acc
    if attachments:
        out["attachments"] = attachments
    nm1 = facility.get("NM1")
    if nm1 is not None and _el(nm1, "entity") == "77":
        fac = _part(Facility, name=_el(nm1, "last_name"), npi=_el(nm1, "id") or None,
                    address=_address(facility.get("N3"), facility.get("N4")))
        if fac is not None:
            out["service_facility"] = fac
    payers = [p for p in map(_other_payer, others) if p is not None][:OTHER_PAYERS_MAX]
    if payers:
        out["other_payers"] = payers
    return out


def _other_payer(o: dict[str, Any]) -> OtherPayer | None:
    """One 2320 loop with its 2330A subscriber and 2330B payer."""
    sbr, il, pr = o["sbr"], o.get("nm1_il"), o.get("nm1_pr")
    if il is None or pr is None:
        return None
    sub = _part(OtherSubscriber, last_name=_el(il, "last_name"), first_name=_el(il, "first_name") or None,
                member_id=_el(il, "id"))
    if sub is None:
        return None
    paid, eaf, dtp = o["amt"].get("D"), o["amt"].get("EAF"), o.get("dtp")
    return _part(
        OtherPayer, responsibility=_el(sbr, "payer_responsibility"), name=_el(pr, "last_name"),
        payer_id=_el(pr, "id"), filing_indicator=_el(sbr, "filing_indicator"),
        relationship=_el(sbr, "relationship"), group_number=_el(sbr, "group_number") or None,
        insurance_type=_el(sbr, "insurance_type") or None, subscriber=sub,
        paid=_amount(_el(paid, "amount")) if paid is not None else None,
        adjustments=[a for cas in o["cas"] for a in _adjustments(cas)],
        patient_responsibility=_amount(_el(eaf, "amount")) if eaf is not None else None,
        adjudication_date=_date(dtp) if dtp is not None else None)


def line_details(line: Any, segs: list[tuple[str, Segment]]) -> None:
    """Set a service line's REF*6R control number and its 2430 adjudications from ``segs``
    (the line's segments after DTP*472, loop and segment, in file order)."""
    adjudications: list[dict[str, Any]] = []
    for loop, seg in segs:
        sid = seg.id
        if loop == "2400" and sid == "REF" and _el(seg, "qualifier") == "6R":
            if line.control_number is None and _el(seg, "id"):
                line.control_number = _el(seg, "id")
        elif loop == "2430":
            if sid == "SVD":
                adjudications.append({"svd": seg, "cas": []})
            elif adjudications and sid == "CAS":
                adjudications[-1]["cas"].append(seg)
            elif adjudications and sid == "DTP" and _el(seg, "qualifier") == "573":
                adjudications[-1].setdefault("dtp", seg)
    made = []
    for a in adjudications:
        svd, dtp = a["svd"], a.get("dtp")
        units = _el(svd, "units")
        adj = _part(LineAdjudication, payer_id=_el(svd, "payer_id"), paid=_amount(_el(svd, "paid")),
                    units=int(units) if units.isdecimal() else None,
                    adjustments=[x for cas in a["cas"] for x in _adjustments(cas)],
                    adjudication_date=_date(dtp) if dtp is not None else None)
        if adj is not None:
            made.append(adj)
    if made:
        line.adjudications = made
