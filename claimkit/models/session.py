"""Session records: what a practice documents for one visit (the builder's input)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from claimkit.models.claim_parts import Accident, Adjustment, Attachment, Facility
from claimkit.models.common import Address, Relationship, Sex, Strict
from claimkit.models.x12_limits import (
    ATTACHMENTS_MAX,
    MODIFIERS_MAX,
    NM103_MAX,
    NM104_MAX,
    NM105_MAX,
    NM109_MAX,
    NTE02_MAX,
    OTHER_PAYERS_MAX,
    REF02_MAX,
    SBR03_MAX,
)

_ICD10 = r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$"
_PROC = r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$"  # CPT (incl. category II/III) or HCPCS Level II
_MOD = r"^[0-9A-Z]{2}$"
# claimkit's own identifiers (not X12 elements): a session's and a patient's ID in the practice
ID_MAX = 30


class Person(Strict):
    """A patient or subscriber as the session file gives them (2010BA/2010CA names, demographics)."""

    last_name: str = Field(min_length=1, max_length=NM103_MAX)
    first_name: str = Field(min_length=1, max_length=NM104_MAX)
    middle_name: str | None = Field(default=None, max_length=NM105_MAX)
    birth_date: date
    sex: Sex
    address: Address


class Subscriber(Person):
    """The insured person, when it is not the patient."""

    member_id: str = Field(min_length=2, max_length=NM109_MAX)
    group_number: str | None = Field(default=None, max_length=SBR03_MAX)


class Patient(Person):
    """The person treated, with the practice's patient ID and, when self-insured, the member ID."""

    id: str = Field(min_length=1, max_length=ID_MAX, description="the practice's patient id")
    member_id: str | None = Field(default=None, min_length=2, max_length=NM109_MAX)
    group_number: str | None = Field(default=None, max_length=SBR03_MAX)
    relationship: Relationship = Relationship.SELF


class RenderingProvider(Strict):
    """A clinician given inline in a session instead of by configuration key (2310B)."""

    npi: str = Field(pattern=r"^\d{10}$")
    last_name: str = Field(min_length=1, max_length=NM103_MAX)
    first_name: str | None = Field(default=None, max_length=NM104_MAX)
    taxonomy: str = Field(pattern=r"^[0-9A-Z]{9}X$")


class Service(Strict):
    """One service of a session: the code, minutes or units, modifiers and diagnosis references."""

    code: str = Field(pattern=_PROC)
    minutes: int | None = Field(default=None, ge=0, le=1440)
    units: int | None = Field(default=None, gt=0, le=9999)
    modifiers: list[str] = Field(default_factory=list, max_length=MODIFIERS_MAX)
    diagnoses: list[str | int] = Field(
        default_factory=list,
        description="codes from the session's list, or 1-based positions in it; empty = principal",
    )
    charge: Decimal | None = Field(default=None, ge=0, description="line charge override")
    line_id: str | None = Field(default=None, min_length=1, max_length=REF02_MAX,
                                description="line item control number (2400 REF*6R); default SESSION-N")

    @field_validator("code", mode="before")
    @classmethod
    def _upper_code(cls, v: object) -> object:
        return v.strip().upper() if isinstance(v, str) else v

    @field_validator("minutes", "units", mode="before")
    @classmethod
    def _no_bool(cls, v: object) -> object:
        if isinstance(v, bool):  # JSON true is not a number of minutes (pydantic would take it as 1)
            raise ValueError("must be a whole number, not true/false")
        return v

    @field_validator("modifiers")
    @classmethod
    def _check_mods(cls, v: list[str]) -> list[str]:
        import re

        for m in v:
            if not re.fullmatch(_MOD, m):
                raise ValueError(f"modifier {m!r} is not 2 letters/digits")
        return v

    @model_validator(mode="after")
    def _time_given(self) -> "Service":
        if self.minutes is None and self.units is None:
            raise ValueError(f"service {self.code}: give minutes or units")
        return self


class ReferringProvider(Strict):
    """A referring or certifying physician given inline (2310A NM1*DN)."""

    npi: str = Field(pattern=r"^\d{10}$")
    last_name: str = Field(min_length=1, max_length=NM103_MAX)
    first_name: str | None = Field(default=None, max_length=NM104_MAX)


class EobLine(Strict):
    """The other payer's decision on one billed code (its EOB/835 line; becomes 2430)."""

    code: str = Field(pattern=_PROC)
    paid: Decimal
    units: int | None = Field(default=None, ge=0, description="paid units; default the billed units")
    adjustments: list[Adjustment] = Field(default_factory=list)
    adjudication_date: date | None = Field(default=None, description="default: the payer's date")

    @field_validator("code", mode="before")
    @classmethod
    def _upper_code(cls, v: object) -> object:
        return v.strip().upper() if isinstance(v, str) else v


class OtherCoverage(Strict):
    """Another payer of this patient and, once it adjudicated the claim, its EOB (2320/2330).

    ``payer``: a payer key of the configuration, or give ``name`` and ``payer_id`` inline.
    """

    payer: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1, max_length=NM103_MAX)
    payer_id: str | None = Field(default=None, min_length=2, max_length=NM109_MAX)
    filing_indicator: str | None = Field(default=None, pattern=r"^[0-9A-Z]{1,2}$")
    responsibility: str = Field(default="P", pattern=r"^[PSTABCDEFGH]$")
    member_id: str = Field(min_length=2, max_length=NM109_MAX)
    group_number: str | None = Field(default=None, max_length=SBR03_MAX)
    insurance_type: str | None = Field(default=None, pattern=r"^[0-9A-Z]{1,3}$")
    paid: Decimal | None = Field(default=None, description="claim-level paid amount (AMT*D)")
    adjustments: list[Adjustment] = Field(default_factory=list, description="claim-level CAS")
    patient_responsibility: Decimal | None = None
    adjudication_date: date | None = None
    lines: list[EobLine] = Field(default_factory=list, description="line-level EOB (2430)")

    @model_validator(mode="after")
    def _who(self) -> "OtherCoverage":
        if self.payer is None and (self.name is None or self.payer_id is None):
            raise ValueError("give the other payer's configuration key (payer) or its name and payer_id")
        if (self.paid is not None or self.lines) and self.adjudication_date is None:
            raise ValueError("the other payer's adjudication_date is required with its paid amounts")
        return self


class SessionRecord(Strict):
    """One therapy session as recorded: patient, date, payer, provider, diagnoses, services."""

    session_id: str = Field(min_length=1, max_length=ID_MAX)
    date_of_service: date
    payer: str = Field(min_length=1, description="key of a payer in the practice configuration")
    rendering_provider: str | RenderingProvider = Field(
        description="key of a provider in the configuration, or the provider inline"
    )
    patient: Patient
    subscriber: Subscriber | None = None
    place_of_service: str | None = Field(default=None, pattern=r"^\d{2}$")
    diagnoses: list[str] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    # Issue 12: claim data beyond the simplest claim (docs/sessions.md, "Claim details")
    referring_provider: str | ReferringProvider | None = Field(
        default=None, description="key of [referring_providers] in the configuration, or inline")
    prior_authorization: str | None = Field(default=None, min_length=1, max_length=REF02_MAX)
    referral_number: str | None = Field(default=None, min_length=1, max_length=REF02_MAX)
    initial_treatment_date: date | None = None
    onset_date: date | None = None
    service_facility: str | Facility | None = Field(
        default=None, description="key of [facilities] in the configuration, or inline")
    note: str | None = Field(default=None, min_length=1, max_length=NTE02_MAX)
    attachments: list[Attachment] = Field(default_factory=list, max_length=ATTACHMENTS_MAX)
    accident: Accident | None = None
    frequency: str | None = Field(default=None, pattern=r"^[178]$",
                                  description="1 original, 7 replacement, 8 void (CLM05-3)")
    payer_claim_number: str | None = Field(default=None, min_length=1, max_length=REF02_MAX)
    payer_sequence: str = Field(default="P", pattern=r"^[PST]$",
                                description="this payer's responsibility: P, S secondary, T tertiary")
    other_payers: list[OtherCoverage] = Field(default_factory=list, max_length=OTHER_PAYERS_MAX)
    insurance_type: str | None = Field(
        default=None, pattern=r"^[0-9A-Z]{1,3}$",
        description="2000B SBR05: Medicare secondary payer type (12, 13, 14, 15, 16, 41, 42, 43, 47)")

    @field_validator("diagnoses")
    @classmethod
    def _check_dx(cls, v: list[str]) -> list[str]:
        import re

        out = []
        for code in v:
            c = code.strip().upper()
            if not re.fullmatch(_ICD10, c):
                raise ValueError(f"diagnosis {code!r} is not an ICD-10-CM code")
            out.append(c.replace(".", ""))
        if len(set(out)) != len(out):
            raise ValueError("a diagnosis is listed twice")
        return out

    @model_validator(mode="after")
    def _hierarchy(self) -> "SessionRecord":
        if self.patient.relationship.value == "self":
            if self.subscriber is not None:
                raise ValueError("patient.relationship is 'self' but a subscriber is given")
            if not self.patient.member_id:
                raise ValueError("patient.member_id is required when the patient is the subscriber")
        elif self.subscriber is None:
            raise ValueError(f"patient.relationship is {self.patient.relationship.value!r}: give the subscriber")
        ids = [s.line_id for s in self.services if s.line_id]
        if len(set(ids)) != len(ids):  # REF*6R must tell the lines apart on the 835
            raise ValueError("two services give the same line_id")
        return self

    @property
    def insured(self) -> Person:
        """The subscriber when given, else the patient (who is then the insured)."""
        return self.subscriber or self.patient
