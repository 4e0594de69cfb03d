"""``claimkit validate``: check 837P files, claims JSON or session files; report in CI formats.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 unusable input or configuration.
A file that cannot be used is one finding for that file (CK-I001..CK-I003) and the other files
are still checked; exit 2 (a line per file on stderr, no report) only when no file could be
used. --ack/--accepted/--rejects answer one 837P and exit 2 when it cannot be used; the file is read
once: the acknowledgment, the accepted 837P and the rejects come from the validation's pass.
The report goes to stdout (or -o FILE); progress and errors go to stderr.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Optional, TextIO

import typer

import claimkit

if TYPE_CHECKING:  # the validator and its models load when a command runs, not at CLI start
    from claimkit import RuleSettings, Severity, ValidationResult

from ._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    ConfigOpt,
    QuietOpt,
    VerboseOpt,
    detail,
    err,
    guard,
    info,
    now,
    outputs,
    today,
    verbosity,
)
from ._findings import report_findings, text_report
from ._progress import files_progress


class Kind(str, Enum):
    """What the input files are (auto: judged by content)."""
    auto = "auto"
    x12 = "x12"
    claims = "claims"
    sessions = "sessions"


class Format(str, Enum):
    """Report formats."""
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    html = "html"


class Ack(str, Enum):
    """Acknowledgments ``--ack`` writes."""
    ack999 = "999"
    ack277ca = "277ca"


class Level(str, Enum):
    """Severities ``--fail-on`` takes."""
    error = "error"
    warning = "warning"
    info = "info"


def settings(config: Path | None, select: list[str] | None, ignore: list[str] | None,
             severity: list[str] | None, fail_on: Level | None) -> tuple[object, RuleSettings]:
    """The configuration (--config, else found upwards) and its rule settings with the flags on top."""
    practice = claimkit.load_settings(config)
    return practice, claimkit.rule_settings(practice, select=select, ignore=ignore, severity=severity,
                                            fail_on=fail_on.value if fail_on is not None else None)


def report(result: ValidationResult, fmt: Format, *, show_phi: bool, fail_on: Severity) -> str:
    """The report in ``fmt``; a text report summarises info findings unless --verbose."""
    if fmt is Format.text:
        return text_report(result, lambda r, **kw: claimkit.render_report(r, "text", **kw),
                           show_phi=show_phi, fail_on=fail_on)
    return claimkit.render_report(result, fmt.value, show_phi=show_phi, fail_on=fail_on)


def exit_code(result: ValidationResult, fail_on: Severity, exit_zero: bool) -> int:
    """0 unless a finding reaches --fail-on (and not --exit-zero), else 1."""
    return EXIT_OK if exit_zero or not result.failed(fail_on) else EXIT_FINDINGS


def register(app: typer.Typer) -> None:
    """Add ``claimkit validate`` to the application."""
    @app.command("validate")
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="837P X12 files, claims JSON or session files")],
        kind: Annotated[Kind, typer.Option("--kind", help="input kind; auto = detect by content")] = Kind.auto,
        config: ConfigOpt = None,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="report format")] = Format.text,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="write the report here")] = None,
        fail_on: Annotated[Optional[Level], typer.Option(
            "--fail-on", help="lowest severity that fails (default error)")] = None,
        exit_zero: Annotated[bool, typer.Option("--exit-zero", help="exit 0 even with findings")] = False,
        select: Annotated[Optional[list[str]], typer.Option(
            "--select", help="only these rules (IDs, slugs, prefixes; comma-separated)")] = None,
        ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="skip these rules")] = None,
        severity: Annotated[Optional[list[str]], typer.Option(
            "--severity", help="override a rule's severity: ID=LEVEL")] = None,
        show_phi: Annotated[bool, typer.Option(
            "--show-phi", help="include names, birth dates, member IDs in reports")] = False,
        ack: Annotated[Optional[Ack], typer.Option(
            "--ack", help="write a 999 or 277CA for the 837P to -o (or stdout); the report then goes to stderr or "
                          "--report")] = None,
        report_file: Annotated[Optional[Path], typer.Option(
            "--report", help="with --ack: write the report here")] = None,
        accepted: Annotated[Optional[Path], typer.Option(
            "--accepted", help="837P input: write its claims without blocking findings here (a valid 837P)")] = None,
        rejects: Annotated[Optional[Path], typer.Option(
            "--rejects", help="837P input: write the rejected claims with their findings here (JSON)")] = None,
        control_number: Annotated[int, typer.Option(
            "--control-number", min=1, max=999_999_999, help="ISA13/GS06 for --ack/--accepted")] = 1,
        control_file: Annotated[Optional[Path], typer.Option(
            "--control-file",
            help="take ISA13/GS06 for --ack/--accepted from this file (locked, never reused)")] = None,
        jobs: Annotated[int, typer.Option(
            "--jobs", "-j", min=0,
            help="processes for a large 837P, split between transaction sets and inside large ones "
                 "(0: one per CPU; 1: this process only)")] = 0,
        scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="run on the Dask cluster at this address, e.g. tcp://host:8786 (needs claimkit[dask]; see docs/scale.md)")] = None,  # noqa: E501
        quiet: QuietOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Validate claims: syntax, guide, balancing, code sets by date of service, payer edits.

        Checks 837P files, claims JSON or session files: syntax, the implementation guide,
        balancing, situational rules, code sets by date of service, therapy and payer edits.
        """
        verbosity(quiet, verbose)
        with guard(paths):
            outs = outputs([*paths, *([config] if config else [])], control_file, output=output,
                           accepted=accepted, rejects=rejects,
                           report=report_file if ack is not None else None)  # before any work
            practice, rules = settings(config, select, ignore, severity, fail_on)
            triage = bool(ack or accepted or rejects)
            if triage:
                claimkit.require_one_837(paths, kind.value)
            with files_progress("validating claims", paths) as progress:
                result = claimkit.validate(paths, kind=kind.value, settings=practice, today=today(),
                                           selection=rules.selection, jobs=jobs, progress=progress,
                                           scheduler=scheduler,  # files become tasks on a Dask cluster
                                           unusable="raise" if triage else "report",
                                           keep_claims=triage)  # triage: claims kept, read once
            if result.files and not any(f.usable for f in result.files):
                for f in result.files:  # nothing was read: no report, as for a usage error
                    err(f"error: {f.error}")
                raise typer.Exit(EXIT_USAGE)
            for f in result.files:
                detail(f"{f.path}: {f.kind}, {f.claims} claim(s)" + (f"; {f.error}" if f.error else ""))
            written: dict[str, str | bytes] = {}
            streamed: dict[str, Callable[[TextIO], None]] = {}
            if triage:
                written, streamed = _triage(paths[0], result, rules.fail_on, ack=ack, accepted=accepted,
                                            rejects=rejects, control_file=control_file, control_number=control_number)
            if ack is not None and report_file is None:  # -o carried the acknowledgment
                report_findings(result, lambda r, **kw: claimkit.render_report(r, "text", **kw),
                                show_phi=show_phi)
            else:
                written["--report" if ack is not None else "--output"] = report(
                    result, fmt, show_phi=show_phi, fail_on=rules.fail_on)
            with outs:  # all or none
                for option, write in streamed.items():
                    with outs.stream(option) as fh:  # the accepted 837P, piece by piece
                        write(fh)
                for option, data in written.items():
                    outs.stage(option, data)
        raise typer.Exit(exit_code(result, rules.fail_on, exit_zero))


def _triage(path: Path, result: ValidationResult, fail_on: Severity, *, ack: Ack | None,
            accepted: Path | None, rejects: Path | None, control_file: Path | None,
            control_number: int) -> tuple[dict[str, str | bytes], dict[str, Callable[[TextIO], None]]]:
    """Acknowledgment, accepted 837P and rejects report by option, for one OutputSet: texts to
    stage and writers to stream (what each holds is claimkit.policy's decision; this only names
    the outputs and says so)."""
    t = claimkit.triage(path, result, ack=ack.value if ack is not None else None, accepted=accepted is not None,
                        rejects=rejects is not None, fail_on=fail_on, control_file=control_file,
                        control_number=control_number, now=now(), stream=True)
    written: dict[str, str | bytes] = {}
    streamed: dict[str, Callable[[TextIO], None]] = {}
    if t.write_accepted is not None:
        streamed["--accepted"] = t.write_accepted
    elif accepted:
        info(f"no claim accepted: {accepted} not written")
    if t.rejects is not None:
        written["--rejects"] = t.rejects
    if t.ack is not None:
        written["--output"] = t.ack
    if accepted or rejects:
        sm = t.summary
        info(f"{sm['total']} claim(s): {sm['accepted']} accepted, {sm['rejected']} rejected"
             + (f" ({len(t.not_encodable)} accepted claim(s) could not be re-encoded; see --rejects)"
                if t.not_encodable else ""))
    return written, streamed
