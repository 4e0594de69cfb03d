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
    from claimkit.preview import form_of, load_claims, render_html, render_terminal

    c.verbosity(quiet, verbose)
    with c.guard([file]):
        if not file.is_file():
            c.fail(f"{file}: no such file")
        practice = None
        if config is not None:
            from claimkit.validation import load_config

            practice = load_config(config)
        else:
            from claimkit.validation import find_practice

            practice = find_practice()
        from claimkit.codesets import default_registry

        claims = load_claims(file, practice=practice, registry=default_registry(), today=c.today())
        if claim:
            wanted = set(claim)
            claims = [x for x in claims if x.claim_id in wanted]
            if not claims:
                c.fail(f"{file}: no claim with ID {', '.join(sorted(wanted))}", c.EXIT_FINDINGS)
        forms = [form_of(x, show_phi=show_phi) for x in claims]
        if html is not None:
            c.write_atomic(html, render_html(forms, title=f"claimkit preview: {file.name}"))
            c.info(f"wrote {len(forms)} claim(s) to {html}")
            return
        from rich.console import Console

        render_terminal(forms, Console())


def register(app: typer.Typer) -> None:
    """Add ``claimkit preview`` to the application."""
    app.command("preview")(preview)
