"""``claimkit preview``: claims shown as the CMS-1500 boxes, in the terminal or as HTML."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _common as c


def preview(
    file: Annotated[Path, typer.Argument(help="an 837P, claims JSON/XML or a session file", show_default=False)],
    config: c.ConfigOpt = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="write a self-contained HTML page here "
                                                                  "instead")] = None,
    claim: Annotated[Optional[list[str]], typer.Option("--claim", help="only this claim ID (repeatable)")] = None,
    show_phi: Annotated[bool, typer.Option("--show-phi", help="show names, birth dates, member IDs and "
                                                              "addresses")] = False,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Show each claim the way the CMS-1500 paper form lays it out (boxes 1a-33, lines 24A-J).

    Names are shown as initials, birth dates hidden and the insured's ID cut to its last 4
    characters unless --show-phi. Session files are built into claims first (they need the
    practice configuration).
    """
    import claimkit
    from claimkit.preview import render_html, render_terminal  # presentation: the CLI's own output

    c.verbosity(quiet, verbose)
    with c.guard([file]):
        if not file.is_file():
            c.fail(f"{file}: no such file")
        practice = claimkit.load_settings(config)  # --config, else found upwards, else None
        forms = claimkit.claim_forms(file, settings=practice, today=c.today(), show_phi=show_phi,
                                     claim_ids=claim or None)
        if claim and not forms:
            c.fail(f"{file}: no claim with ID {', '.join(sorted(set(claim)))}", c.EXIT_FINDINGS)
        if html is not None:
            c.write_atomic(html, render_html(forms, title=f"claimkit preview: {file.name}"))
            c.info(f"wrote {len(forms)} claim(s) to {html}")
            return
        from rich.console import Console

        render_terminal(forms, Console())


def register(app: typer.Typer) -> None:
    """Add ``claimkit preview`` to the application."""
    app.command("preview")(preview)
