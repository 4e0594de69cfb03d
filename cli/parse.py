"""`claimkit parse`: an 837P -> the claims it carries, as claims JSON or claims XML."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c
from ._progress import ClaimTicker, progress_counter


class ParseTo(str, Enum):
    """Formats ``claimkit parse`` writes."""
    json = "json"
    xml = "xml"


def parse(
    file: Annotated[Path, typer.Argument(help="an X12 837P (005010X222A1) file", show_default=False)],
    to: Annotated[ParseTo, typer.Option("--to", help="output format")] = ParseTo.json,
    output: c.OutputOpt = None,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Read the claims of an 837P into claimkit's domain models and write them out.

    Claims that cannot be represented (e.g. an address without a city) are listed on stderr
    and the exit code is 1; the others are still written. Syntax findings are counted here;
    `claimkit validate` reports them in full.
    """
    import claimkit

    c.verbosity(quiet, verbose)
    with c.guard([file]):
        if not file.is_file():
            c.fail(f"{file}: no such file")
        if claimkit.file_format(file) != "x12":
            c.fail(f"{file}: not an X12 file (no ISA at the start)")
        outs = c.outputs([file], output=output)  # before any work
        on_claim = ClaimTicker()

        # Claim by claim into the output (JSON): memory stays flat whatever the file's size
        # (issue 14); a total from the file's CLM segments when the progress line is shown.
        with progress_counter("parsing claims", total=lambda: claimkit.count_claims(file)) as tick:
            on_claim.tick = tick
            with outs, outs.stream("--output") as out:
                s = claimkit.parse_into(file, out, to=to.value, today=c.today(), on_claim=on_claim)
        c.info(f"parsed {s.claims} claim(s) from {file}"
               + (f" -> {output}" if output else "")
               + (f"; {s.errors} syntax/guide error(s): run `claimkit validate {file}`" if s.errors else ""))
        for claim_id, why in s.invalid:
            c.err(f"error: {file}: claim {claim_id} not written: {why}")
        if s.invalid:
            raise typer.Exit(c.EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``claimkit parse`` to the application."""
    app.command("parse")(parse)
