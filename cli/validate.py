"""``claimkit validate``: check 837P files, claims JSON or session files; report in CI formats.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 unusable input or configuration.
A file that cannot be used is one finding for that file (CK-I001..CK-I003) and the other files
are still checked; exit 2 (a line per file on stderr, no report) only when no file could be
used. --ack/--accepted/--rejects answer one 837P and exit 2 when it cannot be used; the file is read
once: the acknowledgment, the accepted 837P and the rejects come from the validation's pass.
The report goes to stdout (or -o FILE); progress and errors go to stderr.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from claimkit.errors import ConfigError

if TYPE_CHECKING:  # the validator and its models load when a command runs, not at CLI start
    from claimkit.diagnostics import Severity
    from claimkit.rules.engine import Selection
    from claimkit.validation import ValidationResult

from ._common import (EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ConfigOpt, QuietOpt, VerboseOpt, detail, emit,
                      err, guard, info, now, outputs, today, verbosity)
from ._findings import report_findings
from ._progress import progress_counter


class Kind(str, Enum):
    auto = "auto"
    x12 = "x12"
    claims = "claims"
    sessions = "sessions"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    html = "html"


class Ack(str, Enum):
    ack999 = "999"
    ack277ca = "277ca"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass
class Settings:
    """Configuration after precedence: found config file, then --config, then flags."""

    practice: Any
    selection: Selection
    fail_on: Severity


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _severities(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _split(values):
        key, sep, level = item.partition("=")
        if not sep or not key.strip() or not level.strip():
            raise ConfigError(f"--severity wants ID=LEVEL (e.g. CK-D006=error), got {item!r}")
        out[key.strip()] = level.strip().lower()
    return out


def settings(config: Path | None, select: list[str] | None, ignore: list[str] | None,
             severity: list[str] | None, fail_on: Level | None) -> Settings:
    """Resolve the practice and the rule selection (config file, then --config, then flags)."""
    from claimkit.diagnostics import Severity
    from claimkit.validation import find_practice, load_config, make_selection

    practice = load_config(config) if config is not None else find_practice()
    vcfg = getattr(practice, "validate_", None)
    selection = make_selection(config=vcfg, select=_split(select), ignore=_split(ignore),
                               severity=_severities(severity))
    level = fail_on.value if fail_on is not None else getattr(vcfg, "fail_on", "error")
    return Settings(practice, selection, Severity(level))


def write_report(result: ValidationResult, fmt: Format, output: Path | None, *, show_phi: bool,
                 fail_on: Severity) -> None:
    from claimkit.report import renderer

    emit(renderer(fmt.value)(result, show_phi=show_phi, fail_on=fail_on), output)


def exit_code(result: ValidationResult, fail_on: Severity, exit_zero: bool) -> int:
    return EXIT_OK if exit_zero or not result.failed(fail_on) else EXIT_FINDINGS


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="837P X12 files, claims JSON or session files")],
        kind: Annotated[Kind, typer.Option("--kind", help="input kind; auto = detect by content")] = Kind.auto,
        config: ConfigOpt = None,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="report format")] = Format.text,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="write the report here")] = None,
        fail_on: Annotated[Optional[Level], typer.Option("--fail-on", help="lowest severity that fails (default error)")] = None,
        exit_zero: Annotated[bool, typer.Option("--exit-zero", help="exit 0 even with findings")] = False,
        select: Annotated[Optional[list[str]], typer.Option("--select", help="only these rules (IDs, slugs, prefixes; comma-separated)")] = None,
        ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="skip these rules")] = None,
        severity: Annotated[Optional[list[str]], typer.Option("--severity", help="override a rule's severity: ID=LEVEL")] = None,
        show_phi: Annotated[bool, typer.Option("--show-phi", help="include names, birth dates, member IDs in reports")] = False,
        ack: Annotated[Optional[Ack], typer.Option("--ack", help="write a 999 or 277CA for the 837P to -o (or stdout); the report then goes to stderr or --report")] = None,
        report_file: Annotated[Optional[Path], typer.Option("--report", help="with --ack: write the report here")] = None,
        accepted: Annotated[Optional[Path], typer.Option("--accepted", help="837P input: write its claims without blocking findings here (a valid 837P)")] = None,
        rejects: Annotated[Optional[Path], typer.Option("--rejects", help="837P input: write the rejected claims with their findings here (JSON)")] = None,
        control_number: Annotated[int, typer.Option("--control-number", min=1, max=999_999_999, help="ISA13/GS06 for --ack/--accepted")] = 1,
        control_file: Annotated[Optional[Path], typer.Option("--control-file", help="take ISA13/GS06 for --ack/--accepted from this file (locked, never reused)")] = None,
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="processes for a large 837P, split between transaction sets and inside large ones (0: one per CPU; 1: this process only)")] = 0,
        scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="run on the Dask cluster at this address, e.g. tcp://host:8786 (needs claimkit[dask]; see docs/scale.md)")] = None,
        quiet: QuietOpt = False,
        verbose: VerboseOpt = False,
    ) -> None:
        """Validate claims: syntax, guide, balancing, code sets by date of service, payer edits.

        Checks 837P files, claims JSON or session files: syntax, the implementation guide,
        balancing, situational rules, code sets by date of service, therapy and payer edits.
        """
        from claimkit.report import renderer
        from claimkit.validation import validate_paths

        verbosity(quiet, verbose)
        with guard(paths):
            outs = outputs([*paths, *([config] if config else [])], control_file, output=output,
                           accepted=accepted, rejects=rejects,
                           report=report_file if ack is not None else None)  # before any work
            s = settings(config, select, ignore, severity, fail_on)
            triage = bool(ack or accepted or rejects)
            if triage:
                _single_x12(paths, kind)
            if scheduler:  # files become tasks on a Dask cluster; the rest runs here (claimkit.dask.cli)
                from claimkit.dask.cli import on_cluster
                validate_paths = on_cluster(scheduler)
            with progress_counter("validating claims") as tick:
                result = validate_paths(paths, kind=kind.value, practice=s.practice, today=today(),
                                        selection=s.selection, jobs=jobs,
                                        progress=lambda _file, n: n % 200 or tick(n),
                                        unusable="raise" if triage else "report",
                                        keep_claims=triage)  # triage: claims kept, read once
            if result.files and not any(f.usable for f in result.files):
                for f in result.files:  # nothing was read: no report, as for a usage error
                    err(f"error: {f.error}")
                raise typer.Exit(EXIT_USAGE)
            for f in result.files:
                detail(f"{f.path}: {f.kind}, {f.claims} claim(s)" + (f"; {f.error}" if f.error else ""))
            written: dict[str, str] = {}
            if triage:
                written = _triage(paths[0], result, s, ack=ack, output=output, accepted=accepted,
                                  rejects=rejects, control_file=control_file, control_number=control_number)
            if ack is not None and report_file is None:  # -o carried the acknowledgment
                report_findings(result, renderer("text"), show_phi=show_phi)
            else:
                written["--report" if ack is not None else "--output"] = renderer(fmt.value)(
                    result, show_phi=show_phi, fail_on=s.fail_on)
            outs.write(written)  # all or none
        raise typer.Exit(exit_code(result, s.fail_on, exit_zero))


def _single_x12(paths: list[Path], kind: Kind) -> None:
    """--ack/--accepted/--rejects answer one 837P file."""
    from claimkit.validation import sniff

    if len(paths) != 1:
        raise ConfigError("--ack, --accepted and --rejects take exactly one 837P file")
    if kind not in (Kind.auto, Kind.x12) or sniff(paths[0]) != "x12":
        raise ConfigError("--ack, --accepted and --rejects need an 837P (X12) file", file=str(paths[0]))


def _triage(path: Path, result: ValidationResult, s: Settings, *, ack: Ack | None,
            output: Path | None, accepted: Path | None, rejects: Path | None,
            control_file: Path | None, control_number: int) -> dict[str, str]:
    """Acknowledgment, accepted 837P and rejects report by option, for one OutputSet."""
    import json

    from claimkit.clearinghouse import acknowledgment, envelopes_of, parsed_of, triage_837
    from claimkit.control import numbers_for
    from claimkit.x12.writer import write_837

    clock = now()
    written: dict[str, str] = {}
    # What the validation's pass read (the file is not read again): its envelopes, and its
    # claims for the split and the 277CA.
    envelopes = envelopes_of(result, path)
    parsed = parsed_of(result, path) if accepted or rejects or ack == Ack.ack277ca else None
    if accepted or rejects:
        t = triage_837(path, result.diagnostics, today=clock.date(), fail_on=s.fail_on,
                       parsed=parsed)
        if accepted and t.accepted_batch.claims:
            isa, gs = numbers_for(t.accepted_batch.envelope, control_file, control_number)
            written["--accepted"] = write_837(t.accepted_batch, isa_control=isa, gs_control=gs, now=clock)
        elif accepted:  # an interchange without claims is not a valid 837P: write none
            info(f"no claim accepted: {accepted} not written")
        if rejects:
            written["--rejects"] = json.dumps(t.rejects(str(path)), indent=2) + "\n"
        sm = t.split.summary
        info(f"{sm['total']} claim(s): {sm['accepted']} accepted, {sm['rejected']} rejected"
            + (f" ({len(t.not_encodable)} accepted claim(s) could not be re-encoded; see --rejects)"
               if t.not_encodable else ""))
    if ack is not None:
        sender = envelopes[0] if envelopes else None
        isa = control_number
        if control_file is not None and sender is not None:
            # the acknowledgment travels back: receiver -> sender of the incoming file
            from claimkit.models.claim import Envelope

            back = Envelope(sender_qualifier=sender.receiver_qualifier, sender_id=sender.receiver_id,
                            receiver_qualifier=sender.sender_qualifier, receiver_id=sender.sender_id)
            isa, _ = numbers_for(back, control_file, control_number)
        written["--output"] = acknowledgment(path, result.diagnostics, ack.value, control=isa,
                                             now=clock, parsed=parsed, interchanges=envelopes)
    return written
