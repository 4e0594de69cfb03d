"""Validation on a Dask cluster: every file a task, a large 837P one task per share of its
transaction sets; the client puts the pieces back in file order.

The result is the :class:`~claimkit.validation.ValidationResult` a local ``validate_paths`` run
returns (same findings in the same order, same claim IDs, same per-transaction-set counts), so
everything built from it afterwards (reports, 999/277CA, the accepted/rejected split, and the
control numbers those take) is computed in the client, once, exactly as in a local run.

A large 837P is split the way :mod:`claimkit.validation.parallel` splits it between local
processes: share ``i`` of ``n`` checks the transaction sets ``i, i+n, ...`` (share 0 also the
envelope) and every share counts the segments of the others, so segment positions stay the
file's. The merge (by segment position, then the tie rank of ``parallel._light``) and the
per-set counts (``parallel.merge_interchanges``) are that module's own.
"""
from __future__ import annotations

import heapq
import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Sequence

from claimkit.dask.tasks import Job, validate_file, validate_share
from claimkit.errors import ConfigError, InputError

SPLIT_BYTES = 1 << 20  # as claimkit.validation.parallel.MIN_BYTES: below it a split costs more
_ST = re.compile(rb"(?<![A-Za-z0-9])ST[^A-Za-z0-9 \r\n]837")  # an 837 ST, any separator


def shares_for(path: str, kind: str, most: int, split_bytes: int = SPLIT_BYTES) -> int:
    """How many tasks to make of ``path``: 1 unless it is an 837P of at least ``split_bytes``
    with two or more transaction sets, whole (a cut file is read as one task, so its CK-I003
    finding comes first, as locally). Any doubt means 1: the whole-file task then reports
    exactly what a local run would."""
    from claimkit.validation import sniff
    from claimkit.validation.inputs import x12_truncation

    if most < 2 or kind not in ("auto", "x12"):
        return 1
    p = Path(path)
    try:
        if p.stat().st_size < split_bytes or sniff(p) != "x12" or x12_truncation(p) is not None:
            return 1
        found, tail = 0, b""
        with open(p, "rb") as fh:
            while found < most:
                block = fh.read(1 << 20)
                if not block:
                    break
                found += len(_ST.findall(tail + block))  # 5 bytes carried: no match twice
                tail = block[-5:]
    except (OSError, InputError):
        return 1
    return max(1, min(most, found))


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
        n = 1 if keep_claims else shares_for(
            name, kind, slots, SPLIT_BYTES if split_bytes is None else split_bytes)
        if n > 1:
            plans.append(("shares", [client.submit(validate_share, name, i, n, job_f, pure=False)
                                     for i in range(n)]))
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
