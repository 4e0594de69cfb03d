"""The main job as library calls: session files -> built claims -> checked -> split.

The CLI's `build` command is a thin wrapper over :func:`build_and_check`; it checks every
built claim with the validator's rules (the same :class:`~claimkit.validation.Validator` that
`claimkit validate` uses) and the 837P the claims make with validate's X12 scan
(:mod:`claimkit.selfcheck`, through ``Validator.check_built``), so `build`, `validate
sessions.csv` and `validate out.x12` can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from claimkit.builder import BuildResult, build_claims
from claimkit.config import Practice
from claimkit.diagnostics import Diagnostic, Location
from claimkit.loaders import SessionOrigin, load_sessions
from claimkit.models.claim import Claim, ClaimBatch
from claimkit.models.session import SessionRecord
from claimkit.rules.content_currency import collapse_per_file
from claimkit.rules.engine import Selection


@dataclass
class BuildOutcome:
    built: BuildResult
    checked: Any  # claimkit.validation.ValidationResult: every finding, per file
    batch: ClaimBatch | None = None  # set by claimkit.build (the public API), ready to export

    @property
    def claims(self) -> list[Claim]:
        return self.built.claims

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.checked.diagnostics

    def origin_of(self, claim_id: str | None) -> Location | None:
        """The session file location a built claim came from (None if unknown)."""
        for claim, origin in zip(self.built.claims, self.built.origins):
            if claim.claim_id == claim_id:
                return origin.locate(None, None)
        return None


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


def build_and_check(sessions: Sequence[tuple[SessionRecord, SessionOrigin]], practice: Practice, *,
                    today: date, registry: Any = None, selection: Selection | None = None,
                    progress: Callable[[int], None] | None = None) -> BuildOutcome:
    """Build claims from sessions and run every claim rule over them.

    Args:
        sessions: loaded session records with their origins (see :func:`load_all`).
        practice: the practice configuration.
        today: the date the date rules compare with (the caller reads the clock).
        registry: the codeset registry (default: bundled plus the practice's store).
        selection: rule selection and severities (default: the practice's [validate] table).
        progress: called with the number of claims checked so far.
    """
    from claimkit.validation import (ClaimResult, FileResult, ValidationResult, Validator,
                                   make_selection)

    if selection is None:
        selection = make_selection(config=practice.validate_)
    validator = Validator(practice=practice, registry=registry, today=today, selection=selection)
    built = build_claims(sessions, practice, validator.registry)
    checked = ValidationResult()
    files: dict[str, FileResult] = {}
    for _, origin in sessions:
        files.setdefault(origin.file, FileResult(origin.file, "sessions"))
    checked.files.extend(files.values())
    for n, item in enumerate(validator.check_built(built), start=1):
        if isinstance(item, ClaimResult):
            fr = files.get(item.file)
            if fr is not None:
                fr.claims += 1
                fr.claim_ids.append(item.claim.claim_id)
            checked.report.extend(item.diagnostics)
            if progress is not None:
                progress(n)
        else:
            checked.report.diagnostics.append(item)
    checked.report.diagnostics = collapse_per_file(checked.report.diagnostics)
    return BuildOutcome(built, checked)
