"""``claimkit fix``: repair format-only problems of a session file (CK-F001..CK-F005).

Every repair is listed on stderr (line, column, field, old -> new, rule ID); values of people's
fields are hidden unless --show-phi. The repaired file goes to -o (written whole or not at all,
never over the input) or stdout. Exit codes: 0 written (or, with --check, nothing to repair),
1 --check found repairs or the repaired file still has problems the loader reports, 2 unusable
input or output.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from . import _common as c


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def fix(
    file: Annotated[Path, typer.Argument(help="a session file (CSV, JSON, JSON Lines or YAML)",
                                         show_default=False)],
    output: c.OutputOpt = None,
    check: Annotated[bool, typer.Option("--check", help="only list the repairs; write nothing; "
                                                        "exit 1 if any")] = False,
    show_phi: Annotated[bool, typer.Option("--show-phi", help="show the old and new values of "
                                                              "people's fields")] = False,
    quiet: c.QuietOpt = False,
    verbose: c.VerboseOpt = False,
) -> None:
    """Repair US dates, "30 min", ICD-10 dots, ZIP spacing and code case; never what is billed.

    Each kind of repair is a rule (CK-F001..CK-F005, see docs/rules.md). Anything that is not
    purely a matter of format is left for `claimkit validate` to report.
    """
    import claimkit

    c.verbosity(quiet, verbose)
    with c.guard([file]):
        if not file.is_file():
            c.fail(f"{file}: no such file")
        if output is not None and output.exists() and _same_file(file, output):
            c.fail(f"{output}: is the input file; write the repaired file elsewhere")
        fixed = claimkit.repair(file)
        for r in fixed.repairs:
            c.info(f"{file}: {r.describe(show_phi=show_phi)}")
        c.info(f"{len(fixed.repairs)} repair(s) in {file}" + ("" if check or not fixed.repairs
                                                              else f" -> {output or 'stdout'}"))
        if check:
            raise typer.Exit(c.EXIT_FINDINGS if fixed.repairs else c.EXIT_OK)
        c.emit(fixed.text, output)
        remaining = claimkit.remaining_problems(output or file, fixed.text)
        for line in remaining:  # what no format repair can settle: the user decides
            c.err(f"remaining: {line}")
        if remaining:
            raise typer.Exit(c.EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    """Add ``claimkit fix`` to the application."""
    app.command("fix")(fix)
