"""`claimkit parse`: an 837P -> the claims it carries, as claims JSON or claims XML."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c


class ParseTo(str, Enum):
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
    from claimkit.claims_io import read_837_batch, sniff_format
    from claimkit.diagnostics import Severity
    from claimkit.rules.engine import Context

    c.verbosity(quiet, verbose)
    with c.guard():
        if not file.is_file():
            c.fail(f"{file}: no such file")
        if sniff_format(file) != "x12":
            c.fail(f"{file}: not an X12 file (no ISA at the start)")
        outs = c.outputs([file], output=output)  # before any work
        ctx = Context(registry=None, today=c.today(), file=str(file))
        if to is ParseTo.json:
            # Claim by claim into the output: memory stays flat whatever the file's size
            # (issue 14); the text is the one dump_claims writes for the whole batch.
            from claimkit.claims_stream import parse_837_json

            with outs, outs.stream("--output") as out:
                s = parse_837_json(file, out, ctx=ctx, on_claim=lambda claim: c.detail(
                    f"claim {claim.claim_id}: {len(claim.lines)} line(s)"))
            count, errors, invalid = s.claims, s.errors, s.invalid
        else:
            from claimkit.xml import write_xml

            parsed = read_837_batch(file, ctx=ctx)
            outs.write({"--output": write_xml(parsed.batch)})
            errors = sum(1 for d in parsed.diagnostics if d.severity is Severity.ERROR)
            for claim in parsed.batch.claims:
                c.detail(f"claim {claim.claim_id}: {len(claim.lines)} line(s)")
            count, invalid = len(parsed.batch.claims), parsed.invalid
        c.info(f"parsed {count} claim(s) from {file}"
              + (f" -> {output}" if output else "")
              + (f"; {errors} syntax/guide error(s): run `claimkit validate {file}`" if errors else ""))
        for claim_id, why in invalid:
            c.err(f"error: {file}: claim {claim_id} not written: {why}")
        if invalid:
            raise typer.Exit(c.EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("parse")(parse)
