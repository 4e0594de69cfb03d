"""`claimkit build`: session files -> checked claims -> X12 837P (default) or JSON."""
from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from claimkit.pipeline import BuildOutcome

from . import _common as c
from ._progress import progress_counter


class To(str, Enum):
    x12 = "x12"
    json = "json"


def build(
    sessions: Annotated[Optional[list[Path]], typer.Argument(help="session files: .csv .json .jsonl .yaml",
                                                             show_default=False)] = None,
    demo: Annotated[bool, typer.Option("--demo", help="use the demo practice bundled with claimkit")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="claimkit.toml or pyproject.toml")] = None,
    to: Annotated[To, typer.Option("--to", help="output format")] = To.x12,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="file to write (default stdout)")] = None,
    clean_only: Annotated[bool, typer.Option("--clean-only", help="write the claims without error findings; report the others")] = False,
    control_number: Annotated[int, typer.Option("--control-number", min=1, max=999_999_999, help="ISA13/GS06 to use")] = 1,
    timestamp: Annotated[Optional[datetime], typer.Option("--timestamp", help="interchange date/time (default now), e.g. 2026-01-05T09:30")] = None,
    show_phi: Annotated[bool, typer.Option("--show-phi", help="allow names, birth dates, member IDs in messages")] = False,
) -> None:
    """Build claims from session records and write them as an 837P (or JSON).

    Every claim is checked with the validator's rules; with an error-level finding nothing is
    written (exit 1) unless --clean-only, which writes the clean claims and lists the others.
    """
    from claimkit.checks import check_built
    from claimkit.codesets import default_registry
    from claimkit.config import load_practice
    from claimkit.pipeline import build_sessions, load_all, make_batch

    with c.guard():
        if demo:  # the bundled copy: works from any directory of an installed claimkit
            from claimkit._resources import data_path

            sessions = [*(sessions or []), data_path("fixtures", "demo", "sessions.jsonl")]
            config = config or data_path("fixtures", "demo", "claimkit.toml")
        if not sessions:
            c.fail("give session files (or --demo)")
        practice = load_practice(config)
        for p in sessions:
            if not p.is_file():
                c.fail(f"{p}: no such file")
        with progress_counter("loading sessions", enabled=len(sessions) > 1) as tick:
            loaded = load_all(sessions, progress=tick)
        registry = default_registry(Path(practice.codeset_store) if practice.codeset_store else None)
        outcome = build_sessions(loaded, practice, registry,
                                 check=lambda res: check_built(res, practice, registry, c.today()))
        _report(outcome, show_phi)
        bad = outcome.claims_with_errors()
        if bad and not clean_only:
            c.err(f"{len(bad)} claim(s) have error findings: nothing written "
                  "(fix them, or use --clean-only to write the others)")
            raise typer.Exit(c.EXIT_FINDINGS)
        claims = [cl for cl in outcome.batch.claims if cl.claim_id not in bad]
        batch = make_batch(practice, claims)
        if to is To.json:
            text = json.dumps(batch.model_dump(mode="json"), indent=2) + "\n"
        else:
            from claimkit.x12.writer import X12DataError, write_837

            try:
                text = write_837(batch, isa_control=control_number, gs_control=control_number,
                                 now=timestamp or c.now())
            except X12DataError as exc:  # name the session file and row the value came from
                where = outcome.origin_of(exc.claim_id)
                c.fail(f"{where.describe()}: {exc}" if where else str(exc))
        c.emit(text, output)
        c.err(f"built {len(claims)} claim(s) from {len(loaded)} session(s)"
              + (f"; {len(bad)} claim(s) held back with errors" if bad else "")
              + (f" -> {output}" if output else ""))
        if bad:
            raise typer.Exit(c.EXIT_FINDINGS)


def _report(outcome: BuildOutcome, show_phi: bool) -> None:
    for d in outcome.diagnostics:
        c.err(f"{d.severity.value}: {d.location.describe()}: {d.rule} {d.message}"
              + (f" (fix: {d.fix})" if d.fix else ""))


def register(app: typer.Typer) -> None:
    app.command("build")(build)
