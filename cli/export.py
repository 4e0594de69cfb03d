"""`claimkit export`: claims (JSON, XML or an 837P) -> claims XML, X12 837P or claims JSON."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c
from ._progress import ClaimTicker, progress_counter


class ExportTo(str, Enum):
    """Formats ``claimkit export`` writes."""
    xml = "xml"
    x12 = "x12"
    json = "json"


def export(
    claims: Annotated[Path, typer.Argument(help="claims JSON, claims XML or an X12 837P", show_default=False)],
    to: Annotated[ExportTo, typer.Option("--to", help="output format")],
    output: c.OutputOpt = None,
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="claimkit.toml: submitter, receiver and envelope for claims files without them")] = None,
    control_file: Annotated[Optional[Path], typer.Option(
        "--control-file", help="take ISA13/GS06 from this control-number file (x12)")] = None,
    control_number: Annotated[int, typer.Option(
        "--control-number", min=1, max=999_999_999, help="ISA13/GS06 when no --control-file (x12)")] = 1,
    timestamp: Annotated[Optional[str], typer.Option(
        "--timestamp", help="interchange date/time (default now), e.g. 2026-01-05T09:30")] = None,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Convert claims between formats; an 837P is written with fresh control numbers.

    XML output follows the shipped schema (urn:claimkit:claims:1.0). Input kind is judged by
    content. Claims are converted, not validated: run `claimkit validate` for findings.
    """
    import claimkit

    c.verbosity(quiet, verbose)
    with c.guard([claims]):
        if not claims.is_file():
            c.fail(f"{claims}: no such file")
        outs = c.outputs([claims, *([config] if config else [])], control_file, output=output)
        defaults = claimkit.load_settings(config) if config is not None else None
        when = c.parse_timestamp(timestamp) or c.now()
        on_claim = ClaimTicker()

        def run(stream: bool) -> int:
            with outs, outs.stream("--output") as out:
                return claimkit.export_into(claims, out, to=to.value, settings=defaults, stream=stream,
                                            control_file=control_file, control_number=control_number,
                                            now=when, on_claim=on_claim)

        with progress_counter("exporting claims", total=lambda: claimkit.count_claims(claims)) as tick:
            on_claim.tick = tick
            try:
                # Claims JSON -> 837P one transaction set at a time: memory stays flat (issue 14).
                # The stream goes through the run's OutputSet, so a problem found late leaves no
                # partial output; control numbers are taken once the envelope is known (a file
                # found bad after that leaves a gap in the numbers, never a reuse).
                n = run(stream=to is ExportTo.x12)
            except claimkit.NotStreamable:
                on_claim.done = 0  # read whole instead: that names the problem, if any
                n = run(stream=False)
        c.info(f"exported {n} claim(s) as {to.value}" + (f" -> {output}" if output else ""))


def register(app: typer.Typer) -> None:
    """Add ``claimkit export`` to the application."""
    app.command("export")(export)
