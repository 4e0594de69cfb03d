"""The main job, as one library call: session files -> built claims -> checked -> 837P/JSON.

The CLI's `build` command is a thin wrapper over :func:`build_files`; tests and other tools
call it directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from claimkit.build import BuildResult, build_claims
from claimkit.config import Practice
from claimkit.diagnostics import Diagnostic, Severity
from claimkit.loaders import SessionOrigin, load_sessions
from claimkit.models.claim import Claim, ClaimBatch
from claimkit.models.session import SessionRecord


@dataclass
class BuildOutcome:
    result: BuildResult
    batch: ClaimBatch
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def blocking(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def origin_of(self, claim_id: str | None):
        """The session file location a built claim came from (None if unknown)."""
        for claim, origin in zip(self.result.claims, self.result.origins):
            if claim.claim_id == claim_id:
                return origin.locate(None, None)
        return None

    def claims_with_errors(self) -> set[str]:
        return {d.location.claim_id for d in self.blocking() if d.location.claim_id}


def load_all(paths: Sequence[str | Path], progress: Callable[[int], None] | None = None
             ) -> list[tuple[SessionRecord, SessionOrigin]]:
    sessions: list[tuple[SessionRecord, SessionOrigin]] = []
    for p in paths:
        sessions.extend(load_sessions(p))
        if progress:
            progress(len(sessions))
    return sessions


def make_batch(practice: Practice, claims: Iterable[Claim]) -> ClaimBatch:
    return ClaimBatch(submitter=practice.submitter, receiver=practice.receiver,
                      envelope=practice.envelope, claims=list(claims))


def build_sessions(sessions: Sequence[tuple[SessionRecord, SessionOrigin]], practice: Practice,
                   registry: Any, *, check: Callable[[BuildResult], list[Diagnostic]] | None = None
                   ) -> BuildOutcome:
    """Build claims and run ``check`` (the validator's claim rules) over them."""
    result = build_claims(sessions, practice, registry)
    diags = list(result.diagnostics)
    if check is not None:
        diags.extend(check(result))
    return BuildOutcome(result, make_batch(practice, result.claims), diags)
