"""What runs on a Dask worker: plain functions of plain, picklable arguments.

Nothing here imports dask, so the functions can be tested (and run) without a cluster, and a
worker only needs claimkit installed. Every function reads its 837P from a path the worker can
open (shared storage), and reuses claimkit's own reader and validator
(:mod:`claimkit.validation`, :mod:`claimkit.rules.scan.parser`, :mod:`claimkit.x12.claims`): there
is no second parser.
"""
from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Job:
    """The settings of one run, the same for every task of it (sent once per task, small)."""

    today: date
    kind: str = "auto"
    practice: Any = None
    registry: Any = None  # None: each worker loads the bundled codesets (+ the practice's store)
    selection: Any = None
    token: str = field(default="", compare=False)  # identifies the settings (validator cache)

    @classmethod
    def make(cls, **kw: Any) -> "Job":
        """The job with ``token`` set from its settings (what the validator cache is keyed by)."""
        job = cls(**kw)
        blob = pickle.dumps((job.today, job.kind, job.practice, job.registry, job.selection))
        return cls(**kw, token=sha256(blob).hexdigest())


# One validator per worker process and settings: its codeset caches (ICD-10-CM alone is
# ~100,000 codes) then serve every task of the run instead of being loaded per task.
_VALIDATORS: dict[str, Any] = {}
_LOCK = threading.Lock()


def validator(job: Job, keep_original: bool = False) -> Any:
    """This worker process's validator for ``job`` (made once, then reused)."""
    from claimkit.validation import Validator

    key = f"{job.token}:{keep_original}"
    with _LOCK:
        v = _VALIDATORS.get(key)
        if v is None:
            if len(_VALIDATORS) >= 4:  # a long-lived worker serving many runs keeps a few
                _VALIDATORS.clear()
            v = _VALIDATORS[key] = Validator(practice=job.practice, registry=job.registry,
                                             today=job.today, selection=job.selection, jobs=1,
                                             keep_original=keep_original)
        return v


def validate_file(path: str, job: Job, unusable: str, keep_claims: bool = False) -> Any:
    """One whole file, exactly as a local run reads it: ``validate_paths`` on this one path.
    The result carries findings, claim IDs and envelope counts; the claims themselves (and the
    envelope facts) only with ``keep_claims`` (what --accepted/--rejects/--ack need)."""
    from claimkit.validation import validate_paths

    return validate_paths([path], kind=job.kind, practice=job.practice, registry=job.registry,
                          today=job.today, selection=job.selection, jobs=1, unusable=unusable,
                          keep_claims=keep_claims)


def validate_share(path: str, share: tuple, envelope: bool, job: Job) -> tuple[list, list]:
    """One share of one 837P (positions ``share``, see :func:`claimkit.validation.parallel.shares`;
    the envelope too with ``envelope``), as :mod:`claimkit.validation.parallel` splits a file
    between local processes: returns (items keyed for the merge, interchanges), which
    :func:`claimkit.dask.validate.validate_files` merges back into file order."""
    from claimkit.validation.parallel import scan_share

    v = validator(job)
    keyed, end = scan_share(v, Path(path), share, envelope)
    out = list(keyed)
    v.interchanges.pop(path, None)
    return out, end()


# -- claim lines (claimkit.dask.read_837) -----------------------------------------------------
def claim_lines(path: str, job: Job, phi: bool) -> list[dict[str, Any]]:
    """One record per service line of the 837P at ``path`` (see :data:`claimkit.dask.frame.COLUMNS`),
    with the number of findings of its claim. Findings outside claims are not counted here
    (``validate_files`` reports them)."""
    import bisect

    from claimkit.validation import ClaimResult

    v = validator(job)
    scan, items = v.x12_stream(Path(path))
    claims: list[tuple[int, Any, int, int]] = []  # (CLM position, claim, findings, errors)
    for item in items:
        if isinstance(item, ClaimResult) and item.claim is not None:
            clm = item.origin.refs.get("2300.CLM")
            errors = sum(1 for d in item.diagnostics if d.severity.value == "error")
            claims.append((clm.index if clm is not None else 0, item.claim,
                           len(item.diagnostics), errors))
    v.interchanges.pop(path, None)
    # A claim belongs to the transaction set whose ST comes last before its CLM segment.
    starts, keys = [], []
    for ix in scan.interchanges:
        for g in ix.groups:
            for t in g.transactions:
                starts.append(t.start_index)
                keys.append((ix.control, g.control, t.st_control))
    rows: list[dict[str, Any]] = []
    for at, claim, findings, errors in claims:
        k = bisect.bisect_right(starts, at) - 1
        isa, gs, st = keys[k] if k >= 0 else (None, None, None)
        rows.extend(_rows(path, isa, gs, st, claim, findings, errors, phi))
    return rows


def _rows(path: str, isa: str | None, gs: str | None, st: str | None, claim: Any,
          findings: int, errors: int, phi: bool) -> list[dict[str, Any]]:
    rendering = claim.rendering_provider
    head = {
        "file": path, "isa_control": isa, "gs_control": gs, "st_control": st,
        "claim_id": claim.claim_id, "payer_id": claim.payer.payer_id,
        "billing_npi": claim.billing_provider.npi or None,
        "rendering_npi": rendering.npi if rendering is not None and rendering.npi else None,
        "diagnoses": list(claim.diagnoses), "claim_findings": findings, "claim_errors": errors,
    }
    if phi:  # names, birth dates and member IDs only when the caller asked for them
        sub, pat = claim.subscriber, claim.patient or claim.subscriber
        head.update({
            "subscriber_last_name": sub.last_name or None,
            "subscriber_first_name": sub.first_name, "member_id": sub.member_id,
            "subscriber_birth_date": sub.birth_date,
            "patient_last_name": pat.last_name or None, "patient_first_name": pat.first_name,
            "patient_birth_date": pat.birth_date,
        })
    out = []
    for ln in claim.lines:
        row = dict(head)
        row.update({
            "line": ln.number, "date_of_service": ln.date_of_service,
            "place_of_service": ln.place_of_service or claim.place_of_service or None,
            "code": ln.code, "modifiers": list(ln.modifiers), "units": ln.units,
            "charge": ln.charge, "pointers": list(ln.pointers),
        })
        out.append(row)
    return out


# -- the streaming build (claimkit build --scheduler) -----------------------------------------
def build_batch(job: Job, batch: Any) -> Any:
    """One batch of pools of a build (claimkit.build_parallel.Batch), built and checked with
    this worker's validator for ``job``; the client checks the claim IDs and merges in order."""
    from claimkit.build_parallel import build_batch as build

    return build(validator(job), batch, set())
