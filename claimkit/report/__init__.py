"""Report formats for validation results: text, json, junit, sarif, github (one module each).

Every renderer is ``render(result, *, show_phi=False, fail_on=Severity.ERROR) -> str`` where
``result`` is a :class:`claimkit.validation.ValidationResult`. PHI (names, birth dates, member IDs)
never reaches a report unless ``show_phi``: rule messages are written without it, and values
whose key is a PHI key are dropped (or, with ``show_phi``, appended to the message).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from claimkit.diagnostics import Diagnostic, Severity

FORMATS = ("text", "json", "junit", "sarif", "github", "html")

# Where each rule is documented (docs/rules.md has a "## CK-XXXX" section per rule).
RULES_DOCS = "https://github.com/claimkit/claimkit/blob/main/docs/rules.md"

# Keys of Hit values that carry protected health information.
PHI_KEYS = frozenset({
    "birth_date", "name", "last_name", "first_name", "middle_name", "member_id", "group_number",
    "address", "patient_name", "subscriber_name",
})


def renderer(fmt: str) -> Callable[..., str]:
    """The ``render`` function of format FMT (ValueError for an unknown format)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"claimkit.report.{fmt}_format")
    return module.render


def values_of(d: Diagnostic, *, show_phi: bool) -> dict[str, Any]:
    """A finding's values, without PHI unless asked."""
    return {k: v for k, v in d.values if show_phi or k not in PHI_KEYS}


def message_of(d: Diagnostic, *, show_phi: bool) -> str:
    """The finding's message; with ``show_phi`` the PHI values are appended in brackets."""
    if not show_phi:
        return d.message
    phi = [f"{k}={v}" for k, v in d.values if k in PHI_KEYS]
    return d.message + (f" [{', '.join(phi)}]" if phi else "")


def failing(d: Diagnostic, fail_on: Severity) -> bool:
    """Whether a finding is at or above the ``--fail-on`` severity (it makes the run exit 1)."""
    return d.severity.rank >= fail_on.rank
