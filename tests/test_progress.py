"""The progress line: on a terminal only, with a total and a percentage when the total is known."""
from __future__ import annotations

import io

from claimkit.cli._progress import progress_counter


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_total_and_percentage_on_a_terminal() -> None:
    out = _Tty()
    with progress_counter("validating", total=200, stream=out) as tick:
        tick(50)
        tick(100)
    text = out.getvalue()
    assert "validating" in text and "%" in text and "/200" in text


def test_progress_counts_without_a_total() -> None:
    out = _Tty()
    with progress_counter("loading sessions", stream=out) as tick:
        tick(1234)
    text = out.getvalue()
    assert "loading sessions" in text and "%" not in text


def test_no_progress_when_not_a_terminal() -> None:
    out = io.StringIO()
    with progress_counter("validating", total=10, stream=out) as tick:
        tick(5)
    assert out.getvalue() == ""
