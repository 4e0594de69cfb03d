"""`claimkit units`: the 15-minute unit calculator (CMS total-time or AMA per-code rule)."""
from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from claimkit.units import get_policy

from ._common import TextJson, fail


class Rule(str, Enum):
    cms = "cms"
    ama = "ama"


def units(
    services: Annotated[list[str], typer.Argument(metavar="CODE=MINUTES...",
                                                  help="timed services, e.g. 97112=24 97110=23")],
    rule: Annotated[Rule, typer.Option("--rule", help="cms: pool the day's minutes; ama: each code alone")] = Rule.cms,
    fmt: Annotated[TextJson, typer.Option("--format")] = TextJson.text,
) -> None:
    """Compute billable units from minutes of timed codes on one date.

    The same code given twice is summed. Ties under the CMS rule list the other allowed choices.
    """
    pairs: list[tuple[str, int]] = []
    for item in services:
        code, sep, minutes = item.partition("=")
        code = code.strip().upper()
        if not sep or not code or not minutes.strip().isdigit():
            fail(f"{item!r}: expected CODE=MINUTES with whole minutes >= 0, e.g. 97110=23")
        pairs.append((code, int(minutes)))
    alloc = get_policy(rule.value).allocate(pairs)
    if fmt is TextJson.json:
        typer.echo(json.dumps(alloc.to_dict(), indent=2))
        return
    typer.echo(f"rule {alloc.rule}: {alloc.total_minutes} timed minutes -> {alloc.total_units} units")
    for ln in alloc.lines:
        typer.echo(f"  {ln.code}  {ln.minutes:>4} min  {ln.units} unit(s)")
    for alt in alloc.alternatives:
        typer.echo("  also allowed: " + ", ".join(f"{ln.code} x{ln.units}" for ln in alt))


def register(app: typer.Typer) -> None:
    app.command("units")(units)
