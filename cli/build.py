"""`claimkit build`: session files -> checked claims -> X12 837P (default), XML or JSON."""
from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c
from ._progress import progress_counter


class To(str, Enum):
    """Output formats of ``build``."""

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
    clean_only: Annotated[bool, typer.Option(
        "--clean-only", help="write the claims without error findings; list the others")] = False,
    rejects: Annotated[Optional[Path], typer.Option(
        "--rejects", help="write clean claims to the output and a JSON report of the rejected ones here")] = None,
    control_number: Annotated[int, typer.Option(
        "--control-number", min=1, max=999_999_999, help="ISA13/GS06 to use")] = 1,
    control_file: Annotated[Optional[Path], typer.Option(
        "--control-file", help="take the next ISA13/GS06 from this file (locked, never reused)")] = None,
    timestamp: Annotated[Optional[str], typer.Option(
        "--timestamp", help="interchange date/time (default now), e.g. 2026-01-05T09:30")] = None,
    show_phi: Annotated[bool, typer.Option(
        "--show-phi", help="allow names, birth dates, member IDs in messages")] = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=0,
        help="processes that build and check claims, from a few thousand sessions "
             "(0: one per CPU; 1: this process only)")] = 0,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="build on the Dask cluster at this address, e.g. tcp://host:8786 "
                            "(needs claimkit[dask]; see docs/scale.md)")] = None,
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

    From a few thousand sessions the pools are built on every CPU (-j); --scheduler builds them on
    a Dask cluster. Either way the output and the findings are those of a one-process build.
    """
    import claimkit

    c.verbosity(quiet, verbose)
    with c.guard(sessions or ()):
        stamp = c.parse_timestamp(timestamp)  # a bad option fails before any work
        if demo:  # the bundled copy: works from any directory of an installed claimkit
            demo_sessions, demo_config = claimkit.demo_practice()
            sessions = [*(sessions or []), demo_sessions]
            config = config or demo_config
        if not sessions:
            c.fail("give session files (or --demo)")
        for p in sessions:
            if not p.is_file():
                c.fail(f"{p}: " + ("is a directory, not a session file" if p.is_dir() else "no such file"))
        outs = c.outputs([*sessions, *([config] if config else [])], control_file, output=output,
                         rejects=rejects)  # before any work
        practice = claimkit.load_settings(config)
        keep = ("error", "warning", "info") if c.is_verbose() else (
            ("error",) if c.is_quiet() else ("error", "warning"))
        with contextlib.ExitStack() as stack:
            ticks: list = []

            def progress(done: int, total: int) -> None:
                if not ticks:  # the total is known once the sessions are indexed
                    ticks.append(stack.enter_context(progress_counter(
                        "building claims", enabled=total >= 1000, total=total)))
                ticks[0](done)

            run = claimkit.build(
                sessions, settings=practice, today=c.today(), outputs=outs, to=to.value,
                clean_only=clean_only, rejects=rejects is not None, control_number=control_number,
                control_file=control_file, now=stamp or c.now(), report=keep, progress=progress,
                jobs=jobs, scheduler=scheduler)  # the output is the same whatever -j/--scheduler say
        if run.status == "empty":
            c.fail(f"{', '.join(map(str, sessions))}: no session records in the input")
        _report(run, lambda r, **kw: claimkit.render_report(r, "text", **kw), show_phi=show_phi)
        if run.status == "config":  # no claim can go out in an 837P validate rejects
            c.err("error: the 837P's envelope, submitter or billing provider (from the practice "
                  "configuration) has error findings: nothing written (fix the configuration)")
            raise typer.Exit(c.EXIT_FINDINGS)
        if run.status == "blocked":
            c.err(f"error: {run.rejected} claim(s) and {run.unbuilt} session(s) have error "
                  "findings: nothing written (fix them, or use --clean-only / --rejects FILE to "
                  "write the others)")
            raise typer.Exit(c.EXIT_FINDINGS)
        if run.status == "no_claims":  # an interchange without claims is not a valid 837P: write none
            c.err("error: no claim passed the checks: nothing written")
            raise typer.Exit(c.EXIT_FINDINGS)
        c.info(f"built {run.accepted} claim(s) from {run.sessions} session(s)"
              + (f"; {run.rejected} rejected" + (f" -> {rejects}" if rejects else "") if run.rejected else "")
              + (f"; written to {output}" if output else ""))
        if run.blocked:
            raise typer.Exit(c.EXIT_FINDINGS)


def _report(run, render, *, show_phi: bool) -> None:
    """The findings on stderr as cli/_findings.report_findings prints them: the run keeps only
    the findings the report lists and counts the info findings by rule (flat memory)."""
    lines = render(run, show_phi=show_phi).rstrip("\n").split("\n")
    if c.is_verbose():
        c.err("\n".join(lines))
        return
    if c.is_quiet():
        lines = lines[:-1]  # the last line is the summary of counts
    elif run.info_counts:
        lines.insert(-1, f"{sum(run.info_counts.values())} info finding(s) not listed ("
                     + ", ".join(f"{rule} x{n}" for rule, n in sorted(run.info_counts.items()))
                     + "); --verbose lists them")
    if lines:
        c.err("\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add ``build`` to the CLI."""
    app.command("build")(build)
