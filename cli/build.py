"""`claimkit build`: session files -> checked claims -> X12 837P (default), XML or JSON."""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c
from ._findings import report_findings
from ._progress import progress_counter


class To(str, Enum):
    x12 = "x12"
    xml = "xml"
    json = "json"


def build(
    sessions: Annotated[Optional[list[Path]], typer.Argument(help="session files: .csv .json .jsonl .yaml",
                                                             show_default=False)] = None,
    demo: Annotated[bool, typer.Option("--demo", help="use the demo practice bundled with claimkit")] = False,
    config: c.ConfigOpt = None,
    to: Annotated[To, typer.Option("--to", help="output format")] = To.x12,
    output: c.OutputOpt = None,
    clean_only: Annotated[bool, typer.Option("--clean-only", help="write the claims without error findings; list the others")] = False,
    rejects: Annotated[Optional[Path], typer.Option("--rejects", help="write clean claims to the output and a JSON report of the rejected ones here")] = None,
    control_number: Annotated[int, typer.Option("--control-number", min=1, max=999_999_999, help="ISA13/GS06 to use")] = 1,
    control_file: Annotated[Optional[Path], typer.Option("--control-file", help="take the next ISA13/GS06 from this file (locked, never reused)")] = None,
    timestamp: Annotated[Optional[str], typer.Option("--timestamp", help="interchange date/time (default now), e.g. 2026-01-05T09:30")] = None,
    show_phi: Annotated[bool, typer.Option("--show-phi", help="allow names, birth dates, member IDs in messages")] = False,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Build claims from session records and write them as an 837P (or XML, JSON).

    Every claim is checked with the validator's rules, and the 837P they make with its X12
    checks (what `claimkit validate` would say of the output). With an error-level finding
    nothing is written (exit 1) unless --clean-only or --rejects: then the clean claims are
    written and the others listed (exit 1 all the same, so scripts notice); an error in the
    envelope, submitter or billing provider blocks every claim. Findings go to stderr: errors and
    warnings one per line, info findings counted by rule (--verbose lists them, --quiet shows
    errors only).
    """
    from claimkit.config import load_practice
    from claimkit.pipeline import build_and_check, load_all, make_batch
    from claimkit.report import renderer
    from claimkit.splitting import rejects_report, split

    c.verbosity(quiet, verbose)
    with c.guard(sessions or ()):
        stamp = c.parse_timestamp(timestamp)  # a bad option fails before any work
        if demo:  # the bundled copy: works from any directory of an installed claimkit
            from claimkit._resources import data_path

            sessions = [*(sessions or []), data_path("fixtures", "demo", "sessions.jsonl")]
            config = config or data_path("fixtures", "demo", "claimkit.toml")
        if not sessions:
            c.fail("give session files (or --demo)")
        for p in sessions:
            if not p.is_file():
                c.fail(f"{p}: " + ("is a directory, not a session file" if p.is_dir() else "no such file"))
        outs = c.outputs([*sessions, *([config] if config else [])], control_file, output=output,
                         rejects=rejects)  # before any work
        practice = load_practice(config)
        with progress_counter("loading sessions", enabled=len(sessions) > 1) as tick:
            loaded = load_all(sessions, progress=tick)
        if not loaded:
            c.fail(f"{', '.join(map(str, sessions))}: no session records in the input")
        with progress_counter("checking claims", enabled=len(loaded) >= 1000) as tick:
            outcome = build_and_check(loaded, practice, today=c.today(), progress=tick)
        report_findings(outcome.checked, renderer("text"), show_phi=show_phi)
        parts = split(outcome.claims, outcome.diagnostics)
        blocked = bool(parts.rejected) or any(d.severity.value == "error" for d in parts.unattributed)
        if _whole_output_blocked(parts):  # no claim can go out in an 837P validate rejects
            c.err("error: the 837P's envelope, submitter or billing provider (from the practice "
                  "configuration) has error findings: nothing written (fix the configuration)")
            raise typer.Exit(c.EXIT_FINDINGS)
        if blocked and not (clean_only or rejects):
            c.err(f"error: {len(parts.rejected)} claim(s) and {_unbuilt(parts)} session(s) have error "
                  "findings: nothing written (fix them, or use --clean-only / --rejects FILE to "
                  "write the others)")
            raise typer.Exit(c.EXIT_FINDINGS)
        if not parts.accepted:  # an interchange without claims is not a valid 837P: write none
            if rejects is not None:
                outs.write({"--rejects": json.dumps(rejects_report(parts), indent=2) + "\n"})
            c.err("error: no claim passed the checks: nothing written")
            raise typer.Exit(c.EXIT_FINDINGS)
        batch = make_batch(practice, parts.accepted)
        text = _render(batch, to, outcome, control_file, control_number, stamp)
        written = {"--output": text}
        if rejects is not None:
            written["--rejects"] = json.dumps(rejects_report(parts), indent=2) + "\n"
        outs.write(written)  # all or none
        s = parts.summary
        c.info(f"built {s['accepted']} claim(s) from {len(loaded)} session(s)"
              + (f"; {s['rejected']} rejected" + (f" -> {rejects}" if rejects else "") if s["rejected"] else "")
              + (f"; written to {output}" if output else ""))
        if blocked:
            raise typer.Exit(c.EXIT_FINDINGS)


def _unbuilt(parts) -> int:
    """Sessions whose error findings name no claim (nothing of them could be billed)."""
    return len({(d.location.file, d.location.row) for d in parts.unattributed
                if d.severity.value == "error" and d.location.row is not None})


def _whole_output_blocked(parts) -> bool:
    """An error in the would-be 837P outside every claim (claimkit/selfcheck.py): it would be
    in any output, so --clean-only and --rejects cannot write around it."""
    from claimkit.selfcheck import is_interchange_finding

    return any(d.severity.value == "error" and is_interchange_finding(d) for d in parts.unattributed)


def _render(batch, to: To, outcome, control_file, control_number: int, stamp) -> str:
    if to is To.json:
        from claimkit.claims_io import dump_claims

        return dump_claims(batch)
    if to is To.xml:
        from claimkit.xml import write_xml

        return write_xml(batch)
    from claimkit.control import numbers_for
    from claimkit.x12.writer import X12DataError, write_837

    isa, gs = numbers_for(batch.envelope, control_file, control_number)
    try:
        return write_837(batch, isa_control=isa, gs_control=gs, now=stamp or c.now())
    except X12DataError as exc:  # name the session file and row the value came from
        where = outcome.origin_of(exc.claim_id)
        c.fail(f"{where.describe()}: {exc}" if where else str(exc))


def register(app: typer.Typer) -> None:
    app.command("build")(build)
