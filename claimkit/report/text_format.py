"""Plain-text report: one finding per line (location, severity, rule, message), fix hint below."""
from __future__ import annotations

from typing import Any

from claimkit.diagnostics import Severity
from claimkit.report import message_of


def render(result: Any, *, show_phi: bool = False, fail_on: Severity = Severity.ERROR) -> str:
    """The findings as plain text, one per line with its fix hint, then the counts."""
    out: list[str] = []
    for d in result.diagnostics:
        where = d.location.describe() or "(input)"
        out.append(f"{where}: {d.severity.value} {d.rule} [{d.slug}] {message_of(d, show_phi=show_phi)}")
        if d.fix:
            out.append(f"    fix: {d.fix}")
    c = result.counts()
    unread = sum(1 for f in result.files if getattr(f, "error", None))
    out.append(
        f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} info in "
        f"{len(result.files)} file(s)" + (f" ({unread} could not be read)" if unread else "")
        + f", {result.claim_count} claim(s) checked"
    )
    return "\n".join(out) + "\n"
