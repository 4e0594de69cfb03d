"""The claimkit claims XML layout, written down once: element names and their order.

Both the writer and the reader walk these tables, so the document order never depends on the
order in which the pydantic models declare their fields (see docs/design.md, "explicit element
order"). The XSD in ``schema/`` states the same order; a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

NAMESPACE = "urn:claimkit:claims:1.0"
SCHEMA_VERSION = "1.0"
SCHEMA_FILE = "claimkit-claims-1.0.xsd"


@dataclass(frozen=True)
class Text:
    """A scalar field written as an element's text."""


@dataclass(frozen=True)
class Nested:
    """A sub-model written as a child element with its own layout."""

    layout: str


@dataclass(frozen=True)
class Repeated:
    """A list written as a wrapper element holding one ``item`` element per entry.

    ``always``: the wrapper is written even for an empty list (the XSD requires it).
    ``nullable``: the field may be None (wrapper absent) as distinct from an empty list
    (empty wrapper); otherwise an absent wrapper reads as an empty list.
    """

    item: str
    of: Union[Text, Nested] = Text()
    always: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Computed:
    """A read-only model property written for the reader's convenience and ignored on import."""


@dataclass(frozen=True)
class Keyed:
    """A str -> scalar mapping written as ``<item key="k">v</item>`` entries, sorted by key.

    ``nullable``: None (wrapper absent) differs from an empty mapping (empty wrapper).
    """

    item: str
    key: str
    nullable: bool = False


Kind = Union[Text, Nested, Repeated, Keyed, Computed]
T = Text()

#: layout name -> ((element name, model attribute, kind), ...) in document order
LAYOUTS: dict[str, tuple[tuple[str, str, Kind], ...]] = {
    "batch": (
        ("submitter", "submitter", Nested("party837")),
        ("receiver", "receiver", Nested("party837")),
        ("envelope", "envelope", Nested("envelope")),
        ("claims", "claims", Repeated("claim", Nested("claim"), always=True)),
    ),
    "party837": (
        ("name", "name", T),
        ("id", "id", T),
        ("contactName", "contact_name", T),
        ("phone", "phone", T),
        ("phoneExtension", "phone_extension", T),
        ("email", "email", T),
    ),
    "envelope": (
        ("senderQualifier", "sender_qualifier", T),
        ("senderId", "sender_id", T),
        ("receiverQualifier", "receiver_qualifier", T),
        ("receiverId", "receiver_id", T),
        ("usageIndicator", "usage_indicator", T),
        ("gsSender", "gs_sender", T),
        ("gsReceiver", "gs_receiver", T),
        ("ackRequested", "ack_requested", T),
    ),
    "claim": (
        ("claimId", "claim_id", T),
        ("sessionIds", "session_ids", Repeated("sessionId")),
        ("split", "split", T),
        ("payer", "payer", Nested("payer")),
        ("billingProvider", "billing_provider", Nested("provider")),
        ("renderingProvider", "rendering_provider", Nested("provider")),
        ("subscriber", "subscriber", Nested("party")),
        ("patient", "patient", Nested("party")),
        ("relationship", "relationship", T),
        ("placeOfService", "place_of_service", T),
        ("frequencyCode", "frequency_code", T),
        ("totalCharge", "total_charge", Computed()),  # sum of the lines (CLM02 as written)
        ("statedTotal", "stated_total", T),  # only present when a parsed CLM02 differs
        ("diagnoses", "diagnoses", Repeated("diagnosis", always=True)),
        # HI qualifier per diagnosis as sent (ABK/ABF, BK/BF): parsed 837P files only
        ("diagnosisQualifiers", "diagnosis_qualifiers", Repeated("qualifier", nullable=True)),
        ("lines", "lines", Repeated("line", Nested("line"), always=True)),
        ("codesetReleases", "codeset_releases", Keyed("release", "system")),
        # the day's documented timed minutes per code (unit audit; not sent in X12)
        ("documentedMinutes", "documented_minutes", Keyed("minutes", "code", nullable=True)),
        # parsed 837P only: every segment the claim was read from, as sent (lossless export)
        ("original", "original", Nested("original")),
        # claim details (issue 12): 2310A, REF*G1/9F, DTP*454/431, 2310C, NTE, PWK, CLM11 +
        # DTP*439, REF*F8, 2000B SBR01, 2320/2330
        ("referringProvider", "referring_provider", Nested("provider")),
        ("priorAuthorization", "prior_authorization", T),
        ("referralNumber", "referral_number", T),
        ("initialTreatmentDate", "initial_treatment_date", T),
        ("onsetDate", "onset_date", T),
        ("serviceFacility", "service_facility", Nested("facility")),
        ("note", "note", T),
        ("attachments", "attachments", Repeated("attachment", Nested("attachment"))),
        ("accident", "accident", Nested("accident")),
        ("payerClaimNumber", "payer_claim_number", T),
        ("payerResponsibility", "payer_responsibility", T),
        ("otherPayers", "other_payers", Repeated("otherPayer", Nested("otherPayer"))),
        ("insuranceType", "insurance_type", T),  # 2000B SBR05 (Medicare secondary payer type)
    ),
    "facility": (
        ("name", "name", T),
        ("npi", "npi", T),
        ("address", "address", Nested("address")),
    ),
    "attachment": (
        ("reportType", "report_type", T),
        ("transmission", "transmission", T),
        ("controlNumber", "control_number", T),
    ),
    "accident": (
        ("relatedCauses", "related_causes", Repeated("cause", always=True)),
        ("state", "state", T),
        ("accidentDate", "accident_date", T),
    ),
    "adjustment": (
        ("group", "group", T),
        ("reason", "reason", T),
        ("amount", "amount", T),
        ("quantity", "quantity", T),
    ),
    "otherSubscriber": (
        ("lastName", "last_name", T),
        ("firstName", "first_name", T),
        ("memberId", "member_id", T),
    ),
    "otherPayer": (
        ("responsibility", "responsibility", T),
        ("name", "name", T),
        ("payerId", "payer_id", T),
        ("filingIndicator", "filing_indicator", T),
        ("relationship", "relationship", T),
        ("groupNumber", "group_number", T),
        ("insuranceType", "insurance_type", T),
        ("subscriber", "subscriber", Nested("otherSubscriber")),
        ("paid", "paid", T),
        ("adjustments", "adjustments", Repeated("adjustment", Nested("adjustment"))),
        ("patientResponsibility", "patient_responsibility", T),
        ("adjudicationDate", "adjudication_date", T),
    ),
    "lineAdjudication": (
        ("payerId", "payer_id", T),
        ("paid", "paid", T),
        ("units", "units", T),
        ("adjustments", "adjustments", Repeated("adjustment", Nested("adjustment"))),
        ("adjudicationDate", "adjudication_date", T),
    ),
    "original": (
        ("separators", "separators", T),
        ("segments", "segments", Repeated("segment", Nested("segment"))),
    ),
    "segment": (
        ("loop", "loop", T),
        ("text", "text", T),
    ),
    "payer": (
        ("key", "key", T),
        ("name", "name", T),
        ("payerId", "payer_id", T),
        ("filingIndicator", "filing_indicator", T),
        ("unitRule", "unit_rule", T),
    ),
    "provider": (
        ("npi", "npi", T),
        ("lastName", "last_name", T),
        ("firstName", "first_name", T),
        ("isOrganization", "is_organization", T),
        ("taxonomy", "taxonomy", T),
        ("ein", "ein", T),
        ("address", "address", Nested("address")),
        ("phone", "phone", T),
        ("phoneExtension", "phone_extension", T),
    ),
    "party": (
        ("lastName", "last_name", T),
        ("firstName", "first_name", T),
        ("middleName", "middle_name", T),
        ("birthDate", "birth_date", T),
        ("sex", "sex", T),
        ("address", "address", Nested("address")),
        ("memberId", "member_id", T),
        ("groupNumber", "group_number", T),
    ),
    "address": (
        ("line1", "line1", T),
        ("line2", "line2", T),
        ("city", "city", T),
        ("state", "state", T),
        ("zip", "zip", T),
    ),
    "line": (
        ("number", "number", T),
        ("code", "code", T),
        ("modifiers", "modifiers", Repeated("modifier")),
        ("description", "description", T),  # SV101-7 (unlisted/NOC procedure codes)
        ("charge", "charge", T),
        ("units", "units", T),
        ("pointers", "pointers", Repeated("pointer")),
        ("dateOfService", "date_of_service", T),
        ("placeOfService", "place_of_service", T),
        # 2410 LIN03 national drug code, CTP04 quantity, CTP05-1 unit
        ("ndc", "ndc", T),
        ("ndcQuantity", "ndc_quantity", T),
        ("ndcUnit", "ndc_unit", T),
        ("minutes", "minutes", T),
        ("controlNumber", "control_number", T),  # 2400 REF*6R line item control number
        ("adjudications", "adjudications", Repeated("adjudication", Nested("lineAdjudication"))),
    ),
}
