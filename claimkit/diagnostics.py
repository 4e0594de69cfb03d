"""Findings as data: Diagnostic, Location, Severity and the Report that collects them.

Rules and the builder *yield* Diagnostics; nothing here raises or prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Iterable, Iterator


class Severity(str, Enum):
    """How bad a finding is; ``fail_on`` and ``--fail-on`` compare severities by rank."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Order of severities for comparisons: info 0, warning 1, error 2."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is. Every field optional; ``file`` is set for every finding with an input."""

    file: str | None = None
    row: int | None = None  # 1-based line of a session file (CSV: physical line incl. header)
    field: str | None = None  # dotted field path, e.g. "services[1].minutes"
    claim_id: str | None = None  # patient control number (CLM01)
    line: int | None = None  # 1-based service line number (LX)
    segment_index: int | None = None  # 1-based position of the segment in the X12 file
    segment_id: str | None = None
    loop: str | None = None  # e.g. "2400"
    element: str | None = None  # e.g. "SV1-07"
    column: int | None = None  # 1-based column on line ``row`` (JSON/YAML session files)

    def to_dict(self) -> dict[str, Any]:
        """The location's set fields only, as JSON-ready data."""
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    def describe(self) -> str:
        """Short human form: ``file:row field`` / ``claim X line 2`` / ``segment 27 (SV1) 2400 SV1-07``."""
        parts: list[str] = []
        if self.file:
            col = f":{self.column}" if self.row and self.column else ""
            parts.append(self.file + (f":{self.row}{col}" if self.row else ""))
        elif self.row:
            parts.append(f"row {self.row}")
        if self.segment_index:
            seg = f"segment {self.segment_index}"
            if self.segment_id:
                seg += f" ({self.segment_id})"
            parts.append(seg)
        if self.loop or self.element:
            parts.append(" ".join(p for p in (self.loop, self.element) if p))
        if self.claim_id:
            parts.append(f"claim {self.claim_id}")
        if self.line:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: which rule, how bad, where, what (with the concrete values) and how to fix it."""

    rule: str  # stable ID, e.g. "CK-D003"
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    slug: str = ""
    fix: str | None = None
    level: int | None = None  # WEDI SNIP type 1-7
    values: tuple[tuple[str, Any], ...] = ()

    def with_location(self, **changes: Any) -> "Diagnostic":
        """A copy of the finding with some of its location's fields replaced."""
        return replace(self, location=replace(self.location, **changes))

    def to_dict(self, *, file: str | None = None) -> dict[str, Any]:
        """The finding as JSON-ready data (the JSON report's shape); FILE fills in a missing location file."""
        loc = self.location.to_dict()
        out: dict[str, Any] = {
            "rule": self.rule,
            "slug": self.slug,
            "severity": self.severity.value,
            "level": self.level,
            "message": self.message,
            "file": loc.get("file", file),
            "location": loc,
        }
        if self.fix:
            out["fix"] = self.fix
        if self.values:
            out["values"] = dict(self.values)
        return out


@dataclass
class Report:
    """All findings of one run, in the order found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def extend(self, items: Iterable[Diagnostic]) -> None:
        """Add findings in the order given."""
        self.diagnostics.extend(items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.diagnostics)

    def __len__(self) -> int:
        return len(self.diagnostics)

    def at_least(self, severity: Severity) -> list[Diagnostic]:
        """The findings of severity SEVERITY or worse."""
        return [d for d in self.diagnostics if d.severity.rank >= severity.rank]

    def counts(self) -> dict[str, int]:
        """How many findings there are of each severity (every severity present, zero included)."""
        out = {s.value: 0 for s in Severity}
        for d in self.diagnostics:
            out[d.severity.value] += 1
        return out
