"""Validation on a Dask cluster: every file a task, a large 837P one task per share of it
(several transaction sets, or part of a large one); the client puts the pieces back in file
order.

The result is the :class:`~claimkit.validation.ValidationResult` a local ``validate_paths`` run
returns (same findings in the same order, same claim IDs, same per-transaction-set counts), so
everything built from it afterwards (reports, 999/277CA, the accepted/rejected split, and the
control numbers those take) is computed in the client, once, exactly as in a local run.

A large 837P is split the way :mod:`claimkit.validation.parallel` splits it between local
processes: each share reports a contiguous run of (transaction set, subscriber) positions, so a
single large transaction set becomes several tasks too (share 0 also checks the envelope), and
every share counts the segments of the others, so segment positions stay the file's. The merge
(by segment position, tie rank and part, see ``parallel.scan_share``) and the per-set counts
(``parallel.merge_interchanges``) are that module's own.
"""
from __future__ import annotations

import heapq
from datetime import date
from pathlib import Path
from typing import Any, Callable, Sequence

from claimkit.dask.tasks import Job, validate_file, validate_share
from claimkit.errors import ConfigError, InputError

SPLIT_BYTES = 1 << 20  # as claimkit.validation.parallel.MIN_BYTES: below it a split costs more


def plan_shares(path: str, kind: str, most: int, split_bytes: int = SPLIT_BYTES) -> list[Any]:
    """The shares (tasks) to make of ``path`` (``parallel.shares``): one unless it is an 837P
    of at least ``split_bytes`` holding two or more subscribers, whole (a cut file is read as
    one task, so its CK-I003 finding comes first, as locally). Any doubt means one: the
    whole-file task then reports exactly what a local run would."""
    from claimkit.validation import sniff
    from claimkit.validation.inputs import x12_truncation
    from claimkit.validation.parallel import FAR, split, units

    whole = [((0, 0), (FAR, 0))]
    if most < 2 or kind not in ("auto", "x12"):
        return whole
    p = Path(path)
    try:
        if p.stat().st_size < split_bytes or sniff(p) != "x12" or x12_truncation(p) is not None:
            return whole
        counts = units(p)
    except (OSError, InputError):
        return whole
    return split(counts, most) if counts else whole


def shares_for(path: str, kind: str, most: int, split_bytes: int = SPLIT_BYTES) -> int:
    """How many tasks :func:`plan_shares` makes of ``path``."""
    return len(plan_shares(path, kind, most, split_bytes))


def validate_files(paths: Sequence[str | Path], client: Any = None, *, kind: str = "auto",
                   practice: Any = None, registry: Any = None, today: date | None = None,
                   selection: Any = None, unusable: str = "raise",
                   split_bytes: int | None = None, keep_claims: bool = False,
                   progress: Callable[[str, int], None] | None = None) -> Any:
    """Validate files on the Dask cluster of ``client`` (default: the current client) and
    return what ``claimkit.validation.validate_paths`` returns for them locally.

    The paths must be readable by the workers under the same names (shared storage; absolute
    paths are safest): the findings name files as given here. ``progress(file, claims)`` is
    called as each file completes, in file order. ``split_bytes``: the size from which an
    837P with several transaction sets is split into tasks (default :data:`SPLIT_BYTES`).
    ``keep_claims`` as for ``validate_paths``: the claims come back from the workers in
    ``result.claims``, and each file is one task (as ``validate_paths`` then uses one process).
    """
    from claimkit.rules.content_currency import collapse_per_file
    from claimkit.validation import ValidationResult

    if unusable not in ("raise", "report"):
        raise ValueError(f"unusable must be 'raise' or 'report', not {unusable!r}")
    if client is None:
        from distributed import get_client

        client = get_client()
    job = Job.make(today=today or date.today(), kind=kind, practice=practice, registry=registry,
                   selection=selection)
    # once per worker, not once per task; a key of its own (hash=False): a run that ends
    # releases its copy, which must not be the one the next run with the same settings uses
    job_f = client.scatter(job, broadcast=True, hash=False)
    slots = max(1, sum(client.nthreads().values()))
    names = [str(p) for p in paths]
    plans: list[tuple[str, Any]] = []
    for name in names:
        cut = [] if keep_claims else plan_shares(
            name, kind, slots, SPLIT_BYTES if split_bytes is None else split_bytes)
        if len(cut) > 1:
            plans.append(("shares", [client.submit(validate_share, name, share, i == 0, job_f,
                                                   pure=False)
                                     for i, share in enumerate(cut)]))
        else:
            plans.append(("file", client.submit(validate_file, name, job_f, unusable,
                                                keep_claims, pure=False)))
    result = ValidationResult()
    try:
        for name, (how, fut) in zip(names, plans):
            if how == "shares":
                part = _from_shares(name, kind, fut)
                if part is None:  # a share met unusable input: read it whole, as locally
                    part = client.submit(validate_file, name, job_f, unusable, pure=False).result()
            else:
                part = fut.result()
            result.files.extend(part.files)
            result.report.diagnostics.extend(part.report.diagnostics)
            result.claims.extend(part.claims)
            if progress is not None:
                progress(name, part.files[0].claims if part.files else 0)
    finally:
        for _how, fut in plans:  # an error stops the run: cancel what has not run yet
            client.cancel(fut if isinstance(fut, list) else [fut])
    # (per file already; again over the run, as validate_paths does: a no-op per file key)
    result.report.diagnostics = collapse_per_file(result.report.diagnostics)
    return result


def _from_shares(name: str, kind: str, futures: list[Any]) -> Any:
    """The ValidationResult of one split file, or None when a share raised on unusable input."""
    from claimkit.validation import FileResult, ValidationResult
    from claimkit.validation.parallel import merge_interchanges

    try:
        parts = [f.result() for f in futures]
    except (InputError, ConfigError):
        return None
    fr = FileResult(name, "x12")
    out = ValidationResult(files=[fr])
    diags = out.report.diagnostics
    streams = [[(pos, rank, n, item) for n, (pos, item) in enumerate(items)]
               for rank, (items, _end) in enumerate(parts)]
    for _pos, _rank, _n, item in heapq.merge(*streams):
        if item[0] == "d":
            d = item[1]  # (findings outside claims carry the file name as a local run's do)
            diags.append(d if d.location.file else d.with_location(file=name))
        else:
            fr.claims += 1
            fr.claim_ids.append(item[1])
            out.report.extend(item[2])
    fr.interchanges = merge_interchanges([end for _items, end in parts])
    return out
