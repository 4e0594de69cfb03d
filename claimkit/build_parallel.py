"""The streaming build's pools on several processes (``build -j N``) or a Dask cluster
(``build --scheduler ADDRESS``), with output identical to a one-process build.

The client (the process running claimkit, :class:`claimkit.pipeline._Stream`) keeps everything
that depends on what came before: the on-disk session index and the order of its pools, the
claim IDs taken so far, the repeats found across the input, the build's policy, the control
numbers and the outputs. What one pool becomes depends only on the pool and on the claim IDs
taken before it, so the pools are dealt out in batches (:func:`batches`, about
:data:`BATCH_SESSIONS` sessions each, the sessions as the index stores them): a worker builds each
pool of its batch (``builder.build_pool``), checks each claim with the claim rules
(``Validator.check_claim``) and the 837P body of every :data:`claimkit.pipeline.CHECK_CHUNK`
claims with validate's X12 scan (``selfcheck.check_body``), and returns claim IDs, findings and
X12 text (:func:`build_batch`). The client merges the results in batch order (:func:`settled`),
so the output bytes and the findings, in their order, are those of the one-process build, which
runs the very same :func:`build_batch` in the client.

Claim IDs (CLM01, ``builder.claim_id_for``): a worker only knows the IDs its own batch took.
Each ID picks the first candidate (the session ID, then hashes) not taken, so a worker's ID equals
the one-process build's unless it is taken by an earlier batch; the client checks every returned
ID against the IDs taken so far and, on a clash (a session ID used by two different sessions in
two batches: rare), builds that batch again itself, in sequence, as the one-process build does.

Memory stays flat: at most :data:`IN_FLIGHT` batches per worker are sent and not yet merged.
"""
from __future__ import annotations

import gc
import pickle
import signal
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from claimkit.diagnostics import Diagnostic
from claimkit.models.claim import Claim

# Below this many sessions a second process costs more than it saves (forking, warming the
# workers' caches, sending sessions and results); measured on the 2-core development machine.
MIN_SESSIONS = 3000
BATCH_SESSIONS = 500  # sessions per batch: about 500 claims in memory per batch at most
IN_FLIGHT = 2  # batches per worker sent and not yet merged: workers never wait, memory stays flat


@dataclass
class Batch:
    """Consecutive pools, as the client sends them to a worker.

    ``pools``: per pool, per session kept (exact repeats are dropped), its input position, its
    pickled (record, origin) as the index stores it, and the repeat findings found at it
    (``SessionIndex.repeats``). ``sessions``: the sessions of these pools, dropped repeats
    included (progress). ``chunk``: claims per self-check. ``keep_claims``: return every claim
    (XML/JSON outputs), not only those with an error finding (the rejects).
    """

    pools: list[list[tuple[int, bytes, list[tuple[int, int, int, Diagnostic]]]]]
    sessions: int
    chunk: int
    keep_claims: bool


@dataclass
class BuiltClaim:
    """One built and checked claim as a batch returns it (the claim only when needed)."""

    claim_id: str
    file: str
    diagnostics: list[Diagnostic]
    claim: Claim | None


@dataclass
class Chunk:
    """One self-checked run of claims: the billing provider loop, one block of segments per
    claim (its 2000B loop and below, HL numbers as written in the chunk) and the findings outside
    every claim."""

    billing: list[str]
    blocks: list[list[str]]
    interchange: list[Diagnostic]


@dataclass
class BatchResult:
    """What a batch became, in pool order; ``claims`` line up with the chunks' blocks."""

    sessions: int
    pool_free: list[Diagnostic] = field(default_factory=list)  # builder findings naming no claim
    repeat_free: list[tuple[int, Diagnostic]] = field(default_factory=list)  # (scan position, finding)
    claims: list[BuiltClaim] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)


def batches(pools: Iterator[list[tuple[int, bytes]]], dropped: set[int],
            found_at: dict[int, list[tuple[int, int, int, Diagnostic]]], chunk: int,
            keep_claims: bool) -> Iterator[Batch]:
    """The index's pools (``SessionIndex.pool_rows``) in batches of whole pools, in order."""
    current: list[list[tuple[int, bytes, list[tuple[int, int, int, Diagnostic]]]]] = []
    n = 0
    for rows in pools:
        current.append([(pos, data, found_at.get(pos, [])) for pos, data in rows if pos not in dropped])
        n += len(rows)
        if n >= BATCH_SESSIONS:
            yield Batch(current, n, chunk, keep_claims)
            current, n = [], 0
    if current:
        yield Batch(current, n, chunk, keep_claims)


# -- what a worker does (and the one-process build, in the client) ----------------------------
def build_batch(validator: Any, batch: Batch, taken: Any) -> BatchResult:
    """Build and check the pools of ``batch``; ``taken`` holds the claim IDs taken before (the
    client's own record in a one-process build, an empty set in a worker) and gets the new ones."""
    from claimkit.builder import BuildResult, build_pool, claim_keys
    from claimkit.duplicates import service_repeats

    practice = validator.practice
    out = BatchResult(batch.sessions)
    pending: list[tuple[Claim, Any, Any]] = []
    for rows in batch.pools:
        groups: dict[tuple, list[tuple[Any, Any, int]]] = {}
        skip: dict[int, set[int]] = {}
        repeats: list[tuple[int, int, int, int, Diagnostic]] = []
        for pos, data, found in rows:
            rec, o = pickle.loads(data)
            groups.setdefault(claim_keys(practice, rec, o)[1], []).append((rec, o, pos))
            s, svc = service_repeats(pos, rec, o)
            if s:
                skip[pos] = s
            repeats.extend((scan, k, n, pos, d) for scan, k, n, d in found)
            repeats.extend((pos, 1, n, at, d) for n, (at, d) in enumerate(svc))
        result = BuildResult([], [], [])
        claim_of = build_pool(list(groups.items()), practice, validator.registry, result, taken, skip)
        # (scan position, 0 for an input repeat / 1 for a service repeat, order found): the
        # order the in-memory build reports repeats in
        repeats.sort(key=lambda t: t[:3])
        _checked(validator, result, [(scan, at, d) for scan, _, _, at, d in repeats], claim_of,
                 out, pending)
        while len(pending) >= batch.chunk:
            _self_check(validator, pending[:batch.chunk], out, batch.keep_claims)
            del pending[:batch.chunk]
    if pending:
        _self_check(validator, pending, out, batch.keep_claims)
    return out


def _checked(v: Any, result: Any, repeats: list[tuple[int, int, Diagnostic]],
             claim_of: dict[int, str], out: BatchResult, pending: list[tuple[Claim, Any, Any]]) -> None:
    """Validator.check_built for one pool: builder findings after the selection, each with
    its claim; those naming no claim are reported before every claim, as check_built does."""
    by_claim: dict[str | None, list[Diagnostic]] = {}
    for d in result.diagnostics:
        d = v._select(d)
        if d is not None:
            by_claim.setdefault(d.location.claim_id, []).append(d)
    known = {c.claim_id for c in result.claims}
    for cid, diags in by_claim.items():
        if cid not in known:
            out.pool_free.extend(diags)
    for scan, at, d in repeats:
        cid = claim_of.get(at)
        sel = v._select(d.with_location(claim_id=cid) if cid else d)
        if sel is None:
            continue
        if cid is None:
            out.repeat_free.append((scan, sel))
        else:
            by_claim.setdefault(cid, []).append(sel)
    for claim, origin in zip(result.claims, result.origins):
        file = origin.file or ""  # not locate(): that would work out the positions of every record
        pending.append((claim, origin, v.check_claim(claim, origin, file, by_claim.get(claim.claim_id, []))))


def _self_check(v: Any, items: list[tuple[Claim, Any, Any]], out: BatchResult, keep_claims: bool) -> None:
    """The X12 body of ``items`` written once and checked with validate's scan
    (claimkit/selfcheck.py), cut into the billing provider loop and one block per claim."""
    from claimkit.pipeline import make_batch
    from claimkit.selfcheck import check_body, merge
    from claimkit.x12.encoder import Encoder

    enc = Encoder(newline=True)
    claims = [c for c, _, _ in items]
    body, found = check_body(v, enc, make_batch(v.practice, []), claims, [o for _, o, _ in items])
    hl = "HL" + enc.d.element
    # one subscriber (HL*..*22) loop per built claim: the builder writes the patient below it
    starts = [i for i, seg in enumerate(body) if seg.startswith(hl) and seg.split(enc.d.element)[3] == "22"]
    if len(starts) != len(claims):  # a writer that grouped claims could not be cut per claim
        raise RuntimeError(f"the self-check's 837P has {len(starts)} subscriber loops for {len(claims)} claims")
    blocks = [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)])]
    out.chunks.append(Chunk(body[:starts[0]], blocks, found.interchange))
    for claim, _, r in items:
        diags = merge(r.diagnostics, found.by_claim.get(claim.claim_id, []))
        needed = keep_claims or any(d.severity.value == "error" for d in diags)
        out.claims.append(BuiltClaim(claim.claim_id, r.file, diags, claim if needed else None))


# -- the client: results in batch order --------------------------------------------------------
def settled(batch: Batch, result: BatchResult, taken: Any, here: Callable[[Batch], BatchResult]
            ) -> BatchResult:
    """A worker's ``result`` for ``batch`` if none of its claim IDs is taken yet (then they are
    marked taken), else the batch built again in the client (``here``), in sequence."""
    ids = [c.claim_id for c in result.claims]
    if taken.any_of(ids):
        return here(batch)
    taken.add_all(ids)
    return result


def in_order(work: Iterator[Batch], here: Callable[[Batch], BatchResult], runner: Any, taken: Any
             ) -> Iterator[BatchResult]:
    """Every batch's result, in batch order: built in the client (``runner`` None) or by the
    ``runner``'s workers, at most ``IN_FLIGHT`` per worker at a time."""
    if runner is None:
        for batch in work:
            yield here(batch)
        return
    if runner.warm_here:  # the first batch here: forked workers inherit the warm caches
        first = next(work, None)
        if first is None:
            return
        yield here(first)
    pending: deque[tuple[Batch, Any]] = deque()
    started = False
    try:
        for batch in work:
            if not started:  # (not before a second batch exists: nothing to share)
                runner.start()
                started = True
            pending.append((batch, runner.submit(batch)))
            if len(pending) >= IN_FLIGHT * runner.slots:
                b, fut = pending.popleft()
                yield settled(b, runner.result(fut), taken, here)
        while pending:
            b, fut = pending.popleft()
            yield settled(b, runner.result(fut), taken, here)
    finally:
        runner.close([fut for _, fut in pending])


def cpu_count() -> int:
    """The CPUs this process may run on (the meaning of ``-j 0``)."""
    from claimkit.validation.parallel import cpu_count as cpus

    return cpus()


def workers_for(jobs: int, sessions: int, min_sessions: int | None = None) -> int:
    """Worker processes for a local build of ``sessions`` sessions: ``jobs`` (0: one per CPU)
    when that is two or more, the input has at least ``min_sessions`` (default
    :data:`MIN_SESSIONS`) and the platform can fork; else 1 (the client builds alone)."""
    import multiprocessing

    want = jobs if jobs > 0 else cpu_count()
    if want < 2 or sessions < (MIN_SESSIONS if min_sessions is None else min_sessions):
        return 1
    try:
        multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows): the workers could not inherit the loaded codesets
        return 1
    return want


# -- local worker processes ---------------------------------------------------------------------
_WORKER: dict[str, Any] = {}  # the validator of this worker process (inherited at fork)


def _adopt(validator: Any) -> None:
    # The client handles Ctrl-C and SIGTERM (it stops the workers and removes temporary files):
    # a worker interrupted mid-batch would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER["v"] = validator


def _local_task(batch: Batch) -> BatchResult:
    return build_batch(_WORKER["v"], batch, set())


class LocalWorkers:
    """``workers`` forked processes of this machine, each with the client's validator (its
    codesets and rule tables already loaded: they are inherited, not loaded again)."""

    warm_here = True

    def __init__(self, validator: Any, workers: int) -> None:
        self.v, self.slots = validator, workers
        self.pool: Any = None  # a ProcessPoolExecutor once started

    def start(self) -> None:
        """Fork the workers."""
        import multiprocessing
        import sys
        from concurrent.futures import ProcessPoolExecutor

        for stream in (sys.stdout, sys.stderr):  # a forked child flushes its copy of any
            try:                                 # buffered text on exit: it would be printed twice
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        # What the workers inherit is left out of their garbage collections: a collection
        # writes to every object it visits, which would copy the client's memory into each.
        gc.freeze()
        try:
            self.pool = ProcessPoolExecutor(self.slots, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_adopt, initargs=(self.v,))
            self.pool.submit(int).result()  # (the workers are forked now, while frozen)
        finally:
            gc.unfreeze()

    def submit(self, batch: Batch) -> Any:
        """Send ``batch`` to a worker."""
        assert self.pool is not None
        return self.pool.submit(_local_task, batch)

    def result(self, fut: Any) -> BatchResult:
        """The batch's result (a worker's ClaimkitError is raised here, intact)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:  # killed (out of memory?): never a silent partial output
            raise RuntimeError("a build worker process ended unexpectedly") from None

    def close(self, pending: list[Any]) -> None:
        """Stop the workers (batches not yet merged are dropped)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
