"""One large 837P on several cores: the file cut into shares, one worker process per share.

A share is a contiguous run of positions (transaction set, subscriber): it may hold many
transaction sets, or start or end inside one at a subscriber (2000B) loop, so a file with a
single large transaction set is spread over every core too (:func:`shares`, balanced by
:func:`split`). Every worker streams the whole file (the reader is the cheap part) but reports
only its share (see :func:`claimkit.rules.scan.parser.scan_837`): transaction sets outside it
are only counted, so segment positions stay the file's; the subscribers of a set before its
share are followed without reporting, so the HL tree, the segment count, the billing provider
and what stateful rules remember (duplicate CLM01) are those of one whole scan. Worker 0 also
checks the envelope (ISA/GS/GE/IEA). Each worker sends back, in batches, what the
single-process run would have yielded (claim IDs with their findings, and findings outside
claims), keyed by the segment position at which it was yielded; the parent merges the streams
in file order, so the report is the one a single process writes (findings of one segment from
two workers, around a missing trailer or at the HL where two shares meet, come in the order
one process finds them: see :func:`_light` and :func:`scan_share`).

Claims themselves (models and origins) never cross processes: a worker sends a claim's ID and
findings. Callers that need the claims (``keep_claims``) validate in one process.

Workers are forked (they inherit the loaded codesets and rule tables, so they start in
milliseconds); where the platform cannot fork, validation runs in one process.
"""
from __future__ import annotations

import bisect
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
# What following one subscriber's loops without reporting them costs (Scan._shadow: read, HL
# and CLM only) next to checking them; measured on generated files, used to balance shares.
SHADOW_COST = 0.05
_TAIL = 64  # bytes carried between blocks of the planning read: longer than any match below
FAR = 1 << 62  # an ST ordinal past every file: the end of the last share
Part = tuple  # (ST ordinal, 2000B ordinal in that set): see claimkit.rules.scan.parser.scan_837
Share = tuple  # (first position reported, first position not reported)


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _fork_context() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows: no fork
        return None


def units(path: Path) -> list[int]:
    """The subscriber (2000B) loops of each transaction set of ``path``, at least 1 per set,
    from a plain byte search (no parse) with the first ISA's element separator. Only a plan: a
    count that differs from what the scan finds moves where shares meet, never what they
    report together (see :func:`shares`)."""
    found: list[int] = []
    tail = b""
    st = hl = None
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 20)
            data = tail + block
            last = not block
            if st is None:
                i = data.find(b"ISA")
                if i < 0 or len(data) < i + 4:
                    if last:
                        return []
                    tail = data[-_TAIL:]
                    continue
                sep = re.escape(data[i + 3:i + 4])
                # literal prefixes: the regex engine jumps from one to the next
                st = re.compile(b"ST" + sep + b"837")
                hl = re.compile(b"HL" + sep + b"[A-Za-z0-9]{0,12}" + sep + b"[A-Za-z0-9]{0,12}"
                                + sep + b"22(?![A-Za-z0-9])")
            assert hl is not None
            upto = len(data) if last else len(data) - _TAIL
            marks = [(m.start(), 0) for m in st.finditer(data, 0, upto + 8)
                     if m.start() < upto and not data[m.start() - 1:m.start()].isalnum()]
            marks += [(m.start(), 1) for m in hl.finditer(data, 0, upto + _TAIL)
                      if m.start() < upto and not data[m.start() - 1:m.start()].isalnum()]
            for _at, what in sorted(marks):
                if not what:
                    found.append(0)
                elif found:
                    found[-1] += 1
            if last:
                break
            tail = data[upto:]
    return [max(1, n) for n in found]


def split(counts: list[int], workers: int, shadow: float = SHADOW_COST) -> list[Share]:
    """Cut the positions of a file (``counts``: 2000B loops per set) into at most ``workers``
    contiguous shares of about equal cost. A share that starts inside a set also pays for
    following the set's earlier subscribers (``shadow`` each), so later shares are shorter.
    The first share starts at (0, 0) and the last ends past every set: whatever the file holds,
    every position is in exactly one share."""
    total = sum(counts)
    workers = max(1, min(workers, total))
    starts_of, first = [], 0
    for n in counts:  # the global index of each set's first position
        starts_of.append(first)
        first += n

    def at(u: int) -> Part:
        k = bisect.bisect_right(starts_of, u) - 1
        return (k, u - starts_of[k])

    def cover(budget: float) -> list[int] | None:
        cuts, u = [], 0
        for _ in range(workers):
            if u >= total:
                break
            cuts.append(u)
            u += max(1, int(budget - shadow * at(u)[1]))
        return cuts if u >= total else None

    lo, hi = total / workers, float(total)
    best = cover(hi) or [0]
    for _ in range(40):  # bisect the largest share's cost
        mid = (lo + hi) / 2
        got = cover(mid)
        if got is None:
            lo = mid
        else:
            hi, best = mid, got
    parts = [at(u) for u in best] + [(FAR, 0)]
    parts[0] = (0, 0)
    return [(parts[i], parts[i + 1]) for i in range(len(best))]


def shares(path: Path, jobs: int, min_bytes: int | None = None) -> list[Share]:
    """The shares ``path`` is validated in: one (the whole file) unless it is large
    (``min_bytes``, default :data:`MIN_BYTES`), ``jobs`` asks for two or more (0: one per CPU)
    and the platform can fork; then up to that many, cut between transaction sets or inside
    one at its subscriber (2000B) loops."""
    want = jobs if jobs > 0 else cpu_count()
    whole = [((0, 0), (FAR, 0))]
    if want < 2 or _fork_context() is None:
        return whole
    try:
        if path.stat().st_size < (MIN_BYTES if min_bytes is None else min_bytes):
            return whole
        counts = units(path)
    except OSError:
        return whole
    return split(counts, want) if counts else whole


def plan(path: Path, jobs: int) -> int:
    """How many workers to use for ``path`` (see :func:`shares`)."""
    return len(shares(path, jobs))


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


def scan_share(validator: Any, path: Path, share: Share, envelope: bool
               ) -> tuple[Iterator[tuple], Callable[[], list[Any]]]:
    """One share of one 837P: the positions in ``share`` (and the envelope with ``envelope``).
    Returns (keyed items, end): the items keyed by (segment position, tie rank, part) for the
    merge, and ``end()`` -> the scan's interchanges, complete once the items are exhausted.
    Used by the local workers below and by the Dask tasks (claimkit.dask.tasks), so both split
    a file the same way.

    The part (the position where the share's reporting last started) orders what two shares
    yield at one segment: the 2000B HL where one share ends and the next begins closes the
    previous subscriber's loops (the closing share's findings and claim) before its own rules
    run (the next share's findings)."""
    scan, items = validator.x12_stream(path, share=share, envelope=envelope)

    def keyed() -> Iterator[tuple]:
        for item in items:
            seg = scan.seg
            tie, light = _light(item)
            yield (seg.index if seg is not None else 0, tie, scan.part), light

    return keyed(), lambda: scan.interchanges


def _worker(validator: Any, path: Path, share: Share, envelope: bool, conn: Any) -> None:
    # A worker validates one share and exits. A scan makes no reference cycles (every claim,
    # segment and finding is freed by its reference count: tests/perf_equivalence checks it),
    # so the cyclic collector would only walk the young objects of every claim to find
    # nothing (about a tenth of the validation's time); what is left at exit goes with the
    # process.
    gc.disable()
    try:
        keyed, end = scan_share(validator, path, share, envelope)
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
    from claimkit.rules.scan.parser import scan_837
    from claimkit.x12.origin import ParsedClaim

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


def validate_x12(validator: Any, path: Path, plan: list[Share]) -> Iterator[Any]:
    """Yield what ``validator.iter_file(path, "x12")`` yields (claims as ID-only results),
    computed by one forked process per share of ``plan`` (:func:`shares`); sets
    ``validator.interchanges[str(path)]``."""
    from claimkit.validation import ClaimResult

    ctx = _fork_context()
    name = str(path)
    workers = len(plan)
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
            p = ctx.Process(target=_worker, args=(validator, path, plan[i], i == 0, child),
                            daemon=True)
            p.start()
            child.close()
            conns.append(parent)
            procs.append(p)
        gc.unfreeze()
        inbox = _Inbox(conns)
        # Items sort by (segment position, tie rank, part; see _light and scan_share), then by
        # worker and arrival.
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


def merge_interchanges(per_worker: list[list[Any]]) -> list[Any]:
    """Worker 0's envelope view (it follows every envelope segment and counts every segment)
    with each transaction set's finding counts added up over the shares that reported parts
    of it. Transaction sets are matched by the position of their ST segment (unique in a file).
    """
    counts: dict[int, list[int]] = {}
    for ixs in per_worker[1:]:
        for tx in _transactions(ixs):
            c = counts.setdefault(tx.start_index, [0, 0])
            c[0] += tx.findings
            c[1] += tx.errors
    merged = per_worker[0]
    for tx in _transactions(merged):
        more = counts.get(tx.start_index)
        if more is not None:
            tx.findings += more[0]
            tx.errors += more[1]
    return merged


def _transactions(interchanges: list[Any]) -> Iterator[Any]:
    for ix in interchanges:
        for g in ix.groups:
            yield from g.transactions
