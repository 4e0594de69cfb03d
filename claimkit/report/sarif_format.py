"""SARIF 2.1.0 (OASIS) for code-scanning UIs: rules metadata from the catalog, one result per
finding with the file, line and a logical location (claim / line / X12 element)."""
from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.report import RULES_DOCS, message_of, values_of
from claimkit.report.lines import LineResolver

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS = RULES_DOCS


def _rule_meta(r: Any) -> dict[str, Any]:
    doc = r.doc
    return {
        "id": r.id,
        "name": r.slug,
        "shortDescription": {"text": r.summary or r.slug},
        "fullDescription": {"text": doc or r.summary or r.slug},
        "help": {"text": doc or r.summary or r.slug},
        "helpUri": f"{DOCS}#{r.id.lower()}",
        "defaultConfiguration": {"level": _LEVEL[r.severity.value]},
        "properties": {"snip_level": r.level, "scope": r.scope, "tags": [f"snip-{r.level}", r.scope]},
    }


def _logical(d: Diagnostic) -> list[dict[str, str]]:
    loc = d.location
    parts = [p for p in (loc.claim_id and f"claim {loc.claim_id}", loc.line and f"line {loc.line}",
                         loc.loop, loc.element or loc.segment_id, loc.field) if p]
    return [{"fullyQualifiedName": "/".join(str(p) for p in parts), "kind": "element"}] if parts else []


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claimkit")
    except PackageNotFoundError:
        return "0"


def _uri(path: str) -> str:
    return quote(PurePath(path).as_posix(), safe="/:")


def document(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> dict[str, Any]:
    """The SARIF 2.1.0 log as a dict: one run, the rules used, a result per finding."""
    from claimkit.rules.catalog import load_catalog

    catalog = load_catalog()
    rules = sorted(catalog.values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    lines = LineResolver()
    results = []
    for d in result.diagnostics:
        item: dict[str, Any] = {
            "ruleId": d.rule,
            "level": _LEVEL[d.severity.value],
            "message": {"text": message_of(d, show_phi=show_phi) + (f" Fix: {d.fix}" if d.fix else "")},
            "properties": {"location": d.location.to_dict(), "slug": d.slug, "snip_level": d.level},
        }
        if d.rule in index:
            item["ruleIndex"] = index[d.rule]
        vals = values_of(d, show_phi=show_phi)
        if vals:
            item["properties"]["values"] = json.loads(json.dumps(vals, default=str))
        if d.location.file:
            phys: dict[str, Any] = {"artifactLocation": {"uri": _uri(d.location.file)}}
            # Code-scanning UIs place a result by its start line; a claims JSON finding has
            # none, so it is shown at the top of its file.
            phys["region"] = {"startLine": lines.line_of(d.location) or 1}
            if d.location.row and d.location.column:  # JSON/YAML session files: the field itself
                phys["region"]["startColumn"] = d.location.column
            location: dict[str, Any] = {"physicalLocation": phys}
            logical = _logical(d)
            if logical:
                location["logicalLocations"] = logical
            item["locations"] = [location]
        results.append(item)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "claimkit", "version": _version(),
                                "informationUri": DOCS, "rules": [_rule_meta(r) for r in rules]}},
            "artifacts": [{"location": {"uri": _uri(f.path)}} for f in result.files],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The SARIF log (:func:`document`) as indented JSON text."""
    return json.dumps(document(result, show_phi=show_phi, fail_on=fail_on), indent=2) + "\n"
