"""Claims: the domain model every format reads into and writes from (837P, XML, JSON).

How a domain record is declared (a mechanical translation of a pydantic model):

* ``@dataclass(slots=True, kw_only=True)`` and ``__pydantic_config__ = DOMAIN_CONFIG``
  (unknown fields are errors when pydantic reads input into it);
* a constraint goes in the annotation, ``Annotated[T, Field(max_length=...)]``, with a plain
  dataclass default after it (``= None``); ``Field(default_factory=list)`` becomes
  ``dataclasses.field(default_factory=list)``; ``max_length`` of a field that mirrors an X12
  element is the generated constant of :mod:`claimkit.models.x12_limits`;
* a ``field_validator`` becomes ``Annotated[T, BeforeValidator(f), ...]`` (see ``Address.zip``);
* a derived value written to JSON stays a ``@computed_field`` property.

Code builds records with their constructor (no validation: the parser and the builder report
bad data as findings); pydantic validates and dumps them only at the edges, through
:mod:`claimkit.models.edge` (``validate(Claim, data)``, ``dump(claim, mode="json")``;
``replace(claim, lines=...)`` where a pydantic model had ``model_copy(update=...)``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, computed_field

# The claim parts (facility, attachments, accident, other payers) are the session input's own
# pydantic models, validated where the sessions are read, and held by the claim as they are.
from claimkit.models.claim_parts import Accident, Attachment, Facility, LineAdjudication, OtherPayer
from claimkit.models.common import DOMAIN_CONFIG, Address, Relationship, Sex
from claimkit.models.x12_limits import ATTACHMENTS_MAX, NTE02_MAX, OTHER_PAYERS_MAX, REF02_MAX, SV101_7_MAX

SEPARATORS_MAX = 3  # element, component and (optional) repetition separators


@dataclass(slots=True, kw_only=True)
class Party:
    """A person on the claim (subscriber or patient)."""

    __pydantic_config__ = DOMAIN_CONFIG

    last_name: str
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    address: Address | None = None
    member_id: str | None = None  # subscriber only
    group_number: str | None = None


@dataclass(slots=True, kw_only=True)
class Provider:
    """Billing provider (an organisation) or rendering provider (a person)."""

    __pydantic_config__ = DOMAIN_CONFIG

    npi: str
    last_name: str  # organisation name for an organisation
    first_name: str | None = None
    is_organization: bool = False
    taxonomy: str | None = None
    ein: str | None = None
    address: Address | None = None
    phone: str | None = None
    phone_extension: str | None = None  # PER05 EX / PER06 (TR3 2010AA PER)


@dataclass(slots=True, kw_only=True)
class Payer:
    """The payer a claim goes to (2010BB), with the practice's key and unit rule when known."""

    __pydantic_config__ = DOMAIN_CONFIG

    key: str | None = None  # the practice configuration's key; None for parsed files
    name: str
    payer_id: str
    filing_indicator: str = "CI"  # SBR09 claim filing indicator (CI commercial, MB Medicare B, ...)
    unit_rule: str | None = None  # "cms" | "ama" when known


@dataclass(slots=True, kw_only=True)
class ServiceLine:
    """One service line (2400): procedure code, modifiers, charge, units, date and diagnosis pointers."""

    __pydantic_config__ = DOMAIN_CONFIG

    number: Annotated[int, Field(ge=1)]
    code: str
    modifiers: list[str] = field(default_factory=list)
    # SV101-7: free-text description, required by the TR3 for unlisted/NOC codes (e.g. 97799)
    description: Annotated[str | None, Field(max_length=SV101_7_MAX)] = None
    charge: Decimal
    units: int
    pointers: list[int] = field(default_factory=list)
    date_of_service: date
    place_of_service: str | None = None  # only when it differs from the claim's
    # 2410 drug identification: LIN03 national drug code (LIN02 N4, 11 digits) and CTP04/CTP05-1
    # quantity and unit (F2, GR, ME, ML, UN); what tells two drug lines of one HCPCS apart
    ndc: str | None = None
    ndc_quantity: Decimal | None = None
    ndc_unit: str | None = None
    minutes: int | None = None  # documented minutes behind the units (audit, not sent in X12)
    control_number: Annotated[str | None, Field(max_length=REF02_MAX)] = None  # 2400 REF*6R
    adjudications: list[LineAdjudication] = field(default_factory=list)  # 2430, per other payer


@dataclass(slots=True, kw_only=True)
class OriginalSegment:
    """One segment of a parsed claim as sent: its loop ID and its text (no terminator)."""

    __pydantic_config__ = DOMAIN_CONFIG

    loop: str
    text: str


@dataclass(slots=True, kw_only=True)
class OriginalSegments:
    """The segments a parsed claim was read from, in file order: its billing provider,
    subscriber and patient loops, then the claim loop and everything under it.

    ``separators`` are the element, component and (when the file declared one) repetition
    separators ``text`` is written with; a writer re-encodes with its own. Envelope segments
    are not kept (the writer makes its own); HL segments are, and are renumbered when written.
    """

    __pydantic_config__ = DOMAIN_CONFIG

    # element, component and repetition separators (X12.6: the ISA's delimiters)
    separators: Annotated[str, Field(min_length=2, max_length=SEPARATORS_MAX)]
    segments: list[OriginalSegment]


@dataclass(slots=True, kw_only=True)
class Claim:
    """One professional claim (2300) with its payer, providers, subscriber, patient and lines."""

    __pydantic_config__ = DOMAIN_CONFIG

    claim_id: str  # patient control number
    session_ids: list[str] = field(default_factory=list)
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
    codeset_releases: dict[str, str] = field(default_factory=dict)
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
    # Issue 12: the claim data real therapy claims need (see claimkit/models/claim_parts.py)
    referring_provider: Provider | None = None  # 2310A NM1*DN referring/certifying provider
    prior_authorization: Annotated[str | None, Field(max_length=REF02_MAX)] = None  # 2300 REF*G1
    referral_number: Annotated[str | None, Field(max_length=REF02_MAX)] = None  # 2300 REF*9F
    initial_treatment_date: date | None = None  # 2300 DTP*454
    onset_date: date | None = None  # 2300 DTP*431 onset of current illness or symptom
    service_facility: Facility | None = None  # 2310C NM1*77, N3, N4
    note: Annotated[str | None, Field(max_length=NTE02_MAX)] = None  # 2300 NTE*ADD
    attachments: Annotated[list[Attachment], Field(max_length=ATTACHMENTS_MAX)] = field(default_factory=list)  # PWK
    accident: Accident | None = None  # CLM11 related causes + DTP*439
    payer_claim_number: Annotated[str | None, Field(max_length=REF02_MAX)] = None  # REF*F8 (7/8)
    payer_responsibility: Annotated[str, Field(pattern=r"^[PSTABCDEFGH]$")] = "P"  # 2000B SBR01
    other_payers: Annotated[list[OtherPayer], Field(max_length=OTHER_PAYERS_MAX)] = field(default_factory=list)  # 2320
    insurance_type: Annotated[str | None, Field(pattern=r"^[0-9A-Z]{1,3}$")] = None  # 2000B SBR05

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_charge(self) -> Decimal:
        """The sum of the line charges (what CLM02 must equal on a built claim)."""
        return sum((ln.charge for ln in self.lines), Decimal("0"))

    @property
    def submitted_total(self) -> Decimal:
        """CLM02 as submitted (a parsed claim), else the sum of the lines."""
        return self.stated_total if self.stated_total is not None else self.total_charge

    @property
    def date_of_service(self) -> date:
        """The claim's earliest line date of service, the date its code sets are looked up for."""
        return min(ln.date_of_service for ln in self.lines)


@dataclass(slots=True, kw_only=True)
class Party837:
    """Submitter or receiver of an interchange."""

    __pydantic_config__ = DOMAIN_CONFIG

    name: str
    id: str
    contact_name: str | None = None
    phone: str | None = None  # PER04 (TE): 10 digits, no punctuation
    phone_extension: str | None = None  # PER05 EX / PER06 (TR3 1000A PER)
    email: str | None = None


@dataclass(slots=True, kw_only=True)
class Envelope:
    """Interchange and group envelope settings (ISA/GS sender, receiver, usage indicator)."""

    __pydantic_config__ = DOMAIN_CONFIG

    sender_qualifier: str = "ZZ"
    sender_id: str
    receiver_qualifier: str = "ZZ"
    receiver_id: str
    usage_indicator: Annotated[str, Field(pattern=r"^[TP]$")] = "T"
    gs_sender: str | None = None
    gs_receiver: str | None = None
    ack_requested: str = "0"


@dataclass(slots=True, kw_only=True)
class ClaimBatch:
    """Claims ready to export, with who sends them to whom."""

    __pydantic_config__ = DOMAIN_CONFIG

    submitter: Party837
    receiver: Party837
    envelope: Envelope
    claims: list[Claim]
