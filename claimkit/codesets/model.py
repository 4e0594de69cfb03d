"""Value types returned by the codeset registry (plain frozen dataclasses, no I/O)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

SYSTEMS = ("icd10cm", "procedure", "hcpcs", "cpt", "modifier", "pos", "taxonomy", "ncci-ptp", "mue")


class Status(str, Enum):
    """What a code is on one date of service."""

    BILLABLE = "billable"
    HEADER = "header"
    NOT_YET_VALID = "not-yet-valid"
    TERMINATED = "terminated"
    UNKNOWN = "unknown"
    NO_RELEASE = "no-release"


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Release:
    """One installed release of one code system, bundled or imported into the user store."""

    name: str
    system: str
    effective_from: date | None
    effective_to: date | None
    source: str
    origin: str  # 'bundled' | 'user'
    sha256: str
    path: Path = field(compare=False)
    license: str = ""
    notes: str = ""
    # The newest release of a system whose codes stay valid until a release deletes them (CPT,
    # HCPCS, modifiers, POS, taxonomy) or whose edits stay in force until replaced (NCCI, MUE)
    # also answers for dates after its end, flagged stale. ICD-10-CM is replaced every October 1,
    # so its releases never carry forward.
    carry_forward: bool = False

    def covers(self, on: date) -> bool:
        """Whether the release's effective range includes date ON (open ends count as covering)."""
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )

    def as_dict(self) -> dict[str, str | bool | None]:
        """The release as JSON-ready data, as ``codeset list --format json`` prints it."""
        return {
            "name": self.name,
            "system": self.system,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
            "origin": self.origin,
            "sha256": self.sha256,
            "license": self.license,
            "notes": self.notes,
            "carry_forward": self.carry_forward,
        }


@dataclass(frozen=True)
class Lookup:
    """The answer to "what is CODE in SYSTEM on date ON?"."""

    system: str
    code: str  # normalized: upper case, ICD-10-CM without the dot
    on: date
    status: Status
    release: str | None
    label: str | None = None
    replacements: tuple[str, ...] = ()
    attrs: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    # True when the answering release ended before ON and answered as the newest installed one
    # (carried forward): the code had no known end date then; a newer release may say otherwise.
    stale: bool = False

    @property
    def valid(self) -> bool:
        """True when the code may go on a claim on that date."""
        return self.status is Status.BILLABLE

    def as_dict(self) -> dict[str, object]:
        """The lookup as JSON-ready data, as ``codeset show --format json`` prints it."""
        return {
            "system": self.system,
            "code": self.code,
            "on": self.on.isoformat(),
            "status": self.status.value,
            "release": self.release,
            "label": self.label,
            "replacements": list(self.replacements),
            "attrs": dict(self.attrs),
            "stale": self.stale,
        }


@dataclass(frozen=True)
class PtpEdit:
    """One NCCI procedure-to-procedure edit (column-2 code is denied with the column-1 code)."""

    column1: str
    column2: str
    modifier_indicator: str  # '0' never bypassable, '1' bypassable with 59/X{EPSU}, '9' not applicable
    effective: date | None
    deletion: date | None
    release: str
    rationale: str = ""
    stale: bool = False  # answered by a release that ended before the date asked (carried forward)

    def as_dict(self) -> dict[str, object]:
        """The PTP edit pair as JSON-ready data."""
        return {
            "column1": self.column1,
            "column2": self.column2,
            "modifier_indicator": self.modifier_indicator,
            "effective": self.effective.isoformat() if self.effective else None,
            "deletion": self.deletion.isoformat() if self.deletion else None,
            "release": self.release,
            "rationale": self.rationale,
            "stale": self.stale,
        }


@dataclass(frozen=True)
class Mue:
    """A medically-unlikely-edit limit: most units of CODE per line or per date."""

    code: str
    value: int
    adjudication_indicator: int  # 1 per line, 2 per date (policy), 3 per date (clinical)
    rationale: str
    release: str
    stale: bool = False

    def as_dict(self) -> dict[str, object]:
        """The MUE as JSON-ready data."""
        return {
            "code": self.code,
            "value": self.value,
            "adjudication_indicator": self.adjudication_indicator,
            "rationale": self.rationale,
            "release": self.release,
            "stale": self.stale,
        }


@dataclass(frozen=True)
class Diff:
    """Changes from release OLD to release NEW of one system (billable codes for ICD-10-CM)."""

    system: str
    old: str
    new: str
    added: tuple[str, ...]
    deleted: tuple[str, ...]
    revised: tuple[str, ...]
    billability_changed: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The diff as JSON-ready data: the two releases, counts and the changed codes."""
        return {
            "system": self.system,
            "old": self.old,
            "new": self.new,
            "counts": {
                "added": len(self.added),
                "deleted": len(self.deleted),
                "revised": len(self.revised),
                "billability_changed": len(self.billability_changed),
            },
            "added": list(self.added),
            "deleted": list(self.deleted),
            "revised": list(self.revised),
            "billability_changed": list(self.billability_changed),
        }


def therapy_list(found: Lookup) -> str:
    """'always', 'sometimes' or '' from the procedure codeset's ``therapy`` column (CMS therapy
    code list, Pub. 100-04 ch. 5 sec. 20): whether a code is always a therapy service, or one when
    a therapist furnishes it under a plan of care."""
    value = str((found.attrs or {}).get("therapy", "")).lower()
    return value if value in ("always", "sometimes") else ""


def always_therapy(found: Lookup) -> bool:
    """True when the procedure codeset marks the code "always therapy": such a code needs GP, GO
    or GN on every claim (Pub. 100-04 ch. 5 sec. 20.1)."""
    return therapy_list(found) == "always"
