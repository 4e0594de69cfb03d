"""The main job as library calls: session files -> built claims -> checked -> split.

The CLI's `build` command is a thin wrapper over :func:`build_and_check`; it checks every
built claim with the validator's rules (the same :class:`~claimkit.validation.Validator` that
`claimkit validate` uses) and the 837P the claims make with validate's X12 scan
(:mod:`claimkit.selfcheck`, through ``Validator.check_built``), so `build`, `validate
sessions.csv` and `validate out.x12` can never disagree.
"""
from __future__ import annotations

import codecs
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from claimkit.builder import BuildResult, build_claims
from claimkit.config import Practice
from claimkit.diagnostics import Diagnostic, Location
from claimkit.loaders import SessionOrigin, load_sessions, patient_conflicts, raise_problems
from claimkit.models.claim import Claim, ClaimBatch
from claimkit.models.session import SessionRecord
from claimkit.rules.content_currency import collapse_per_file
from claimkit.rules.engine import Selection
from claimkit.x12.writer import MAX_CLAIMS_PER_ST


@dataclass
class BuildOutcome:
    """An in-memory build: the built claims and every finding of checking them."""

    built: BuildResult
    checked: Any  # claimkit.validation.ValidationResult: every finding, per file
    batch: ClaimBatch | None = None  # set by claimkit.build (the public API), ready to export

    @property
    def claims(self) -> list[Claim]:
        """The built claims, in order."""
        return self.built.claims

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every finding of the build, in report order."""
        return self.checked.diagnostics

    def origin_of(self, claim_id: str | None) -> Location | None:
        """The session file location a built claim came from (None if unknown)."""
        for claim, origin in zip(self.built.claims, self.built.origins):
            if claim.claim_id == claim_id:
                return origin.locate(None, None)
        return None


def load_all(paths: Sequence[str | Path], progress: Callable[[int], None] | None = None
             ) -> list[tuple[SessionRecord, SessionOrigin]]:
    """Every session of ``paths`` in memory (``progress`` gets the count after each file)."""
    sessions: list[tuple[SessionRecord, SessionOrigin]] = []
    for p in paths:
        sessions.extend(load_sessions(p))
        if progress:
            progress(len(sessions))
    if len(paths) > 1:  # one file was checked as it was loaded
        raise_problems(patient_conflicts(sessions))  # one patient, one birth date, across files
    return sessions


def make_batch(practice: Practice, claims: Iterable[Claim]) -> ClaimBatch:
    """The claims with the practice's submitter, receiver and envelope."""
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
    from claimkit.validation import ClaimResult, FileResult, ValidationResult, Validator, make_selection

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
                fr.claim_ids.append(item.claim_id)
            checked.report.extend(item.diagnostics)
            if progress is not None:
                progress(n)
        else:
            checked.report.diagnostics.append(item)
    checked.report.diagnostics = collapse_per_file(checked.report.diagnostics)
    return BuildOutcome(built, checked)


# -- the streaming build (claimkit build; claimkit.build with outputs) --------------------------
@dataclass
class BuildOptions:
    """What a streaming build writes (the CLI's options; see :func:`run_build`).

    ``to``: x12, xml or json. ``clean_only``/``rejects``: write the claims without error
    findings (the rejects report too with ``rejects``). ``numbers``: called once, only when the
    837P is written, for its (ISA13, GS06) (a control file's next numbers are then taken).
    ``now``: the interchange date/time. ``keep``: the severities the report lists.
    """

    to: str = "x12"
    clean_only: bool = False
    rejects: bool = False
    numbers: Callable[[Any], tuple[int, int]] = lambda _env: (1, 1)
    now: Any = None
    keep: tuple[str, ...] = ("error", "warning", "info")


@dataclass
class BuildRun:
    """What a streaming build did, and its report (it renders like a ValidationResult).

    ``status``: "written" (the output was written), "blocked" (error findings and neither
    --clean-only nor --rejects: nothing written), "config" (an error outside every claim: the
    configuration's; nothing can be written), "no_claims" (no claim passed: only the rejects
    report, if asked, is written), "empty" (no session in the input).
    """

    status: str = "empty"
    sessions: int = 0
    accepted: int = 0
    rejected: int = 0
    unbuilt: int = 0  # sessions whose error findings name no claim
    blocked: bool = False  # some claim or session has an error finding
    files: list[Any] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # those the report lists, in order
    severity_counts: dict[str, int] = field(default_factory=dict)  # every finding, by severity
    info_counts: dict[str, int] = field(default_factory=dict)  # every info finding, by rule

    @property
    def claim_count(self) -> int:
        """Claims checked (accepted and rejected)."""
        return self.accepted + self.rejected

    def counts(self) -> dict[str, int]:
        """Findings by severity (all of them, listed or not)."""
        return dict(self.severity_counts)


def run_build(paths: Sequence[str | Path], practice: Practice, outputs: Any, options: BuildOptions, *,
              today: date, registry: Any = None, selection: Selection | None = None,
              progress: Callable[[int, int], None] | None = None, jobs: int = 1,
              scheduler: str | None = None) -> BuildRun:
    """Build, check and write claims as a stream (flat memory; see claimkit/grouping.py).

    Sessions are indexed on disk, then built one pool (patient-day) at a time in the order of
    first appearance, in batches of pools; each claim is checked with the claim rules at once,
    and every ``CHECK_CHUNK`` claims their transaction set body is written once and both checked
    with validate's X12 scan (in memory) and kept for the output. The policy of ``claimkit
    build``: an error finding blocks all output unless ``clean_only``/``rejects`` (then the
    clean claims are written); an error outside every claim (the envelope, submitter or billing
    provider of the configuration) blocks everything. ``outputs`` is a
    :class:`claimkit.outputs.OutputSet` with ``--output`` (and ``--rejects``): written whole or
    not at all. ``progress(done, total)`` counts sessions built.

    ``jobs``: worker processes of this machine that build and check the pools (0: one per CPU;
    used from :data:`claimkit.build_parallel.MIN_SESSIONS` sessions); ``scheduler``: the address
    of a Dask cluster that does it instead (the ``claimkit[dask]`` extra; reached before any
    work, a ConfigError when it cannot be). The output is the one-process build's, byte for byte,
    with the same findings in the same order (claimkit/build_parallel.py).
    """
    from claimkit.builder import claim_keys
    from claimkit.grouping import SessionIndex
    from claimkit.loaders import iter_sessions
    from claimkit.validation import FileResult, Validator, make_selection

    if selection is None:
        selection = make_selection(config=practice.validate_)
    validator = Validator(practice=practice, registry=registry, today=today, selection=selection)
    run = BuildRun(severity_counts={"error": 0, "warning": 0, "info": 0})
    files: dict[str, Any] = {}

    def noted(sessions: Iterable[tuple[SessionRecord, SessionOrigin]]
              ) -> Iterator[tuple[SessionRecord, SessionOrigin]]:
        for rec, origin in sessions:
            if origin.file not in files:
                files[origin.file] = FileResult(origin.file, "sessions")
            yield rec, origin

    cluster = None
    if scheduler:  # reached first: an unreachable scheduler fails before any work
        from claimkit.dask.build import ClusterWorkers

        cluster = ClusterWorkers(scheduler)
    try:
        with SessionIndex(lambda r, o: claim_keys(practice, r, o)) as index:
            for p in paths:
                index.add_all(noted(iter_sessions(p)))
            raise_problems(index.patient_conflicts())  # one patient, one birth date, across files
            run.sessions = index.count
            run.files = list(files.values())
            if not index.count:
                return run
            runner: Any = cluster
            if cluster is not None:
                cluster.setup(practice=practice, registry=registry, today=today, selection=selection)
            else:
                from claimkit.build_parallel import LocalWorkers, workers_for

                workers = workers_for(jobs, index.count)
                runner = LocalWorkers(validator, workers) if workers > 1 else None
            stream = _Stream(validator, practice, options, run, files, index)
            stream.build_all(progress, runner)
            return stream.finish(outputs)
    except sqlite3.Error as exc:  # the index spilled to a full or unwritable temporary folder
        raise _temp_error(exc) from None
    finally:
        if cluster is not None:
            cluster.close([])


_SPOOL_MEMORY = 8 << 20  # bytes of transaction set bodies kept in memory before spilling to disk
# Claims per self-check: a chunk's claims, their results and their X12 text are in memory at
# once; the output's transaction sets still hold MAX_CLAIMS_PER_ST claims (see _Bodies). Where
# chunks start changes no byte and no finding (each claim's HL numbers are renumbered).
CHECK_CHUNK = 500


def _temp_error(exc: BaseException) -> Exception:
    """A failure of the build's temporary files as one line naming the folder (exit 2)."""
    import tempfile

    from claimkit.outputs import OutputError

    why = getattr(exc, "strerror", None) or str(exc)
    return OutputError(f"the build's temporary files in {tempfile.gettempdir()}: cannot write ({why}); "
                       "nothing written (free some space, or set TMPDIR to another folder)")


class _Stream:
    """One streaming build, the client's side: batches of pools out, results merged in order
    (claimkit/build_parallel.py builds and checks them), the findings kept and counted, the
    accepted claims' transaction sets spooled."""

    def __init__(self, validator: Any, practice: Practice, options: BuildOptions, run: BuildRun,
                 files: dict[str, Any], index: Any) -> None:
        from claimkit.x12.encoder import Encoder

        self.v, self.practice, self.opt, self.run, self.files, self.index = (
            validator, practice, options, run, files, index)
        self.enc = Encoder(newline=True)
        self.head_batch = make_batch(practice, [])
        self.pool_free: list[Diagnostic] = []  # builder findings naming no claim, pool order
        self.repeat_free: list[tuple[int, Diagnostic]] = []  # repeat findings naming no claim
        self.interchange: list[Diagnostic] = []
        self.claim_shown: list[Diagnostic] = []
        self.stale_seen: set[tuple] = set()
        self.rejected: list[tuple[Claim, list[Diagnostic]]] = []
        self.out = _Bodies(self, index)

    # -- building ---------------------------------------------------------------------------
    def build_all(self, progress: Callable[[int, int], None] | None, runner: Any = None) -> None:
        """Every pool, in batches, built here (``runner`` None) or by the runner's workers
        (claimkit.build_parallel.LocalWorkers, claimkit.dask.build.ClusterWorkers)."""
        from claimkit.build_parallel import BatchResult, batches, build_batch, in_order
        from claimkit.grouping import TakenIds

        dropped, found = self.index.repeats()
        # (scan position, 0, order found): the order the in-memory build reports repeats in
        by_at: dict[int, list[tuple[int, int, int, Diagnostic]]] = {}
        for n, (scan, at, d) in enumerate(found):
            by_at.setdefault(at, []).append((scan, 0, n, d))
        taken = TakenIds(self.index.db)

        def here(batch: Any) -> BatchResult:
            return build_batch(self.v, batch, taken)

        work = batches(self.index.pool_rows(), dropped, by_at, min(CHECK_CHUNK, MAX_CLAIMS_PER_ST),
                       keep_claims=self.opt.to != "x12")
        done = 0
        for result in in_order(work, here, runner, taken):
            self._merge(result)
            done += result.sessions
            if progress is not None:
                progress(done, self.run.sessions)
        self.out.close()

    def _merge(self, result: Any) -> None:
        """One batch's result, in the order the one-process build makes it."""
        self.pool_free.extend(result.pool_free)
        self.repeat_free.extend(result.repeat_free)
        claims = iter(result.claims)
        for chunk in result.chunks:
            for d in chunk.interchange:
                if d not in self.interchange:  # every transaction set repeats the envelope's findings
                    self.interchange.append(d)
            ok = []
            for block in chunk.blocks:
                built = next(claims)
                if self._claim_findings(built):
                    ok.append(block)
                    if built.claim is not None and self.opt.to != "x12":
                        self.out.kept.append(built.claim)
            self.out.add(chunk.billing, ok)

    def _claim_findings(self, built: Any) -> bool:
        """Count and keep one claim's findings; True when the claim has no error finding."""
        from claimkit.rules.content_currency import STALE_RULE

        fr = self.files.get(built.file)
        if fr is not None:
            fr.claims += 1
        blocking = []
        for d in built.diagnostics:
            if d.rule == STALE_RULE:  # collapse_per_file: one per file and codeset system
                key = (d.location.file, dict(d.values or {}).get("system"))
                if key in self.stale_seen:
                    continue
                self.stale_seen.add(key)
            self._count(d)
            if d.severity.value in self.opt.keep:
                self.claim_shown.append(d)
            if d.severity.value == "error":
                blocking.append(d)
        if blocking:  # (a claim with an error finding always comes back whole: build_parallel)
            self.rejected.append((built.claim, blocking))
            self.run.rejected += 1
            return False
        self.run.accepted += 1
        return True

    def _count(self, d: Diagnostic) -> None:
        self.run.severity_counts[d.severity.value] = self.run.severity_counts.get(d.severity.value, 0) + 1
        if d.severity.value == "info":
            self.run.info_counts[d.rule] = self.run.info_counts.get(d.rule, 0) + 1

    # -- the policy and the outputs ------------------------------------------------------------
    def finish(self, outputs: Any) -> BuildRun:
        from claimkit.selfcheck import is_interchange_finding
        from claimkit.splitting import SplitResult, rejects_report

        run = self.run
        free = [*self.pool_free, *(d for _, d in sorted(self.repeat_free, key=lambda t: t[0])),
                *self.interchange]
        for d in free:
            self._count(d)
        run.diagnostics = [d for d in free if d.severity.value in self.opt.keep] + self.claim_shown
        errors = [d for d in free if d.severity.value == "error"]
        run.unbuilt = len({(d.location.file, d.location.row) for d in errors if d.location.row is not None})
        run.blocked = bool(self.rejected) or bool(errors)
        if any(is_interchange_finding(d) for d in errors):
            run.status = "config"
        elif run.blocked and not (self.opt.clean_only or self.opt.rejects):
            run.status = "blocked"
        else:
            report = None
            if self.opt.rejects:
                parts = SplitResult([], self.rejected, {"total": run.claim_count, "accepted": run.accepted,
                                                        "rejected": run.rejected}, free, {})
                report = json.dumps(rejects_report(parts), indent=2) + "\n"
            if not run.accepted:
                run.status = "no_claims"
                if report is not None:
                    outputs.write({"--rejects": report})
            else:
                run.status = "written"
                with outputs:
                    with outputs.stream("--output") as fh:
                        self.out.write(fh)
                    if report is not None:
                        outputs.stage("--rejects", report)
        return run


class _Bodies:
    """The accepted claims' transaction sets, on disk (spooled) until the output is written.

    The self-check writes each chunk of claims once (:func:`claimkit.selfcheck.check_body`) and
    cuts it into the billing provider loop and one block per claim (each claim is its own
    subscriber loop); the accepted claims' blocks go to the output as they were checked, placed
    in the output's transaction sets,
    ``MAX_CLAIMS_PER_ST`` to a set as ``write_837`` places them: the billing provider loop once
    per set, each claim's HL numbers renumbered to follow the set's previous claim. XML and
    JSON outputs hold the accepted claims in memory (they are not streamed).
    """

    def __init__(self, stream: _Stream, index: Any) -> None:
        import tempfile

        self.s = stream
        self.kept: list[Claim] = []  # xml/json
        # in memory while small (the usual build), in the temporary folder beyond that
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)
        self.sets: list[tuple[int, int, int]] = []  # (start, end, segments) of each set's body
        self.claims = self.segments = self.hl = 0  # of the set being written
        self.start = 0

    def add(self, billing: list[str], blocks: list[list[str]]) -> None:
        """The accepted claims of one checked chunk: its billing provider loop and each
        accepted claim's block of segments, as the self-check wrote them."""
        if self.s.opt.to != "x12":
            return
        for block in blocks:
            if self.claims == MAX_CLAIMS_PER_ST:
                self.close()
            if self.claims == 0:
                self._write(billing)
                self.hl = 1  # the billing provider's HL (write_837 numbers from 1 in each set)
            self._write(self._renumbered(block))
            self.claims += 1

    def _renumbered(self, block: list[str]) -> list[str]:
        """One claim's segments with its HL01/HL02 following the set's HL numbers."""
        el, out, sub_hl = self.s.enc.d.element, [], "1"
        for seg in block:
            if seg.startswith("HL" + el):
                f = seg.split(el)
                self.hl += 1
                f[1], f[2] = str(self.hl), ("1" if f[3] == "22" else sub_hl)
                if f[3] == "22":
                    sub_hl = f[1]
                seg = el.join(f)
            out.append(seg)
        return out

    def _write(self, segments: list[str]) -> None:
        try:
            self.spool.write("".join(segments).encode("utf-8"))
        except OSError as exc:
            raise _temp_error(exc) from None
        self.segments += len(segments)

    def close(self) -> None:
        """End the transaction set being written (if any)."""
        if self.claims:
            end = self.spool.tell()
            self.sets.append((self.start, end, self.segments))
            self.start, self.claims, self.segments = end, 0, 0

    def write(self, fh: Any) -> None:
        """The output: the 837P around the spooled bodies, or the claims as XML/JSON."""
        s = self.s
        if s.opt.to == "json":
            from claimkit.claims_io import dump_claims

            fh.write(dump_claims(make_batch(s.practice, self.kept)))
            return
        if s.opt.to == "xml":
            from claimkit.xml import write_xml

            fh.write(write_xml(make_batch(s.practice, self.kept)))
            return
        from datetime import datetime

        from claimkit.x12.writer import interchange_head, interchange_tail, st_end, st_head

        isa, gs = s.opt.numbers(s.practice.envelope)
        now = s.opt.now or datetime.now()
        fh.write("".join(interchange_head(s.enc, s.practice.envelope, isa, gs, now)))
        for n, (start, end, segments) in enumerate(self.sets, start=1):
            st = f"{n:04d}"
            head = st_head(s.enc, s.head_batch, st, gs, now)
            fh.write("".join(head))
            self.spool.seek(start)
            left = end - start
            decode = codecs.getincrementaldecoder("utf-8")().decode
            while left:
                piece = self.spool.read(min(left, 1 << 20))
                fh.write(decode(piece, final=len(piece) == left))
                left -= len(piece)
            fh.write(st_end(s.enc, len(head) + segments + 1, st))
        fh.write("".join(interchange_tail(s.enc, len(self.sets), isa, gs)))
