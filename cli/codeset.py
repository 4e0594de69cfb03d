"""`claimkit codeset ...`: list, show, diff, import, verify and status of the versioned code sets."""
from __future__ import annotations

import functools
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from claimkit import InputError

# The code-set store's own public interface (registry, store, import, diff, display forms):
# managing code sets is not claim policy, so the CLI reads it directly (see tests/test_cli_api_only.py).
from claimkit.codesets import default_registry, default_store, import_files
from claimkit.codesets.diff import FIELDS, diff_dict, shown
from claimkit.codesets.icd import display, lookup_dict

from ._common import OutputOpt, QuietOpt, VerboseOpt, emit, err, guard, info, is_quiet, today, verbosity
from ._common import TextJson as Format
from ._progress import progress_counter

app = typer.Typer(help="Versioned code sets by date of service.", no_args_is_help=True,
                  rich_markup_mode="markdown")


def register(main_app: typer.Typer) -> None:
    """Hook for cli/app.py's command discovery."""
    main_app.add_typer(app, name="codeset")


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format: text or json")]
StoreOpt = Annotated[
    Optional[Path],
    typer.Option("--store", envvar="CLAIMKIT_CODESET_STORE", help="user codeset store directory "
                 "(default: the per-user data directory)"),
]


def _guard(fn: Callable) -> Callable:
    """Turn claimkit errors into one line on stderr and exit code 2 (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        verbosity(kwargs.get("quiet", False), kwargs.get("verbose", False))
        with guard():
            return fn(*args, **kwargs)

    return wrapper


def _day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _registry(store: Path | None):
    return default_registry(store if store is not None else default_store())


def _out(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


@app.command("list")
@_guard
def list_(system: Annotated[Optional[str], typer.Argument(help="only this system")] = None,
          store: StoreOpt = None, fmt: FormatOpt = Format.text,
          quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Installed releases per system, with effective ranges and where they come from."""
    rels = _registry(store).releases(system)
    if fmt is Format.json:
        return _out([r.as_dict() for r in rels])
    rows = [(r.system, r.name, f"{r.effective_from or '...'} .. {r.effective_to or '...'}", r.origin,
             r.source + (" (answers later dates, flagged stale)" if r.carry_forward else "")) for r in rels]
    if not rows:
        return
    # Columns as wide as their longest value; the source is last and never cut.
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        typer.echo("  ".join(f"{v:<{w}}" for v, w in zip(row, widths)) + "  " + row[4])


@app.command()
@_guard
def show(code: Annotated[str, typer.Argument(help="the code, e.g. 97110, M54.50 or GP")],
         on: Annotated[str, typer.Option("--on", help="date of service, YYYY-MM-DD")],
         system: Annotated[Optional[str], typer.Option(
             "--system", help="code system (default: guessed from the code)")] = None,
         store: StoreOpt = None, fmt: FormatOpt = Format.text,
         quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """What CODE is on the date of service: status, release, label, replacements."""
    reg = _registry(store)
    day = _day(on, "--on")
    found = reg.lookup(system or reg.detect_system(code), code, day)
    if fmt is Format.json:
        return _out(lookup_dict(found))
    lines = [f"{found.system} {display(found.system, found.code)} on {found.on}: {found.status.value}"
             + (f" (release {found.release})" if found.release else "")]
    if found.label:
        lines.append(f"  label: {found.label}")
    if found.replacements:
        lines.append(f"  replaced by / use instead: {', '.join(display(found.system, c) for c in found.replacements)}")
    for key, value in found.attrs.items():
        if key != "display":
            # one line per attribute, whatever the value holds (a note may carry line breaks)
            lines.append(f"  {key}: " + " ".join(str(value).split()))
    # Every line ends with its newline before anything goes to stderr: a terminal shows both
    # streams, and a warning must start a line of its own (issue 13).
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    if getattr(found, "stale", False) and not is_quiet():
        err(f"warning: {found.system} release {found.release} ended "
            f"{found.attrs.get('release_ended', '')}; its answer is carried forward to {found.on}")


@app.command()
@_guard
def diff(system: Annotated[str, typer.Argument(help="code system, e.g. icd10cm or procedure")],
         old: Annotated[str, typer.Argument(metavar="FROM", help="release name or date")],
         new: Annotated[str, typer.Argument(metavar="TO", help="release name or date")],
         store: StoreOpt = None, fmt: FormatOpt = Format.text,
         quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Codes added, deleted, revised and changed in billability between two releases."""
    result = _registry(store).diff(system, old, new)
    if fmt is Format.json:
        return _out(diff_dict(result))
    typer.echo(f"{system}: {result.old} -> {result.new}")
    result = shown(result)
    for field in FIELDS:
        codes = getattr(result, field)
        listed = ", ".join(codes[:20]) + (f", ... ({len(codes) - 20} more)" if len(codes) > 20 else "")
        typer.echo(f"  {field}: {len(codes)}" + (f"  [{listed}]" if codes else ""))


@app.command("import")
@_guard
def import_(system: Annotated[str, typer.Argument(help="code system of the files (see below)")],
            files: Annotated[list[Path], typer.Argument(help="files (.txt, .csv or CMS .zip)")],
            release: Annotated[Optional[str], typer.Option(
                "--release", help="release name (default: from the file name)")] = None,
            effective_from: Annotated[Optional[str], typer.Option(
                "--effective-from", help="first date of service the release answers, YYYY-MM-DD (default: from the "
                                         "file)")] = None,
            effective_to: Annotated[Optional[str], typer.Option(
                "--effective-to", help="last date of service the release answers, YYYY-MM-DD (default: from the file, "
                                       "else open)")] = None,
            replace: Annotated[bool, typer.Option("--replace", help="replace a release of the same name")] = False,
            store: StoreOpt = None, fmt: FormatOpt = Format.text,
            quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Import a release into the user store: icd10cm, hcpcs, ncci-ptp, mue (CMS files), cpt (your
    licensed file), procedure, modifier, pos (claimkit's CSV layouts) or taxonomy (NUCC CSV)."""
    target = store if store is not None else default_store()
    with progress_counter(f"importing {system}", total=len(files)) as tick:
        rels = import_files(target, system, files, name=release,
                            effective_from=_day(effective_from, "--effective-from"),
                            effective_to=_day(effective_to, "--effective-to"), replace=replace,
                            progress=tick)
    if fmt is Format.json:
        return _out([r.as_dict() for r in rels])
    for r in rels:
        info(f"imported {r.system} {r.name} ({r.effective_from} .. {r.effective_to or '...'}) into {target}")


@app.command()
@_guard
def verify(store: StoreOpt = None, fmt: FormatOpt = Format.text,
           quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Recompute every data file's sha256 against its manifest; exit 2 on any mismatch."""
    results = _registry(store).verify()
    bad = [(r, msg) for r, msg in results if msg != "ok"]
    if fmt is Format.json:
        _out([{"system": r.system, "release": r.name, "origin": r.origin, "result": msg} for r, msg in results])
    else:
        for r, msg in results:
            typer.echo(f"{r.system:<10} {r.name:<22} {r.origin:<7} {msg}")
    if bad:
        err(f"error: {len(bad)} codeset file(s) failed verification")
        raise typer.Exit(2)


@app.command()
@_guard
def status(store: StoreOpt = None, fmt: FormatOpt = Format.text,
           on: Annotated[Optional[str], typer.Option("--on", help="date to check (default: today)")] = None,
           check: Annotated[bool, typer.Option("--check", help="exit 1 unless every system has a current "
                                               "release for the date (for CI)")] = False,
           quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Per system: the newest installed release and whether it covers the date (default today).

    With --check, exit 1 when any system has no release covering the date or only a stale one
    (carried forward), naming the file to import for each; exit 0 when everything is current.
    """
    from claimkit.codesets import coverage_status

    day = _day(on, "--on") or today()  # the clock is read only at the CLI edge
    rows = coverage_status(_registry(store), day)
    if fmt is Format.json:
        _out(rows)
    else:
        for row in rows:
            typer.echo(f"{row['system']:<10} newest {row['newest'] or '-':<22} ends {row['ends'] or '-':<10} "
                       f"{row['state']}")
        for row in rows:
            if row["warning"] and (check or not is_quiet()):
                err(f"{'error' if check else 'warning'}: {row['warning']}")
    behind = [str(row["system"]) for row in rows if row["state"] != "current"]
    if check and behind:
        err(f"codeset status --check: {len(behind)} system(s) not current on {day}: {', '.join(behind)}")
        raise typer.Exit(1)


@app.command("export")
@_guard
def export(system: Annotated[str, typer.Argument(help="procedure, modifier or pos")],
           on: Annotated[str, typer.Option("--on", help="write the release answering this date")],
           store: StoreOpt = None, output: OutputOpt = None,
           quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Write the release answering a date as CSV in the import layout (the start of next year's file)."""
    from claimkit.codesets.export import export_csv

    emit(export_csv(_registry(store), system, _day(on, "--on") or today()), output)
