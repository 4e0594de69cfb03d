"""The flat CSV session format: one row per service; rows of one session share session_id.

Each column maps to one field path of the nested session record (written down once, here).
Empty cells mean "not given". Lists (diagnoses, modifiers, service diagnoses) are separated by
spaces or semicolons.
"""
from __future__ import annotations

from typing import Any

_PERSON = ("last_name", "first_name", "middle_name", "birth_date", "sex")
_ADDRESS = ("address_line1", "address_line2", "city", "state", "zip")

_SESSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "session_id": ("session_id",),
    "date_of_service": ("date_of_service",),
    "payer": ("payer",),
    "rendering_provider": ("rendering_provider",),
    "place_of_service": ("place_of_service",),
    "diagnoses": ("diagnoses",),
    "patient_id": ("patient", "id"),
    "patient_member_id": ("patient", "member_id"),
    "patient_group_number": ("patient", "group_number"),
    "patient_relationship": ("patient", "relationship"),
    "subscriber_member_id": ("subscriber", "member_id"),
    "subscriber_group_number": ("subscriber", "group_number"),
    # claim details (docs/sessions.md, "Claim details"); the nested ones are JSON cells
    "referring_provider": ("referring_provider",),
    "prior_authorization": ("prior_authorization",),
    "referral_number": ("referral_number",),
    "initial_treatment_date": ("initial_treatment_date",),
    "onset_date": ("onset_date",),
    "service_facility": ("service_facility",),
    "note": ("note",),
    "frequency": ("frequency",),
    "payer_claim_number": ("payer_claim_number",),
    "payer_sequence": ("payer_sequence",),
    "insurance_type": ("insurance_type",),
    "accident_related_causes": ("accident", "related_causes"),
    "accident_state": ("accident", "state"),
    "accident_date": ("accident", "accident_date"),
    "attachments": ("attachments",),
    "other_payers": ("other_payers",),
}
for _who in ("patient", "subscriber"):
    for _f in _PERSON:
        _SESSION_COLUMNS[f"{_who}_{_f}"] = (_who, _f)
    for _f in _ADDRESS:
        _SESSION_COLUMNS[f"{_who}_{_f}"] = (_who, "address", _f.removeprefix("address_"))

_SERVICE_COLUMNS: dict[str, str] = {
    "service_code": "code",
    "service_minutes": "minutes",
    "service_units": "units",
    "service_modifiers": "modifiers",
    "service_diagnoses": "diagnoses",
    "service_charge": "charge",
    "service_line_id": "line_id",
}

CSV_COLUMNS: tuple[str, ...] = (*_SESSION_COLUMNS, *_SERVICE_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "session_id", "date_of_service", "payer", "rendering_provider", "diagnoses",
    "patient_id", "patient_last_name", "patient_first_name", "patient_birth_date", "patient_sex",
    "patient_address_line1", "patient_city", "patient_state", "patient_zip", "service_code",
)
_LISTS = {"diagnoses", "modifiers", "related_causes"}
_JSON = {"attachments", "other_payers"}  # lists of objects: a JSON array in one cell


def _split(value: str) -> list[str]:
    return [p for p in value.replace(";", " ").replace(",", " ").split() if p]


def row_to_parts(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split one CSV row into (session tree, service tree); empty cells are left out."""
    session: dict[str, Any] = {}
    for col, path in _SESSION_COLUMNS.items():
        v = values.get(col, "")
        if not v:
            continue
        node = session
        for key in path[:-1]:
            node = node.setdefault(key, {})
        if path[-1] in _JSON:
            node[path[-1]] = _json_cell(v)
        else:
            node[path[-1]] = _split(v) if path[-1] in _LISTS else v
    service: dict[str, Any] = {}
    for col, key in _SERVICE_COLUMNS.items():
        v = values.get(col, "")
        if not v:
            continue
        if key == "diagnoses":  # codes, or 1-based positions in the session's list
            service[key] = [int(p) if p.isdigit() else p for p in _split(v)]
        elif key in _LISTS:
            service[key] = _split(v)
        else:
            service[key] = v
    return session, service


def _json_cell(value: str) -> Any:
    """A JSON array cell; text that is not JSON is passed on for the model to reject by name."""
    import json

    try:
        return json.loads(value)
    except ValueError:
        return value


_FIELD_TO_COLUMN = {path: col for col, path in _SESSION_COLUMNS.items()}


def column_of(loc: tuple) -> str | None:
    """The CSV column a session field path comes from, e.g. ("services", 0, "minutes") ->
    "service_minutes"; None for a path no single column holds (a whole record or service)."""
    names = tuple(p for p in loc if isinstance(p, str))
    if names[:1] == ("services",):
        if len(names) < 2:
            return None
        col = next((c for c, key in _SERVICE_COLUMNS.items() if key == names[1]), None)
        return col
    for n in range(len(names), 0, -1):
        if names[:n] in _FIELD_TO_COLUMN:
            return _FIELD_TO_COLUMN[names[:n]]
    return None


def path_of_column(column: str) -> tuple[str, ...]:
    """The field path a CSV column fills, e.g. "patient_zip" -> ("patient", "address", "zip"),
    "service_minutes" -> ("services", "minutes"); () for an unknown column."""
    if column in _SESSION_COLUMNS:
        return _SESSION_COLUMNS[column]
    if column in _SERVICE_COLUMNS:
        return ("services", _SERVICE_COLUMNS[column])
    return ()
