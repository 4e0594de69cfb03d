"""Findings at the chosen verbosity: the text report and the findings build/validate --ack show
on stderr. Default: errors and warnings one per line, info findings counted per rule (a large
batch has one per claim); --verbose: every finding; --quiet (stderr only): errors."""
from __future__ import annotations

from typing import Any, Callable

from . import _common as c


class _Shown:
    """A validation result with only some findings listed; counts and files stay whole."""

    def __init__(self, result: Any, keep: Callable[[Any], bool]) -> None:
        self._result = result
        self.diagnostics = [d for d in result.diagnostics if keep(d)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._result, name)


def info_note(result: Any) -> str | None:
    """One line counting the info findings by rule, or None without any."""
    infos: dict[str, int] = {}
    for d in result.diagnostics:
        if d.severity.value == "info":
            infos[d.rule] = infos.get(d.rule, 0) + 1
    if not infos:
        return None
    return (f"{sum(infos.values())} info finding(s) not listed ("
            + ", ".join(f"{rule} x{n}" for rule, n in sorted(infos.items())) + "); --verbose lists them")


def text_report(result: Any, render: Callable[..., str], *, show_phi: bool, **kw: Any) -> str:
    """The text report: info findings summarised unless --verbose (the summary line stays last)."""
    if c.is_verbose():
        return render(result, show_phi=show_phi, **kw)
    lines = render(_Shown(result, lambda d: d.severity.value != "info"), show_phi=show_phi,
                   **kw).rstrip("\n").split("\n")
    note = info_note(result)
    if note:
        lines.insert(-1, note)
    return "\n".join(lines) + "\n"


def report_findings(result: Any, render: Callable[..., str], *, show_phi: bool) -> None:
    """Findings on stderr: --quiet errors only (no summary), else as :func:`text_report`."""
    if not c.is_quiet():
        c.err(text_report(result, render, show_phi=show_phi).rstrip("\n"))
        return
    lines = render(_Shown(result, lambda d: d.severity.value == "error"),
                   show_phi=show_phi).rstrip("\n").split("\n")[:-1]  # the last line: counts
    if lines:
        c.err("\n".join(lines))
