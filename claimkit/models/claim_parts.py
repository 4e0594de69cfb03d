"""Claim parts beyond the simplest claim: facility, attachments, accident, other payers (COB).

Each part maps to one 837P construct (005010X222A1) and is shared by the session records (what a
billing specialist enters) and the claim model (what the writers write):

- :class:`Facility`: 2310C service facility location (NM1*77, N3, N4).
- :class:`Attachment`: 2300 PWK (report type, transmission code, attachment control number).
- :class:`Accident`: CLM11 related causes (AA auto, EM employment, OA other), CLM11-4 state,
  2300 DTP*439 accident date.
- :class:`Adjustment`: one CAS adjustment (group, reason, amount, quantity).
- :class:`OtherPayer`: 2320 (SBR, CAS, AMT*D, AMT*EAF, OI), 2330A (NM1*IL) and 2330B (NM1*PR,
  DTP*573) for a payer that is not the claim's payer (e.g. the primary on a secondary claim).
- :class:`LineAdjudication`: 2430 (SVD, CAS, DTP*573) - one other payer's decision on one line.

Code values (CAS group/reason, PWK report types) are checked against the guide and codesets by
the validator, not here: these models only state formats.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field, model_validator

from claimkit.models.common import Address, Strict
from claimkit.models.x12_limits import NM103_MAX, NM104_MAX, NM109_MAX, PWK06_MAX, SBR03_MAX

RELATED_CAUSES_MAX = 2  # CLM11-1 and CLM11-2 (the TR3 marks CLM11-3 Not Used)

_CODE2 = r"^[0-9A-Z]{1,2}$"


class Facility(Strict):
    """Where the service was furnished when that is not the billing provider's address
    (TR3 2310C: required when the location differs, e.g. POS 12 home visits)."""

    name: str = Field(min_length=1, max_length=NM103_MAX)
    npi: str | None = Field(default=None, pattern=r"^\d{10}$")
    address: Address


class Attachment(Strict):
    """A supporting document sent apart from the claim (2300 PWK)."""

    report_type: str = Field(pattern=_CODE2, description="PWK01, e.g. OZ support data, PN progress notes")
    transmission: str = Field(default="FX", pattern=_CODE2,
                              description="PWK02: BM mail, EL electronic, FX fax, FT file transfer ...")
    control_number: str | None = Field(default=None, min_length=2, max_length=PWK06_MAX,
                                       description="PWK06 attachment control number (PWK05 AC)")

    @model_validator(mode="after")
    def _control_when_sent(self) -> "Attachment":
        # TR3 2300 PWK05/06: required when PWK02 is not AA (available on request)
        if self.transmission != "AA" and not self.control_number:
            raise ValueError(f"attachment sent by {self.transmission}: give its control_number")
        return self


class Accident(Strict):
    """Related causes of the condition (CLM11) and the accident date (DTP*439)."""

    related_causes: list[str] = Field(min_length=1, max_length=RELATED_CAUSES_MAX,
                                      description="AA auto accident, EM employment, OA other accident")
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$",
                              description="CLM11-4: the state of an auto accident")
    accident_date: date | None = None

    @model_validator(mode="after")
    def _auto_state(self) -> "Accident":
        # TR3 2300 CLM11-4: required when CLM11-1 or -2 is AA
        if "AA" in self.related_causes and not self.state:
            raise ValueError("an auto accident (AA) needs the state where it happened")
        # TR3 2300 DTP*439: required when CLM11-1 or CLM11-2 is AA or OA
        if {"AA", "OA"} & set(self.related_causes) and self.accident_date is None:
            raise ValueError("an accident (AA or OA) needs its accident_date")
        return self


class Adjustment(Strict):
    """One claim adjustment (CAS): group code, reason code, amount, optional quantity."""

    group: str = Field(pattern=r"^[A-Z]{2}$", description="CO, PR, OA, PI or CR")
    reason: str = Field(pattern=r"^[0-9A-Z]{1,5}$", description="claim adjustment reason code")
    amount: Decimal
    quantity: Decimal | None = None


class OtherSubscriber(Strict):
    """The subscriber of the other payer's coverage (2330A NM1*IL)."""

    last_name: str = Field(min_length=1, max_length=NM103_MAX)
    first_name: str | None = Field(default=None, max_length=NM104_MAX)
    member_id: str = Field(min_length=2, max_length=NM109_MAX)


class OtherPayer(Strict):
    """A payer other than the claim's payer, and what it did with the claim (2320/2330)."""

    responsibility: str = Field(pattern=r"^[PSTABCDEFGH]$",
                                description="SBR01 of that payer: P primary, S secondary, T tertiary")
    name: str = Field(min_length=1, max_length=NM103_MAX)
    payer_id: str = Field(min_length=2, max_length=NM109_MAX)
    filing_indicator: str = Field(default="CI", pattern=r"^[0-9A-Z]{1,2}$")
    relationship: str = Field(default="18", pattern=r"^[0-9A-Z]{2}$",
                              description="SBR02: the patient's relationship to that subscriber (18 self)")
    group_number: str | None = Field(default=None, max_length=SBR03_MAX)
    insurance_type: str | None = Field(default=None, pattern=r"^[0-9A-Z]{1,3}$",
                                       description="SBR05 (e.g. MB when Medicare is the secondary's primary)")
    subscriber: OtherSubscriber
    paid: Decimal | None = Field(default=None, description="AMT*D: what this payer paid")
    adjustments: list[Adjustment] = Field(default_factory=list, description="claim-level CAS")
    patient_responsibility: Decimal | None = Field(default=None, description="AMT*EAF (optional)")
    adjudication_date: date | None = None

    @property
    def adjudicated(self) -> bool:
        """Whether this payer has decided the claim (it states a paid amount, AMT*D)."""
        return self.paid is not None


class LineAdjudication(Strict):
    """One other payer's decision on a service line (2430 SVD, CAS, DTP*573)."""

    payer_id: str = Field(min_length=2, max_length=NM109_MAX, description="the OtherPayer it belongs to")
    paid: Decimal
    units: int | None = Field(default=None, ge=0, description="SVD05 paid units (default: billed)")
    adjustments: list[Adjustment] = Field(default_factory=list)
    adjudication_date: date
