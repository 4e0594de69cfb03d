"""GitHub Actions workflow commands: ``::error file=F,line=N,title=T::message``.

``line`` is the file line of the X12 segment or of the session field (``col`` its column, for
JSON and YAML session files); GitHub shows the annotation on that line of the pull request diff.
"""
from __future__ import annotations

from typing import Any

from claimkit.diagnostics import Severity
from claimkit.report import message_of
from claimkit.report.lines import LineResolver

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    # Workflow command escaping (actions/toolkit, command.ts: escapeData / escapeProperty).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The findings as GitHub Actions workflow commands (``::error file=...,line=...``)."""
    lines = LineResolver()
    out = []
    for d in result.diagnostics:
        props = []
        if d.location.file:
            props.append(f"file={_prop(d.location.file)}")
            line = lines.line_of(d.location)
            if line:
                props.append(f"line={line}")
                if d.location.row and d.location.column:  # session files (JSON/YAML) only
                    props.append(f"col={d.location.column}")
        props.append(f"title={_prop(f'{d.rule} {d.slug}')}")
        where = d.location.describe()
        msg = message_of(d, show_phi=show_phi)
        if where:
            msg = f"{where}: {msg}"
        if d.fix:
            msg += f" (fix: {d.fix})"
        out.append(f"::{_COMMAND[d.severity.value]} {','.join(props)}::{_data(msg)}")
    return "".join(line + "\n" for line in out)
