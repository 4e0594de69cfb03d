"""Findings on stderr at the chosen verbosity (build's report; validate's with --ack)."""
from __future__ import annotations

from . import _common as c


class _Shown:
    """A validation result with only some findings listed; counts and files stay whole."""

    def __init__(self, result, keep) -> None:
        self._result = result
        self.diagnostics = [d for d in result.diagnostics if keep(d)]

    def __getattr__(self, name: str):
        return getattr(self._result, name)


def report_findings(result, render, *, show_phi: bool) -> None:
    """Findings on stderr: --quiet errors only; default errors and warnings, info findings
    counted per rule (a large batch has one per claim); --verbose every finding."""
    if c.is_verbose():
        c.err(render(result, show_phi=show_phi).rstrip("\n"))
        return
    levels = ("error",) if c.is_quiet() else ("error", "warning")
    shown = _Shown(result, lambda d: d.severity.value in levels)
    lines = render(shown, show_phi=show_phi).rstrip("\n").split("\n")
    if c.is_quiet():
        lines = lines[:-1]  # the last line is the summary of counts
    else:
        infos: dict[str, int] = {}
        for d in result.diagnostics:
            if d.severity.value == "info":
                infos[d.rule] = infos.get(d.rule, 0) + 1
        if infos:
            lines.insert(-1, f"{sum(infos.values())} info finding(s) not listed ("
                         + ", ".join(f"{rule} x{n}" for rule, n in sorted(infos.items()))
                         + "); --verbose lists them")
    if lines:
        c.err("\n".join(lines))
