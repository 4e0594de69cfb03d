"""Validation orchestration: detect each input's kind, read it claim by claim, run the rules.

Inputs: 837P X12 files (streamed by ``claimkit.rules.scan.parser.scan_837``), claims JSON (as written
by ``claimkit build --to json`` or by hand) or claims XML, and session files (loaded and built
into claims with the practice configuration). Every claim goes through the claim-scope rules of the catalog;
X12 files also get the syntax and implementation-guide rules inside the scan.

Unusable input raises :class:`~claimkit.errors.InputError` (exit 2 at the CLI), or, with
``validate_paths(..., unusable="report")``, becomes one finding for that file (CK-I001 cannot
be read, CK-I002 not a kind claimkit reads, CK-I003 cut off; see claimkit.rules.input_files)
while the other files are still checked. Everything about content is a Diagnostic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from claimkit.diagnostics import Diagnostic, Location, Report, Severity
from claimkit.errors import ClaimkitError, ConfigError, InputError
from claimkit.models.claim import Claim
from claimkit.rules import engine
from claimkit.rules.catalog import load_catalog
from claimkit.rules.content_currency import collapse_per_file
from claimkit.rules.content_support import CachedRegistry
from claimkit.rules.engine import Context, Selection
from claimkit.validation.inputs import (
    KINDS,
    JsonClaimOrigin,
    Truncated,
    Unreadable,
    _first_byte,
    _x12_start,
    detect_kind,
    load_claims_json,
    read_head,
    sniff,
    x12_truncation,
)
from claimkit.validation.settings import RulesOnly, find_practice, load_config, make_selection
from claimkit.validation.spool import ClaimSpool

__all__ = [
    "KINDS", "ClaimResult", "ClaimSpool", "FileResult", "JsonClaimOrigin", "RulesOnly", "ValidationResult",
    "Truncated", "Unreadable", "Validator", "detect_kind", "find_practice", "load_claims_json",
    "load_config", "make_selection", "sniff", "validate_paths",
]


@dataclass
class ClaimResult:
    """One validated claim with where it came from and its findings (X12 and content rules)."""

    file: str
    claim: Claim | None  # None when validated in another process (only the ID came back)
    origin: Any  # an engine Origin: locate(line, field) -> Location
    diagnostics: list[Diagnostic] = field(default_factory=list)
    claim_id: str = ""  # always set; the claim's own ID when the claim is here

    def __post_init__(self) -> None:
        if self.claim is not None:
            self.claim_id = self.claim.claim_id


@dataclass
class FileResult:
    """What validating one input file gave: its kind, claim IDs, envelope info, or why unusable."""
    path: str
    kind: str
    claims: int = 0
    claim_ids: list[str] = field(default_factory=list)
    # X12 inputs: the parser's interchange info (ISA/GS/ST control numbers and counts) for
    # acknowledgments (999/277CA); empty for other kinds.
    interchanges: list[Any] = field(default_factory=list)
    # X12 inputs of a run that keeps claims: the envelope facts (claimkit.ack.info
    # InterchangeRefs) an acknowledgment needs, collected in the validation's own pass.
    envelopes: list[Any] = field(default_factory=list)
    # Why the file could not be used ("FILE: problem", one line), when it could not; its
    # finding (CK-I0xx) is in the report unless the user turned that rule off.
    error: str | None = None

    @property
    def usable(self) -> bool:
        """True unless the file could not be used at all."""
        return self.error is None


@dataclass
class ValidationResult:
    """Everything one validation run found; ``claims`` is filled only when asked (keep_claims),
    on disk (a :class:`ClaimSpool` of ClaimResults: iterate it, memory stays flat)."""

    files: list[FileResult] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    claims: ClaimSpool = field(default_factory=ClaimSpool)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every finding of the run, in report order."""
        return self.report.diagnostics

    @property
    def claim_count(self) -> int:
        """The number of claims validated, over all files."""
        return sum(f.claims for f in self.files)

    @property
    def unusable(self) -> list[FileResult]:
        """The files that could not be used at all (see ``validate_paths(unusable=...)``)."""
        return [f for f in self.files if not f.usable]

    def counts(self) -> dict[str, int]:
        """Findings by severity."""
        return self.report.counts()

    def failed(self, fail_on: Severity = Severity.ERROR) -> bool:
        """True when a finding is at ``fail_on`` or worse."""
        return bool(self.report.at_least(fail_on))


# -- orchestration ----------------------------------------------------------------------------
class Validator:
    """Validates files one at a time with one context (registry, practice, today, selection)."""

    def __init__(self, *, practice: Any = None, registry: Any = None, today: date,
                 selection: Selection | None = None, jobs: int = 1, keep_original: bool = True,
                 envelopes: bool = False) -> None:
        """``jobs``: processes for a large 837P, split between transaction sets and inside large
        ones (0: one per CPU; see :mod:`claimkit.validation.parallel`); claims then come back
        as IDs only.
        ``envelopes``: collect each X12 file's envelope facts during its scan (``self.envelopes``,
        by file name; with ``jobs=1``), for acknowledgments without a second read."""
        load_catalog()
        self.jobs = jobs
        self.keep_original = keep_original  # parsed claims keep their segments as sent (lossless)
        self.practice = practice
        if registry is None:
            from claimkit.codesets import registry_for

            registry = registry_for(getattr(practice, "codeset_store", None) if practice is not None else None)
        self.registry = CachedRegistry(registry)  # answers repeat across claims: compute once
        self.today = today
        self.selection = selection or Selection()
        self.interchanges: dict[str, list[Any]] = {}  # per X12 file, filled by the scan
        # per X12 file: InterchangeRefs collected during the scan (when keeping claims)
        self.envelopes: dict[str, list[Any]] = {}
        self.collect_envelopes = envelopes
        self.sessions_read: list[Any] = []  # session records of the session files so far
        self._claim_rules = engine.plan("claim", self.selection)  # resolved once, not per claim

    def context(self, file: str) -> Context:
        """The rules' context for ``file`` (registry, practice, today)."""
        return Context(registry=self.registry, today=self.today, practice=self.practice, file=file)

    def iter_file(self, path: str | Path, kind: str = "auto") -> Iterator[ClaimResult | Diagnostic]:
        """Yield a ClaimResult per claim and a Diagnostic for each finding outside any claim."""
        p = Path(path)
        if kind not in KINDS:
            raise ConfigError(f"unknown input kind {kind!r}; choose one of {', '.join(KINDS)}")
        if kind == "auto":
            kind = self.detect(p)
        else:
            head = read_head(p)
            if kind == "x12":
                _x12_start(head, str(p), whole=p.stat().st_size <= len(head))
        yield from {"x12": self._x12, "claims": self._claims, "sessions": self._sessions}[kind](p)

    def detect(self, path: Path) -> str:
        """The kind of ``path`` (:func:`sniff`); without a practice, text (not JSON) that could
        be CSV or YAML but never names session_id is not taken for session records (whose
        message would be "session records need the practice configuration"): it is no input."""
        kind = sniff(path)
        if kind == "sessions" and (self.practice is None or isinstance(self.practice, RulesOnly)):
            head = read_head(path).removeprefix(b"\xef\xbb\xbf").lstrip()
            if head[:1] not in (b"{", b"[") and b"session_id" not in head:
                raise InputError("no ISA segment: not an X12 file", file=str(path))
        return kind

    def check_claim(self, claim: Claim, origin: Any, file: str,
                    before: Iterable[Diagnostic] = (), ctx: Context | None = None) -> ClaimResult:
        """Run the claim rules on one claim; ``ctx`` may be shared by the claims of one file
        (rules only read it), which saves building one per claim on large files."""
        if ctx is None:
            ctx = self.context(file)
        diags = engine.check("claim", self._claim_rules, claim, ctx, origin, before)
        if diags:
            diags = [_with_file(d, file) for d in diags]
        return ClaimResult(file, claim, origin, diags)

    def _x12(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        cut = x12_truncation(path)
        if cut is not None:  # first: the cause of the envelope findings at the end
            d = self.input_finding(Truncated(cut, file=str(path)))
            if d is not None:
                yield d
        if self.jobs != 1:
            from claimkit.validation import parallel

            plan = parallel.shares(path, self.jobs)
            if len(plan) > 1:
                yield from parallel.validate_x12(self, path, plan)
                return
        watch = None
        if self.collect_envelopes:  # gathered by the validation's own pass: read once
            from claimkit.ack.info import InterchangeCollector

            collector = InterchangeCollector()
            self.envelopes[str(path)] = collector.interchanges  # complete with the scan
            watch = collector.feed
        scan, items = self.x12_stream(path, watch=watch)
        self.interchanges[str(path)] = scan.interchanges  # complete once the scan is exhausted
        yield from items

    def iter_x12_text(self, text: str, name: str) -> Iterator[ClaimResult | Diagnostic]:
        """The claim results and findings of an 837P held in memory (``name`` stands for its
        file in the findings): what ``build`` checks its own output with, without writing it."""
        from claimkit.rules.scan.parser import scan_837

        ctx = self.context(name)
        scan = scan_837(text, file=name, ctx=ctx, selection=self.selection, keep_original=False)
        yield from self._x12_items(scan, name, ctx)

    def x12_stream(self, path: Path, *, share: tuple[tuple, tuple] | None = None,
                   envelope: bool = True, watch: Callable[[Any], None] | None = None
                   ) -> tuple[Any, Iterator[ClaimResult | Diagnostic]]:
        """(scan, items): the 837P scan of ``path`` (``share``/``envelope`` restrict it to a part
        of the file, see :func:`claimkit.rules.scan.parser.scan_837`) and the claim results and
        findings it leads to, in file order."""
        from claimkit.rules.scan.parser import scan_837

        ctx = self.context(str(path))
        scan = scan_837(path, file=str(path), ctx=ctx, selection=self.selection, share=share,
                        envelope=envelope, keep_original=self.keep_original and share is None,
                        watch=watch)
        return scan, self._x12_items(scan, str(path), ctx)

    def _x12_items(self, scan: Any, name: str, ctx: Context
                   ) -> Iterator[ClaimResult | Diagnostic]:
        pending: list[Diagnostic] = []
        check = self.check_claim
        for item in scan:
            if isinstance(item, Diagnostic):
                if item.location.claim_id:
                    pending.append(item)  # attach to its claim when the claim arrives
                else:
                    yield item
                continue
            mine: list[Diagnostic] = []
            if pending:
                cid = item.claim.claim_id
                mine = [d for d in pending if d.location.claim_id == cid]
                for d in pending:
                    if d.location.claim_id != cid:
                        yield d  # a finding for a claim that never completed
                pending = []
            yield check(item.claim, item.origin, name, mine, ctx)
        yield from pending

    def _claims(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        name = str(path)
        if _first_byte(path) == b"<":
            from claimkit.xml.reader import read_xml_with_origins

            batch, origins = read_xml_with_origins(path)
            pairs: Iterable[tuple[Claim, Any]] = zip(batch.claims, origins)
        else:
            pairs = load_claims_json(path)
        ctx = self.context(name)
        for claim, origin in pairs:
            yield self.check_claim(claim, origin, name, (), ctx)

    def _sessions(self, path: Path) -> Iterator[ClaimResult | Diagnostic]:
        from claimkit.builder import build_claims
        from claimkit.loaders import load_sessions

        name = str(path)
        if self.practice is None or isinstance(self.practice, RulesOnly):
            raise ConfigError("session records need the practice configuration to become claims "
                              "(claimkit.toml, [tool.claimkit] in pyproject.toml, or --config)",
                              file=name)
        records = list(load_sessions(path))
        built = build_claims(records, self.practice, self.registry)
        from claimkit.duplicates import across_files

        across_files(self.sessions_read, records, built)  # the same session in two files
        self.sessions_read.extend(records)
        yield from self.check_built(built)

    def check_built(self, built: Any) -> Iterator[ClaimResult | Diagnostic]:
        """Check claims the builder just made (a BuildResult), with the builder's own findings
        (after the user's selection and severities) attached to their claims, and the findings
        of the 837P they would be written as (:mod:`claimkit.selfcheck`)."""
        by_claim: dict[str | None, list[Diagnostic]] = {}
        for d in built.diagnostics:
            d = self._select(d)
            if d is not None:
                by_claim.setdefault(d.location.claim_id, []).append(d)
        known = {c.claim_id for c in built.claims}
        for cid, diags in by_claim.items():
            if cid not in known:
                yield from diags
        # the 837P these claims make, through the X12 scan too (claimkit/selfcheck.py)
        from claimkit.selfcheck import check_output, merge

        x12 = check_output(self, built)
        yield from x12.interchange
        for claim, origin in zip(built.claims, built.origins):
            file = origin.file or ""  # not locate(): that would work out the positions of every record
            r = self.check_claim(claim, origin, file, by_claim.get(claim.claim_id, []))
            r.diagnostics = merge(r.diagnostics, x12.by_claim.get(claim.claim_id, []))
            yield r

    def input_finding(self, exc: ClaimkitError) -> Diagnostic | None:
        """The CK-I0xx finding for a file that cannot be used (None when the user turned the
        rule off). A "line N" / "row N" place becomes the location's row."""
        r = load_catalog()[getattr(exc, "rule", "CK-I002")]
        if not self.selection.enabled(r):
            return None
        row = column = None
        message = exc.detail
        m = _PLACE.match(exc.where or "")
        if m:
            row = int(m.group(2))
            column = int(m.group(3)) if m.group(3) else None
        if exc.where and not (m and m.end() == len(exc.where)):
            message = f"{exc.where}: {message}"
        fix = next((f for key, f in _INPUT_FIXES if key in exc.detail), _INPUT_FIX[r.id])
        return Diagnostic(r.id, self.selection.severity_of(r), message,
                          Location(file=exc.file, row=row, column=column), r.slug, fix, r.level)

    def _select(self, d: Diagnostic) -> Diagnostic | None:
        """Apply the user's selection and severity overrides to a builder finding."""
        r = load_catalog().get(d.rule)
        if r is None:
            return d
        if not self.selection.enabled(r):
            return None
        sev = self.selection.severity_of(r)
        return d if sev == d.severity else Diagnostic(d.rule, sev, d.message, d.location, d.slug,
                                                      d.fix, d.level, d.values)


_PLACE = re.compile(r"(line|row) (\d+)(?:,? column (\d+))?")
_INPUT_FIX = {
    "CK-I001": "check the path and the file's permissions",
    "CK-I002": "correct the file where the message says, or give the right file",
    "CK-I003": "copy the file again, whole, or ask the sender for a complete file",
}
_INPUT_FIXES = (  # (text of the message, fix) for the usual CK-I002 cases
    ("UTF-16", "save the file as ASCII or UTF-8 text (an 837P is plain ASCII)"),
    ("no ISA", "give an 837P (it starts with ISA), claims JSON/XML or a session file"),
    ("practice configuration", "pass --config claimkit.toml (or put claimkit.toml here)"),
)


def _with_file(d: Diagnostic, file: str) -> Diagnostic:
    return d if d.location.file else d.with_location(file=file)


def validate_paths(paths: Sequence[str | Path], *, kind: str = "auto", practice: Any = None,
                   registry: Any = None, today: date, selection: Selection | None = None,
                   keep_claims: bool = False, jobs: int = 1,
                   progress: Callable[[str, int], None] | None = None,
                   unusable: str = "raise") -> ValidationResult:
    """Validate files and collect every finding.

    Args:
        paths: input files (each detected by content unless ``kind`` forces one).
        kind: "auto", "x12", "claims" or "sessions".
        practice: the practice configuration, or None (payer rules are then skipped; session
            files need one).
        registry: a codeset registry (default: bundled plus the practice's codeset store).
        today: the date rules compare with (the caller reads the clock).
        selection: rule selection and severity overrides.
        keep_claims: keep every ClaimResult (claims, origins, per-claim findings) in
            ``result.claims`` (a ClaimSpool: on a temporary file, read back on iteration), and
            for X12 files the envelope facts (``FileResult.envelopes``): what acknowledgments
            and the accepted/rejected split are made of, from this one read
            (claimkit.clearinghouse.triage_kept); off by default.
        jobs: worker processes for large 837P files (1: this process only; 0: one per CPU).
            Ignored with ``keep_claims``, which needs the claims in this process.
        progress: called as ``progress(file, claims_done)`` after each claim.
        unusable: what a file that cannot be used does: "raise" its InputError (the run
            stops), or "report" it as one finding for that file (CK-I001/CK-I002/CK-I003;
            ``FileResult.error`` says why) and go on with the other files. Findings the file
            gave before the problem are dropped.
    """
    if unusable not in ("raise", "report"):
        raise ValueError(f"unusable must be 'raise' or 'report', not {unusable!r}")
    v = Validator(practice=practice, registry=registry, today=today, selection=selection,
                  jobs=1 if keep_claims else jobs, keep_original=keep_claims, envelopes=keep_claims)
    result = ValidationResult()
    for path in paths:
        fr = FileResult(str(path), kind if kind != "auto" else "unknown")
        result.files.append(fr)
        found, kept = len(result.report.diagnostics), len(result.claims)
        try:
            _read_file(v, result, fr, Path(path), kind, keep_claims, progress)
        except (InputError, ConfigError) as exc:
            # A ConfigError about this file (session records without a practice) is about
            # this input only; one about the configuration stops the run.
            if unusable == "raise" or (isinstance(exc, ConfigError) and exc.file != fr.path):
                raise
            # What the file gave before the problem is dropped: a file is read or it is not.
            del result.report.diagnostics[found:]
            del result.claims[kept:]
            fr.claims, fr.claim_ids, fr.error = 0, [], str(exc)
            for problem in getattr(exc, "problems", None) or [exc]:  # every problem of the file
                d = v.input_finding(problem if problem.file else InputError(problem.detail, file=fr.path))
                if d is not None:
                    result.report.diagnostics.append(d)
            more = getattr(exc, "more", 0)
            if more:
                d = v.input_finding(InputError(f"{more} more problem(s) not listed",
                                               file=exc.file or fr.path))
                if d is not None:
                    result.report.diagnostics.append(d)
        fr.interchanges = v.interchanges.pop(fr.path, [])
        fr.envelopes = v.envelopes.pop(fr.path, []) if fr.usable else []
    result.report.diagnostics = collapse_per_file(result.report.diagnostics)
    return result


def _read_file(v: Validator, result: ValidationResult, fr: FileResult, path: Path, kind: str,
               keep_claims: bool, progress: Callable[[str, int], None] | None) -> None:
    if kind == "auto":
        fr.kind = v.detect(path)
    for item in v.iter_file(path, fr.kind):
        if isinstance(item, Diagnostic):
            result.report.diagnostics.append(_with_file(item, fr.path))
            continue
        fr.claims += 1
        fr.claim_ids.append(item.claim_id)
        result.report.extend(item.diagnostics)
        if keep_claims:
            result.claims.append(item)
        if progress is not None:
            progress(fr.path, fr.claims)
