"""The writer's names for the elements of the 837P segments it writes, in TR3 order.

The guide (claimkit.x12.guide) says what each position may hold; this module only names the
positions the writer fills, so builders read ``elements("SV1", pointers=...)`` rather than
``[None] * 6 + [...]``. Index 0 of a segment is its ID, so the element named at tuple position
``i`` is element ``i + 1`` (SV1-07 -> index 7). A test checks every name against the guide:
the position exists and the guide does not mark it Not Used where the writer uses it.
"""
from __future__ import annotations

from types import MappingProxyType

_SPEC: dict[str, tuple[str, ...]] = {
    "ISA": ("auth_qual", "auth_info", "sec_qual", "sec_info", "sender_qual", "sender_id",
            "receiver_qual", "receiver_id", "date", "time", "repetition_sep", "version",
            "control_number", "ack_requested", "usage", "component_sep"),
    "GS": ("functional_id", "sender", "receiver", "date", "time", "control_number", "agency",
           "version"),
    "ST": ("transaction_set", "control_number", "implementation"),
    "BHT": ("structure", "purpose", "reference", "date", "time", "transaction_type"),
    "NM1": ("entity", "entity_type", "last_name", "first_name", "middle_name", "unused6", "suffix",
            "id_qualifier", "id"),
    "PER": ("function", "name", "qual1", "number1", "qual2", "number2", "qual3", "number3"),
    "HL": ("id", "parent_id", "level", "child_code"),
    "PRV": ("provider_code", "ref_qualifier", "taxonomy"),
    "N3": ("line1", "line2"),
    "N4": ("city", "state", "zip", "country"),
    "REF": ("qualifier", "id"),
    "SBR": ("payer_responsibility", "relationship", "group_number", "group_name", "insurance_type",
            "unused6", "unused7", "unused8", "filing_indicator"),
    "PAT": ("relationship",),
    "DMG": ("format", "birth_date", "sex"),
    "CLM": ("claim_id", "total_charge", "unused3", "unused4", "facility", "signature",
            "assignment", "benefits", "release", "patient_signature", "related_causes"),
    "HI": ("dx1", "dx2", "dx3", "dx4", "dx5", "dx6", "dx7", "dx8", "dx9", "dx10", "dx11", "dx12"),
    "LX": ("number",),
    "SV1": ("procedure", "charge", "unit_basis", "units", "place_of_service", "unused6",
            "pointers"),
    "DTP": ("qualifier", "format", "date"),
    "LIN": ("unused1", "product_qualifier", "product_id"),
    "CTP": ("unused1", "unused2", "unused3", "quantity", "unit"),
    # issue 12: notes, attachments, other payers (2320/2330) and line adjudication (2430)
    "NTE": ("reference_code", "description"),
    "PWK": ("report_type", "transmission", "unused3", "unused4", "id_qualifier", "id"),
    "AMT": ("qualifier", "amount"),
    "CAS": ("group", "reason1", "amount1", "quantity1", "reason2", "amount2", "quantity2",
            "reason3", "amount3", "quantity3", "reason4", "amount4", "quantity4",
            "reason5", "amount5", "quantity5", "reason6", "amount6", "quantity6"),
    "OI": ("unused1", "unused2", "benefits_assignment", "signature_source", "unused5", "release"),
    "SVD": ("payer_id", "paid", "procedure", "unused4", "units"),
    "SE": ("segment_count", "control_number"),
    "GE": ("transaction_count", "control_number"),
    "IEA": ("group_count", "control_number"),
}

#: segment ID -> element name -> 1-based element position
POSITIONS = MappingProxyType(
    {sid: MappingProxyType({n: i + 1 for i, n in enumerate(names)}) for sid, names in _SPEC.items()}
)

#: Patient-to-subscriber relationship codes (SBR02 = 18 self; PAT01 for 2000C).
RELATIONSHIP_CODES = MappingProxyType({"self": "18", "spouse": "01", "child": "19", "other": "G8"})
RELATIONSHIP_FROM_CODE = MappingProxyType({v: k for k, v in RELATIONSHIP_CODES.items()})


def position(segment_id: str, name: str) -> int:
    """1-based element position, e.g. ``position("SV1", "pointers") == 7``."""
    return POSITIONS[segment_id][name]


def element_label(segment_id: str, name: str) -> str:
    """The TR3 reference of an element, e.g. ``"SV1-07"``."""
    return f"{segment_id}-{position(segment_id, name):02d}"


def elements(segment_id: str, **values: object) -> list[object]:
    """Order keyword values by the spec: ``elements("LX", number=1) == [1]``.

    Unknown names raise KeyError: a programming error, never a data error.
    """
    spec = POSITIONS[segment_id]
    out: list[object] = [None] * len(spec)
    for name, value in values.items():
        out[spec[name] - 1] = value
    return out
