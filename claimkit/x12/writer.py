"""Claims -> X12 837P (005010X222A1). Segment builders return typed values; the Encoder writes.

Control numbers and the clock are arguments, so the same claims and settings always give the
same bytes. Loop order follows the TR3: 1000A/1000B, then per billing provider 2000A/2010AA,
per claim 2000B (+2000C when the patient is not the subscriber), 2300, 2310B, 2400.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Sequence, cast

from claimkit.errors import InputError
from claimkit.models.claim import Claim, ClaimBatch, Party, Provider
from claimkit.x12.encoder import Encoder, SeparatorInData
from claimkit.x12.original import Reencoder, first_difference, key_of, parts, write_groups
from claimkit.x12.spec import POSITIONS, RELATIONSHIP_CODES, elements

VERSION = "005010X222A1"
MAX_CLAIMS_PER_ST = 5000  # TR3 1.4.1: no more than 5000 CLM segments per transaction set


def amount(value: Decimal) -> str:
    """X12 R type: no thousands separators, no trailing zeros (120.00 -> 120, 67.50 -> 67.5)."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def d8(value) -> str:
    """X12 DT type, CCYYMMDD."""
    return value.strftime("%Y%m%d")


class X12DataError(InputError):
    """A claim value cannot be written as X12 (e.g. it contains a separator character)."""

    def __init__(self, message: str, *, claim_id: str | None, element: str) -> None:
        super().__init__(message)
        self.claim_id = claim_id
        self.element = element


class _Tx:
    """Collects the segments of one transaction set and counts them (SE01)."""

    def __init__(self, enc: Encoder) -> None:
        self.enc = enc
        self.parts: list[str] = []
        self.context = ""
        self.claim_id: str | None = None

    def add_original(self, separators: str, text: str, loop: str) -> None:
        """One segment of a parsed claim as sent, in this interchange's separators."""
        try:
            self.parts.append(Reencoder(self.enc).text(separators, text))
        except SeparatorInData as exc:
            what = ("the X12 separator" if exc.char in self.enc.d.all
                    else "a character outside the X12 character set")
            raise X12DataError(  # the value itself may be a name: never echoed
                f"{self.context}: {exc.segment_id}-{exc.position:02d} (loop {loop}) contains "
                f"{what} {exc.char!r}; X12 has no escape, so correct the source data",
                claim_id=self.claim_id, element=f"{exc.segment_id}-{exc.position:02d}") from None

    def add(self, segment_id: str, **values: object) -> None:
        try:
            values_ = cast("list[Any]", elements(segment_id, **values))  # typed by the guide's table
            self.parts.append(self.enc.segment(segment_id, values_))
        except SeparatorInData as exc:
            name = next(n for n, pos in POSITIONS[segment_id].items() if pos == exc.position)
            label = f"{segment_id}-{exc.position:02d}"
            what = ("the X12 separator" if exc.char in self.enc.d.all else "a character outside the X12 character set")
            raise X12DataError(  # the value itself may be a name: never echoed
                f"{self.context}: {label} ({name}) contains {what} {exc.char!r}; "
                f"X12 has no escape, so correct the source data",
                claim_id=self.claim_id, element=label) from None


def write_837(batch: ClaimBatch, *, isa_control: int, gs_control: int, now: datetime,
              newline: bool = True) -> str:
    """Return the whole interchange ISA..IEA as text.

    Raises InputError naming the claim and element when a value contains a separator.
    """
    enc = Encoder(newline=newline)
    out = interchange_head(enc, batch.envelope, isa_control, gs_control, now)
    chunks = [batch.claims[i:i + MAX_CLAIMS_PER_ST]
              for i in range(0, len(batch.claims), MAX_CLAIMS_PER_ST)] or [[]]
    for n, claims in enumerate(chunks, start=1):
        out.extend(_transaction(enc, batch, claims, f"{n:04d}", gs_control, now))
    out.extend(interchange_tail(enc, len(chunks), isa_control, gs_control))
    return "".join(out)


def _transaction(enc: Encoder, batch: ClaimBatch, claims: Sequence[Claim], st: str,
                 gs_control: int, now: datetime) -> list[str]:
    head = st_head(enc, batch, st, gs_control, now)
    body = st_body(enc, batch, claims)
    return [*head, *body, st_end(enc, len(head) + len(body) + 1, st)]


def interchange_head(enc: Encoder, env, isa_control: int, gs_control: int, now: datetime) -> list[str]:
    """ISA and GS of an interchange (``env``: the batch's Envelope)."""
    out: list[str] = [enc.isa([
        "00", " " * 10, "00", " " * 10,
        env.sender_qualifier, env.sender_id.ljust(15), env.receiver_qualifier, env.receiver_id.ljust(15),
        now.strftime("%y%m%d"), now.strftime("%H%M"), enc.d.repetition, "00501",
        f"{isa_control:09d}", env.ack_requested, env.usage_indicator, enc.d.component,
    ])]
    gs = _Tx(enc)
    gs.context = "envelope"
    gs.add("GS", functional_id="HC", sender=env.gs_sender or env.sender_id,
           receiver=env.gs_receiver or env.receiver_id, date=d8(now), time=now.strftime("%H%M"),
           control_number=gs_control, agency="X", version=VERSION)
    return out + gs.parts


def interchange_tail(enc: Encoder, transactions: int, isa_control: int, gs_control: int) -> list[str]:
    """GE and IEA closing an interchange of ``transactions`` transaction sets."""
    tail = _Tx(enc)
    tail.add("GE", transaction_count=transactions, control_number=gs_control)
    tail.add("IEA", group_count=1, control_number=f"{isa_control:09d}")
    return tail.parts


def st_head(enc: Encoder, batch: ClaimBatch, st: str, gs_control: int, now: datetime) -> list[str]:
    """ST, BHT, 1000A submitter and 1000B receiver of one transaction set."""
    tx = _Tx(enc)
    tx.context = "submitter/receiver"
    tx.add("ST", transaction_set="837", control_number=st, implementation=VERSION)
    tx.add("BHT", structure="0019", purpose="00", reference=f"{gs_control}-{st}", date=d8(now),
           time=now.strftime("%H%M"), transaction_type="CH")
    sub, rcv = batch.submitter, batch.receiver
    tx.add("NM1", entity="41", entity_type="2", last_name=sub.name, id_qualifier="46", id=sub.id)
    # PER: TE number, then its extension as EX (TR3 1000A PER05/06), then the e-mail
    contact = [("TE", sub.phone), ("EX", sub.phone_extension if sub.phone else None), ("EM", sub.email)]
    contact = [c for c in contact if c[1]]
    per: dict[str, str | None] = {"function": "IC", "name": sub.contact_name or sub.name}
    for i, (q, v) in enumerate(contact[:3], start=1):
        per[f"qual{i}"], per[f"number{i}"] = q, v
    tx.add("PER", **per)
    tx.add("NM1", entity="40", entity_type="2", last_name=rcv.name, id_qualifier="46", id=rcv.id)
    return tx.parts


def st_body(enc: Encoder, batch: ClaimBatch, claims: Sequence[Claim]) -> list[str]:
    """The billing provider and claim loops of one transaction set: nothing in them depends on
    control numbers or the clock, so a streaming build checks and writes the same text."""
    tx = _Tx(enc)
    hl = 0
    by_billing: dict[object, list[Claim]] = {}
    for c in claims:
        o = c.original  # a parsed claim goes with the claims of the same billing segments
        key = c.billing_provider.npi if o is None else key_of(parts(o)["bill"], o.separators)
        by_billing.setdefault(key, []).append(c)
    for group in by_billing.values():
        if group[0].original is not None:
            hl = _originals(tx, group, hl)
            continue
        hl += 1
        parent = hl
        tx.context = f"billing provider {group[0].billing_provider.npi}"
        _billing(tx, hl, group[0].billing_provider)
        for claim in group:
            tx.context, tx.claim_id = f"claim {claim.claim_id}", claim.claim_id
            hl = _claim(tx, claim, hl, parent)
    return tx.parts


def st_end(enc: Encoder, segments: int, st: str) -> str:
    """SE: ``segments`` counts ST through SE."""
    tx = _Tx(enc)
    tx.add("SE", segment_count=segments, control_number=st)
    return tx.parts[0]


def _originals(tx: _Tx, group: Sequence[Claim], hl: int) -> int:
    """Parsed claims of one billing provider, written from their original segments."""
    def on_claim(claim: Claim) -> None:
        tx.context, tx.claim_id = f"claim {claim.claim_id}", claim.claim_id

    for claim in group:
        field = first_difference(claim)
        if field is not None:
            raise X12DataError(
                f"claim {claim.claim_id}: {field} no longer agrees with the 837P segments the "
                f"claim was read from ('original'); change both, or remove 'original' to write "
                f"the claim from its fields alone", claim_id=claim.claim_id, element=field)
    tx.context, tx.claim_id = f"claim {group[0].claim_id}", group[0].claim_id

    def add_hl(n: int, parent: int | None, level: str, child: str) -> None:
        tx.add("HL", id=n, parent_id=parent, level=level, child_code=child)

    return write_groups(tx.add_original, add_hl, group, hl, on_claim)


def _billing(tx: _Tx, hl: int, bp: Provider) -> None:
    tx.add("HL", id=hl, level="20", child_code="1")
    if bp.taxonomy:
        tx.add("PRV", provider_code="BI", ref_qualifier="PXC", taxonomy=bp.taxonomy)
    _nm1(tx, "85", bp)
    _address(tx, bp.address)
    if bp.ein:
        tx.add("REF", qualifier="EI", id=bp.ein)
    if bp.phone:  # 2010AA PER: billing provider contact (situational, TR3 2010AA PER)
        ext = {"qual2": "EX", "number2": bp.phone_extension} if bp.phone_extension else {}
        tx.add("PER", function="IC", name=bp.last_name, qual1="TE", number1=bp.phone, **ext)


def _nm1(tx: _Tx, entity: str, p: Provider) -> None:
    tx.add("NM1", entity=entity, entity_type="2" if p.is_organization else "1",
           last_name=p.last_name, first_name=None if p.is_organization else p.first_name,
           id_qualifier="XX", id=p.npi)


def _address(tx: _Tx, addr) -> None:
    if addr is None:
        return
    tx.add("N3", line1=addr.line1, line2=addr.line2)
    tx.add("N4", city=addr.city, state=addr.state, zip=addr.zip)


def _person(tx: _Tx, entity: str, p: Party, *, member: bool, demographics: bool = True) -> None:
    tx.add("NM1", entity=entity, entity_type="1", last_name=p.last_name, first_name=p.first_name,
           middle_name=p.middle_name, id_qualifier="MI" if member and p.member_id else None,
           id=p.member_id if member else None)
    if not demographics:
        return
    _address(tx, p.address)
    if p.birth_date or p.sex:
        tx.add("DMG", format="D8", birth_date=d8(p.birth_date) if p.birth_date else None,
               sex=p.sex.value if p.sex else None)


def _claim(tx: _Tx, claim: Claim, hl: int, parent: int) -> int:
    self_pay = claim.patient is None
    hl += 1
    sub_hl = hl
    tx.add("HL", id=hl, parent_id=parent, level="22", child_code="0" if self_pay else "1")
    tx.add("SBR", payer_responsibility=claim.payer_responsibility, relationship="18" if self_pay else None,
           group_number=claim.subscriber.group_number, insurance_type=claim.insurance_type,
           filing_indicator=claim.payer.filing_indicator)
    # 2010BA N3/N4/DMG: "Required when the patient is the subscriber ... If not required by this
    # implementation guide, do not send" (TR3 2010BA): a dependent's claim sends them in 2010CA
    _person(tx, "IL", claim.subscriber, member=True, demographics=self_pay)
    tx.add("NM1", entity="PR", entity_type="2", last_name=claim.payer.name, id_qualifier="PI",
           id=claim.payer.payer_id)
    if claim.patient is not None:  # not self_pay
        hl += 1
        tx.add("HL", id=hl, parent_id=sub_hl, level="23", child_code="0")
        tx.add("PAT", relationship=RELATIONSHIP_CODES[claim.relationship.value])
        _person(tx, "QC", claim.patient, member=False)
    acc = claim.accident
    causes = None
    if acc is not None:  # CLM11: related causes 1-2, (3 not used), 4 the auto accident's state
        c = acc.related_causes
        causes = (c[0], c[1] if len(c) > 1 else "", "", acc.state or "")
    tx.add("CLM", claim_id=claim.claim_id, total_charge=amount(claim.total_charge),
           facility=(claim.place_of_service, "B", claim.frequency_code), signature="Y",
           assignment="A", benefits="Y", release="Y", related_causes=causes)
    _claim_details(tx, claim)
    # HI: principal ABK, others ABF (TR3 2300 HI; codes without the dot)
    tx.add("HI", **{f"dx{i}": ("ABK" if i == 1 else "ABF", code)
                    for i, code in enumerate(claim.diagnoses, start=1)})
    ref = claim.referring_provider
    if ref is not None:  # 2310A: referring/certifying provider (required when a referral/order)
        _nm1(tx, "DN", ref)
    rp = claim.rendering_provider
    if rp is not None and rp.npi != claim.billing_provider.npi:
        _nm1(tx, "82", rp)
        if rp.taxonomy:
            tx.add("PRV", provider_code="PE", ref_qualifier="PXC", taxonomy=rp.taxonomy)
    fac = claim.service_facility
    if fac is not None:  # 2310C: where the service was furnished (e.g. POS 12, the home)
        tx.add("NM1", entity="77", entity_type="2", last_name=fac.name,
               id_qualifier="XX" if fac.npi else None, id=fac.npi)
        _address(tx, fac.address)
    for op in claim.other_payers:
        _other_payer(tx, claim, op)
    for line in claim.lines:
        tx.context = f"claim {claim.claim_id} line {line.number}"
        tx.add("LX", number=line.number)
        # SV101: HC, code, modifiers 1-4, then SV101-7 description (unlisted codes) after them
        mods = line.modifiers
        if line.description:
            mods = [*mods, *[""] * (4 - len(mods))]
        tx.add("SV1", procedure=("HC", line.code, *mods, line.description),
               charge=amount(line.charge),
               unit_basis="UN", units=line.units,
               place_of_service=line.place_of_service if line.place_of_service != claim.place_of_service else None,
               pointers=[str(p) for p in line.pointers])
        tx.add("DTP", qualifier="472", format="D8", date=d8(line.date_of_service))
        if line.control_number:  # REF*6R: the 835 returns it to post the line's payment
            tx.add("REF", qualifier="6R", id=line.control_number)
        if line.ndc:  # 2410 drug identification: LIN*N4 and its CTP (quantity, unit)
            tx.add("LIN", product_qualifier="N4", product_id=line.ndc)
            if line.ndc_quantity is not None:
                tx.add("CTP", quantity=amount(line.ndc_quantity), unit=(line.ndc_unit or "UN",))
        for adj in line.adjudications:  # 2430: an other payer's decision on this line
            tx.add("SVD", payer_id=adj.payer_id, paid=amount(adj.paid),
                   procedure=("HC", line.code, *line.modifiers), units=adj.units)
            _cas(tx, adj.adjustments)
            tx.add("DTP", qualifier="573", format="D8", date=d8(adj.adjudication_date))
    return hl




def _claim_details(tx: _Tx, claim: Claim) -> None:
    """2300 after CLM, in TR3 order: DTP (431 onset, 454 initial treatment, 439 accident), PWK,
    REF (9F referral, G1 prior authorization, F8 payer claim control number), NTE."""
    for qualifier, value in (("431", claim.onset_date), ("454", claim.initial_treatment_date),
                             ("439", claim.accident.accident_date if claim.accident else None)):
        if value is not None:
            tx.add("DTP", qualifier=qualifier, format="D8", date=d8(value))
    for att in claim.attachments:
        tx.add("PWK", report_type=att.report_type, transmission=att.transmission,
               id_qualifier="AC" if att.control_number else None, id=att.control_number)
    refs: tuple[tuple[str, str | None], ...] = (
        ("9F", claim.referral_number), ("G1", claim.prior_authorization), ("F8", claim.payer_claim_number))
    for qualifier, ref in refs:
        if ref:
            tx.add("REF", qualifier=qualifier, id=ref)
    if claim.note:
        tx.add("NTE", reference_code="ADD", description=claim.note)


def _cas(tx: _Tx, adjustments) -> None:
    """CAS: one segment per group code, up to six reason/amount/quantity triplets each."""
    by_group: dict[str, list] = {}
    for a in adjustments:
        by_group.setdefault(a.group, []).append(a)
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            values: dict[str, object] = {"group": group}
            for k, a in enumerate(items[start:start + 6], start=1):
                values[f"reason{k}"] = a.reason
                values[f"amount{k}"] = amount(a.amount)
                if a.quantity is not None:
                    values[f"quantity{k}"] = amount(a.quantity)
            tx.add("CAS", **values)


def _other_payer(tx: _Tx, claim: Claim, op) -> None:
    """2320 other subscriber information, 2330A other subscriber, 2330B other payer."""
    tx.add("SBR", payer_responsibility=op.responsibility, relationship=op.relationship,
           group_number=op.group_number, insurance_type=op.insurance_type,
           filing_indicator=op.filing_indicator)
    _cas(tx, op.adjustments)
    if op.paid is not None:  # AMT*D: required when the payer in 2330B adjudicated the claim
        tx.add("AMT", qualifier="D", amount=amount(op.paid))
    if op.patient_responsibility is not None:
        tx.add("AMT", qualifier="EAF", amount=amount(op.patient_responsibility))
    tx.add("OI", benefits_assignment="Y", release="Y")
    sub = op.subscriber
    tx.add("NM1", entity="IL", entity_type="1", last_name=sub.last_name, first_name=sub.first_name,
           id_qualifier="MI", id=sub.member_id)
    tx.add("NM1", entity="PR", entity_type="2", last_name=op.name, id_qualifier="PI", id=op.payer_id)
    lines_adjudicated = any(a.payer_id == op.payer_id for ln in claim.lines for a in ln.adjudications)
    # 2330B DTP*573: required when this payer adjudicated the claim and 2430 is not used
    if op.adjudication_date is not None and not lines_adjudicated:
        tx.add("DTP", qualifier="573", format="D8", date=d8(op.adjudication_date))
