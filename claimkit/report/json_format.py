"""JSON report: ``{"findings": [...], "summary": {...}}``; each finding has at least rule,
severity, message, file and location (see Diagnostic.to_dict)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from claimkit.diagnostics import Severity
from claimkit.report import failing, message_of, values_of


def document(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> dict[str, Any]:
    """The JSON report as a dict: per-file summaries and every finding with its location."""
    findings = []
    for d in result.diagnostics:
        item = d.to_dict()
        item["message"] = message_of(d, show_phi=show_phi)
        vals = values_of(d, show_phi=show_phi)
        if vals:
            item["values"] = vals
        else:
            item.pop("values", None)
        findings.append(item)
    counts = result.counts()
    return {
        "findings": findings,
        "summary": {
            # "read": false for a file that could not be used (its CK-I0xx finding says why)
            "files": [{"file": f.path, "kind": f.kind, "claims": f.claims,
                       "read": getattr(f, "error", None) is None} for f in result.files],
            "claims": result.claim_count,
            "findings": len(findings),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "by_rule": dict(sorted(Counter(d.rule for d in result.diagnostics).items())),
            "fail_on": fail_on.value,
            "failed": any(failing(d, fail_on) for d in result.diagnostics),
        },
    }


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The JSON report (:func:`document`) as indented text."""
    return json.dumps(document(result, show_phi=show_phi, fail_on=fail_on), indent=2, default=str) + "\n"
