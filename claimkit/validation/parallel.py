"""One large 837P on several cores: transaction sets dealt round-robin to worker processes.

Every worker streams the whole file (the reader is the cheap part) but checks only the
transaction sets (ST..SE) it owns: the scan's ``owns`` predicate skips the others after
counting their segments, so segment positions stay the file's own. Worker 0 also checks the
envelope (ISA/GS/GE/IEA). Each worker sends back, in batches, what the single-process run
would have yielded (claim IDs with their findings, and findings outside claims), keyed by the
segment position at which it was yielded; the parent merges the streams in file order, so the
report is the one a single process writes (findings of one segment from two workers, which only
happens around a missing trailer, come with the earlier transaction set first).

Claims themselves (models and origins) never cross processes: a worker sends a claim's ID and
findings. Callers that need the claims (``keep_claims``) validate in one process.

Workers are forked (they inherit the loaded codesets and rule tables, so they start in
milliseconds); where the platform cannot fork, validation runs in one process.
"""
from __future__ import annotations

import gc
import heapq
import multiprocessing
import os
import re
import sys
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Iterator

from claimkit.diagnostics import Diagnostic

MIN_BYTES = 1 << 20  # below ~2,000 claims a second process costs more than it saves
BATCH = 500  # items per message from a worker: few messages, little memory per message
WARM_BYTES = 64 << 10  # the head of the file validated before forking (see _warm)
_ST = re.compile(rb"(?<![A-Za-z0-9])ST[^A-Za-z0-9 \r\n]837")  # an 837 ST segment, any separator


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cpus() -> int:
    """The CPUs not already kept busy by other work: the CPU count less the whole part of the
    1-minute load average, at least 1 (as ``make -l`` does). A worker on a busy CPU only takes
    turns with the process already there, and costs a fork and a pipe for nothing."""
    n = cpu_count()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return n
    return max(1, min(n, n - int(load)))


def _fork_context() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows: no fork
        return None


def plan(path: Path, jobs: int) -> int:
    """How many workers to use for ``path``: 1 (no split) unless the file is large, holds at
    least two transaction sets and the platform can fork. ``jobs`` 0 means one per idle CPU
    (see :func:`idle_cpus`); a number asks for that many whatever the load."""
    want = jobs if jobs > 0 else idle_cpus()
    if want < 2 or _fork_context() is None:
        return 1
    try:
        if path.stat().st_size < MIN_BYTES:
            return 1
        found = 0
        tail = b""
        with open(path, "rb") as fh:  # count ST segments, stopping at `want` of them
            while found < want:
                block = fh.read(1 << 20)
                if not block:
                    break
                # 5 bytes carried over: a match cut by the block edge is seen once, never twice
                found += len(_ST.findall(tail + block))
                tail = block[-5:]
    except OSError:
        return 1
    return max(1, min(want, found))


def _light(item: Any) -> tuple[int, tuple]:
    """(tie rank, what crosses the pipe): a finding, or a claim reduced to its ID and findings.

    The tie rank orders what two workers yield at one segment, which happens only where a
    transaction set is closed by the next segment (a missing SE): a single process reports the
    closing set first (its claim, its findings), then the new set's first segment (ST), then
    the envelope. Envelope findings are the ones without an ``st_control`` value.
    """
    if not isinstance(item, Diagnostic):
        return 0, ("c", item.claim.claim_id, item.diagnostics)
    values = dict(item.values)
    if "st_control" not in values:
        return 2, ("d", item)
    return (1 if values.get("ts_position") == 1 else 0), ("d", item)


def scan_share(validator: Any, path: Path, index: int, shares: int
               ) -> tuple[Iterator[tuple], Callable[[], tuple]]:
    """Share ``index`` of ``shares`` of one 837P: the transaction sets index, index + shares,
    ... (and the envelope for share 0). Returns (keyed items, end): the items keyed by
    (segment position, tie rank) for the merge, and ``end()`` -> (interchanges, ST positions
    checked), complete once the items are exhausted. Used by the local workers below and by
    the Dask tasks (claimkit.dask.tasks), so both split a file the same way."""
    owned: set[int] = set()  # segment positions of the ST segments this share checks
    cell: list[Any] = []

    def owns(k: int) -> bool:  # called by the scan at the k-th ST segment of the file
        mine = k % shares == index
        if mine:
            owned.add(cell[0].seg.index)
        return mine

    scan, items = validator.x12_stream(path, owns=owns, envelope=index == 0)
    cell.append(scan)

    def keyed() -> Iterator[tuple]:
        for item in items:
            seg = scan.seg
            tie, light = _light(item)
            yield (seg.index if seg is not None else 0, tie), light

    return keyed(), lambda: (scan.interchanges, owned)


def _worker(validator: Any, path: Path, index: int, workers: int, conn: Any) -> None:
    try:
        keyed, end = scan_share(validator, path, index, workers)
        batch: list[tuple] = []
        for entry in keyed:
            batch.append(entry)
            if len(batch) >= BATCH:
                conn.send(batch)
                batch = []
        conn.send(batch)
        conn.send(("end", end()))
    except BaseException as exc:  # noqa: BLE001  (re-raised in the parent, never lost)
        conn.send(("error", exc))
    finally:
        conn.close()


class _Inbox:
    """The workers' messages, drained as soon as they arrive.

    A worker must never wait on a full pipe while the parent waits for an earlier worker: that
    would run the transaction sets one after another. So whenever the merge needs the next item
    of one worker, every pipe with data is read into its own queue.
    """

    def __init__(self, conns: list[Any]) -> None:
        self.conns = conns
        self.queues: list[deque] = [deque() for _ in conns]
        self.open = set(range(len(conns)))
        self.done: dict[int, Any] = {}

    def _drain(self) -> None:
        ready = wait([self.conns[i] for i in self.open])
        for i in list(self.open):
            if self.conns[i] not in ready:
                continue
            try:
                msg = self.conns[i].recv()
            except EOFError:  # died without a word (killed): never a silent partial report
                raise RuntimeError(f"validation worker {i} ended unexpectedly") from None
            if isinstance(msg, tuple):
                if msg[0] == "error":
                    raise msg[1]
                self.done[i] = msg[1]
                self.open.discard(i)
            else:
                self.queues[i].extend(msg)

    def stream(self, rank: int) -> Iterator[tuple]:
        """Worker ``rank``'s items as ((segment position, tie rank), rank, n, item)."""
        q = self.queues[rank]
        n = 0
        while True:
            while not q and rank in self.open:
                self._drain()
            if not q:
                return
            pos, item = q.popleft()
            n += 1
            yield pos, rank, n, item


def _warm(validator: Any, path: Path) -> None:
    """Validate the first claims of ``path`` here and throw the results away, so that the
    workers inherit what a scan loads on first use instead of each loading it again: the code
    set tables of the file's dates (the ICD-10-CM release alone is ~100,000 codes), the NCCI
    and MUE quarters, the element expressions of its segments, the memoized verdicts. Those
    are caches keyed by what they answer, so warming them changes no finding."""
    from claimkit.x12.origin import ParsedClaim
    from claimkit.rules.scan.parser import scan_837

    name = str(path)
    ctx = validator.context(name)
    try:
        with open(path, "rb") as fh:
            head = fh.read(WARM_BYTES)
        for item in scan_837(head, file=name, ctx=ctx, selection=validator.selection):
            if isinstance(item, ParsedClaim):
                validator.check_claim(item.claim, item.origin, name, (), ctx)
    except Exception:  # noqa: BLE001  (only a head start: the workers report what is wrong,
        pass           # e.g. no ISA in the first bytes, from the whole file)


def validate_x12(validator: Any, path: Path, workers: int) -> Iterator[Any]:
    """Yield what ``validator.iter_file(path, "x12")`` yields (claims as ID-only results),
    computed by ``workers`` forked processes; sets ``validator.interchanges[str(path)]``."""
    from claimkit.validation import ClaimResult

    ctx = _fork_context()
    name = str(path)
    _warm(validator, path)
    conns, procs = [], []
    for stream in (sys.stdout, sys.stderr):  # a forked child flushes its copy of any
        try:                                 # buffered text on exit: it would be printed twice
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    # What the workers inherit (codeset tables, caches) is left out of their garbage
    # collections: a collection writes to every object it visits, which would copy the
    # parent's memory page by page into each worker.
    gc.freeze()
    try:
        for i in range(workers):
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker, args=(validator, path, i, workers, child),
                            daemon=True)
            p.start()
            child.close()
            conns.append(parent)
            procs.append(p)
        gc.unfreeze()
        inbox = _Inbox(conns)
        # Items sort by (segment position, tie rank; see _light), then by worker and arrival.
        for _pos, _rank, _n, item in heapq.merge(*(inbox.stream(i) for i in range(workers))):
            if item[0] == "d":
                yield item[1]
            else:
                yield ClaimResult(name, None, None, item[2], claim_id=item[1])
        validator.interchanges[name] = merge_interchanges(
            [inbox.done[i] for i in range(workers)])
    finally:
        gc.unfreeze()  # (already done unless starting a worker failed)
        for c in conns:
            c.close()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()


def merge_interchanges(per_worker: list[tuple[list[Any], set[int]]]) -> list[Any]:
    """Worker 0's envelope view, with each transaction set's finding counts from its owner.

    ``per_worker``: (interchanges, positions of the ST segments it checked) of each worker.
    Transaction sets are matched by the position of their ST segment (unique in a file).
    """
    counts: dict[int, Any] = {}
    for ixs, owned in per_worker:
        for tx in _transactions(ixs):
            if tx.start_index in owned:
                counts[tx.start_index] = tx
    merged = per_worker[0][0]
    for tx in _transactions(merged):
        mine = counts.get(tx.start_index)
        if mine is not None and mine is not tx:
            tx.findings, tx.errors = mine.findings, mine.errors
    return merged


def _transactions(interchanges: list[Any]) -> Iterator[Any]:
    for ix in interchanges:
        for g in ix.groups:
            yield from g.transactions
