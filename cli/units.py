"""`claimkit units`: the 15-minute unit calculator (CMS total-time or AMA per-code rule)."""
from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Optional

import typer

import claimkit
from claimkit.messages import plural

from ._common import QuietOpt, TextJson, VerboseOpt, err, fail, parse_day, today, verbosity


class Rule(str, Enum):
    """The unit rules: CMS total time or AMA per code."""
    cms = "cms"
    ama = "ama"


def units(
    services: Annotated[list[str], typer.Argument(metavar="CODE=MINUTES...",
                                                  help="timed services, e.g. 97112=24 97110=23")],
    rule: Annotated[Rule, typer.Option("--rule", help="cms: pool the day's minutes; ama: each code alone")] = Rule.cms,
    fmt: Annotated[TextJson, typer.Option("--format", "-f", help="output format: text or json")] = TextJson.text,
    on: Annotated[Optional[str], typer.Option(
        "--on", help="date of service (default today): which codes are timed on it")] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Compute billable units from minutes of the services of one patient's day.

    Timed codes follow the rule; untimed codes bill 1 unit (their minutes are not pooled); the
    time model of each code comes from the codeset on the date. The same code given twice is
    summed. Ties under the CMS rule list the other allowed choices.
    """
    verbosity(quiet, verbose)
    pairs: list[tuple[str, int]] = []
    for item in services:
        code, sep, minutes = item.partition("=")
        code = code.strip().upper()
        if not sep or not code or not minutes.strip().isdigit():
            fail(f"{item!r}: expected CODE=MINUTES with whole minutes >= 0, e.g. 97110=23")
        pairs.append((code, int(minutes)))
    day = parse_day(on) or today()
    try:
        result = claimkit.day_units(pairs, rule.value, day)
    except claimkit.TimeModelError as exc:
        fail(f"{exc} (on {day.isoformat()}); see `claimkit codeset show CODE --on DATE`")
    alloc, carried = result.allocation, result.carried_forward
    if fmt is TextJson.json:
        typer.echo(json.dumps(alloc.to_dict() | {"carried_forward": carried}, indent=2))
        return
    typer.echo(f"rule {alloc.rule}: {alloc.total_minutes} timed minutes; {plural(alloc.total_units, 'unit')} in all")
    for ln in alloc.lines:
        typer.echo(f"  {ln.code}  {ln.minutes:>4} min  {plural(ln.units, 'unit')}")
    for alt in alloc.alternatives:
        typer.echo("  also allowed: " + ", ".join(f"{ln.code} x{ln.units}" for ln in alt))
    for note in carried if not quiet else ():
        err(f"note: {note['code']}'s time model is carried forward from {note['release']}, which ended "
            f"{note['ended']} (no newer procedure release installed): {note['update']}")


def register(app: typer.Typer) -> None:
    """Add ``claimkit units`` to the application."""
    app.command("units")(units)
