"""Exceptions for unusable input, configuration or codesets (the CLI maps them to exit code 2).

Findings about claim *content* are never raised: they are Diagnostics (see diagnostics.py).
"""
from __future__ import annotations

from typing import Any


class ClaimkitError(Exception):
    """Base of every error claimkit raises on purpose; the message is meant for the user."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, where: str | None = None) -> None:
        self.file = file
        self.where = where
        prefix = ": ".join(p for p in (file, where) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.detail = message

    def __reduce__(self) -> tuple:
        # Pickled intact (file and where kept), e.g. from a validation worker process.
        return _rebuild, (type(self), self.detail, self.file, self.where)


def _rebuild(cls: type, message: str, file: str | None, where: str | None) -> ClaimkitError:
    return cls(message, file=file, where=where)


class InputError(ClaimkitError):
    """An input file (sessions, claims, X12, XML) cannot be used."""


class ConfigError(ClaimkitError):
    """The practice configuration cannot be used."""


class CodesetError(ClaimkitError):
    """A codeset file is missing, corrupt (hash mismatch) or malformed."""


class InputProblems(InputError):
    """Every problem found in one input file (each an InputError), reported together.

    ``str()`` gives one line per problem, so a user fixes the whole file in one round; ``more``
    counts problems past the listing limit.
    """

    def __init__(self, problems: list[InputError], *, more: int = 0) -> None:
        first = problems[0]
        super().__init__(first.detail, file=first.file, where=first.where)
        self.problems = list(problems)
        self.more = more

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"{self.file}: {self.more} more problem(s) not listed" if self.file
                         else f"{self.more} more problem(s) not listed")
        return "\n".join(lines)

    def __reduce__(self) -> tuple:
        return InputProblems, (self.problems,), {"more": self.more}

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        self.more = (state or {}).get("more", 0)
