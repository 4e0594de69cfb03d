"""Claims: the domain model every format reads into and writes from (837P, XML, JSON)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field, computed_field

from claimkit.models.common import Address, Relationship, Sex, Strict


class Party(Strict):
    """A person on the claim (subscriber or patient)."""

    last_name: str
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    address: Address | None = None
    member_id: str | None = None  # subscriber only
    group_number: str | None = None


class Provider(Strict):
    """Billing provider (an organisation) or rendering provider (a person)."""

    npi: str
    last_name: str  # organisation name for an organisation
    first_name: str | None = None
    is_organization: bool = False
    taxonomy: str | None = None
    ein: str | None = None
    address: Address | None = None
    phone: str | None = None
    phone_extension: str | None = None  # PER05 EX / PER06 (TR3 2010AA PER)


class Payer(Strict):
    key: str | None = None  # the practice configuration's key; None for parsed files
    name: str
    payer_id: str
    filing_indicator: str = "CI"  # SBR09 claim filing indicator (CI commercial, MB Medicare B, ...)
    unit_rule: str | None = None  # "cms" | "ama" when known


class ServiceLine(Strict):
    number: int = Field(ge=1)
    code: str
    modifiers: list[str] = Field(default_factory=list)
    # SV101-7: free-text description, required by the TR3 for unlisted/NOC codes (e.g. 97799)
    description: str | None = Field(default=None, max_length=80)
    charge: Decimal
    units: int
    pointers: list[int] = Field(default_factory=list)
    date_of_service: date
    place_of_service: str | None = None  # only when it differs from the claim's
    # 2410 drug identification: LIN03 national drug code (LIN02 N4, 11 digits) and CTP04/CTP05-1
    # quantity and unit (F2, GR, ME, ML, UN); what tells two drug lines of one HCPCS apart
    ndc: str | None = None
    ndc_quantity: Decimal | None = None
    ndc_unit: str | None = None
    minutes: int | None = None  # documented minutes behind the units (audit, not sent in X12)


class OriginalSegment(Strict):
    """One segment of a parsed claim as sent: its loop ID and its text (no terminator)."""

    loop: str
    text: str


class OriginalSegments(Strict):
    """The segments a parsed claim was read from, in file order: its billing provider,
    subscriber and patient loops, then the claim loop and everything under it.

    ``separators`` are the element, component and (when the file declared one) repetition
    separators ``text`` is written with; a writer re-encodes with its own. Envelope segments
    are not kept (the writer makes its own); HL segments are, and are renumbered when written.
    """

    separators: str = Field(min_length=2, max_length=3)
    segments: list[OriginalSegment]


class Claim(Strict):
    claim_id: str  # patient control number
    session_ids: list[str] = Field(default_factory=list)
    payer: Payer
    billing_provider: Provider
    rendering_provider: Provider | None = None
    subscriber: Party
    patient: Party | None = None  # only when the patient is not the subscriber
    relationship: Relationship = Relationship.SELF
    place_of_service: str
    frequency_code: str = "1"
    diagnoses: list[str]  # ICD-10-CM without dots, principal first
    lines: list[ServiceLine]
    codeset_releases: dict[str, str] = Field(default_factory=dict)
    split: str | None = None  # "2/3" when one session became several claims
    # Parsed 837P only: CLM02 as sent (may differ from the computed total) and the HI
    # qualifier of each diagnosis (ABK/ABF for ICD-10-CM, BK/BF for ICD-9-CM), in order.
    stated_total: Decimal | None = None
    diagnosis_qualifiers: list[str] | None = None
    # Timed minutes per code documented that day, including services that earned no unit: the
    # unit audit needs the whole day under the CMS total-time rule (not sent in X12).
    documented_minutes: dict[str, int] | None = None
    # Parsed 837P only: every segment the claim was read from, so that writing it back keeps
    # what claimkit does not model (see docs/design.md, "Lossless beats clever").
    original: OriginalSegments | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_charge(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), Decimal("0"))

    @property
    def submitted_total(self) -> Decimal:
        """CLM02 as submitted (a parsed claim), else the sum of the lines."""
        return self.stated_total if self.stated_total is not None else self.total_charge

    @property
    def date_of_service(self) -> date:
        return min(ln.date_of_service for ln in self.lines)


class Party837(Strict):
    """Submitter or receiver of an interchange."""

    name: str
    id: str
    contact_name: str | None = None
    phone: str | None = None  # PER04 (TE): 10 digits, no punctuation
    phone_extension: str | None = None  # PER05 EX / PER06 (TR3 1000A PER)
    email: str | None = None


class Envelope(Strict):
    sender_qualifier: str = "ZZ"
    sender_id: str
    receiver_qualifier: str = "ZZ"
    receiver_id: str
    usage_indicator: str = Field(default="T", pattern=r"^[TP]$")
    gs_sender: str | None = None
    gs_receiver: str | None = None
    ack_requested: str = "0"


class ClaimBatch(Strict):
    """Claims ready to export, with who sends them to whom."""

    submitter: Party837
    receiver: Party837
    envelope: Envelope
    claims: list[Claim]
