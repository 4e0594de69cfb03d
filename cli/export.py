"""`claimkit export`: claims (JSON, XML or an 837P) -> claims XML, X12 837P or claims JSON."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c


class ExportTo(str, Enum):
    xml = "xml"
    x12 = "x12"
    json = "json"


def export(
    claims: Annotated[Path, typer.Argument(help="claims JSON, claims XML or an X12 837P", show_default=False)],
    to: Annotated[ExportTo, typer.Option("--to", help="output format")],
    output: c.OutputOpt = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="claimkit.toml: submitter, receiver and envelope for claims files without them")] = None,
    control_file: Annotated[Optional[Path], typer.Option("--control-file", help="take ISA13/GS06 from this control-number file (x12)")] = None,
    control_number: Annotated[int, typer.Option("--control-number", min=1, max=999_999_999, help="ISA13/GS06 when no --control-file (x12)")] = 1,
    timestamp: Annotated[Optional[str], typer.Option("--timestamp", help="interchange date/time (default now), e.g. 2026-01-05T09:30")] = None,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Convert claims between formats; an 837P is written with fresh control numbers.

    XML output follows the shipped schema (urn:claimkit:claims:1.0). Input kind is judged by
    content. Claims are converted, not validated: run `claimkit validate` for findings.
    """
    from claimkit.claims_io import dump_claims, load_batch
    from claimkit.rules.engine import Context

    c.verbosity(quiet, verbose)
    with c.guard():
        if not claims.is_file():
            c.fail(f"{claims}: no such file")
        outs = c.outputs([claims, *([config] if config else [])], control_file, output=output)
        defaults = None
        if config is not None:
            from claimkit.config import load_practice

            defaults = load_practice(config)
        if to is ExportTo.x12 and _streamed(claims, outs, output, defaults, control_file,
                                            control_number, timestamp):
            return
        batch = load_batch(claims, defaults=defaults,
                           ctx=Context(registry=None, today=c.today(), file=str(claims)))
        if to is ExportTo.xml:
            from claimkit.xml import write_xml

            text = write_xml(batch)
        elif to is ExportTo.json:
            text = dump_claims(batch)
        else:
            from claimkit.x12.writer import write_837

            from claimkit.control import numbers_for

            isa, gs = numbers_for(batch.envelope, control_file, control_number)
            text = write_837(batch, isa_control=isa, gs_control=gs, now=c.parse_timestamp(timestamp) or c.now())
        outs.write({"--output": text})
        for claim in batch.claims:
            c.detail(f"claim {claim.claim_id}: {len(claim.lines)} line(s)")
        c.info(f"exported {len(batch.claims)} claim(s) as {to.value}" + (f" -> {output}" if output else ""))


def _streamed(claims: Path, outs, output: Optional[Path], defaults, control_file: Optional[Path],
              control_number: int, timestamp: Optional[str]) -> bool:
    """Claims JSON -> 837P one transaction set at a time, so memory stays flat whatever the
    file's size (issue 14); False (nothing written) when the file is not claims JSON in the
    layout claimkit writes, or has a problem: it is then read whole, which names the problem.

    The X12 goes through the run's OutputSet (a temp file, renamed or copied to stdout at the
    end), so a problem found late leaves no partial output. Control numbers are taken when the
    envelope is known, before the claims are all read: a file found bad after that leaves a
    gap in the numbers, never a reuse."""
    from claimkit.claims_io import sniff_format
    from claimkit.claims_stream import Fallback, export_837
    from claimkit.control import numbers_for

    if sniff_format(claims) != "json":
        return False
    when = c.parse_timestamp(timestamp) or c.now()
    try:
        with outs, outs.stream("--output") as out:
            n = export_837(claims, out, defaults=defaults, now=when,
                           numbers=lambda env: numbers_for(env, control_file, control_number),
                           on_claim=lambda claim: c.detail(
                               f"claim {claim.claim_id}: {len(claim.lines)} line(s)"))
    except Fallback:
        return False
    c.info(f"exported {n} claim(s) as x12" + (f" -> {output}" if output else ""))
    return True


def register(app: typer.Typer) -> None:
    app.command("export")(export)
