"""claimkit: therapy session records -> X12 837P (005010X222A1) claims, validated by date of
service, with 999/277CA acknowledgments.

The public Python API is the functions below; each is a thin entry point to the module that
does the work (imported when called, so ``import claimkit`` stays cheap)::

    import claimkit

    practice = claimkit.load_settings("claimkit.toml")
    outcome = claimkit.build(["sessions.csv"], settings=practice)
    x12 = claimkit.export(outcome.batch, to="x12")
    result = claimkit.validate(["claims.x12"], settings=practice)
    ack = claimkit.acknowledge("claims.x12", result.diagnostics, kind="999")

Around these seven (``PIPELINE``) are the helpers a front end needs (``HELPERS``): the command
line uses nothing else, so a script makes the same decisions, e.g. ``triage`` (acknowledgment,
accepted 837P and rejects of one validated 837P), ``rule_settings``, ``parse_into`` and
``export_into`` (claim by claim into a stream), ``count_claims`` (a progress total). The result
types (``TYPES``) and the errors are importable from here too.

Dates: every function that compares with "today" takes ``today`` (default: the clock). The
modules behind ``validate`` and ``split`` are ``claimkit.validation`` and ``claimkit.splitting``:
no module shares a name with an API function.
"""
from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

from claimkit.errors import ClaimkitError, ConfigError, InputError

# The seven entry points of the pipeline; then what a front end (the CLI is one) needs around
# them; then the types their results have (loaded on first use, see __getattr__).
PIPELINE = ["acknowledge", "build", "export", "load_settings", "parse", "split", "validate"]
HELPERS = ["check_settings", "claim_forms", "count_claims", "day_units", "demo_practice", "export_into",
           "file_format", "find_rule", "parse_into", "remaining_problems", "render_report", "repair", "require_one_837",
           "rule_catalog", "rule_settings", "triage", "valid_npi"]
TYPES = {
    "BuildOutcome": "claimkit.pipeline", "ClaimBatch": "claimkit.models", "Diagnostic": "claimkit.diagnostics",
    "NotStreamable": "claimkit.conversion", "ParseSummary": "claimkit.conversion",
    "RuleSettings": "claimkit.policy", "Severity": "claimkit.diagnostics", "SplitResult": "claimkit.splitting",
    "TimeModelError": "claimkit.units", "TriageOutputs": "claimkit.policy",
    "ValidationResult": "claimkit.validation",
}
__all__ = [*PIPELINE, *HELPERS, *TYPES, "ClaimkitError", "ConfigError", "InputError"]

PathLike = str | Path


def __getattr__(name: str) -> Any:
    """The result types, imported when first named (``import claimkit`` stays cheap)."""
    if name in TYPES:
        import importlib

        return getattr(importlib.import_module(TYPES[name]), name)
    raise AttributeError(f"module 'claimkit' has no attribute {name!r}")


def load_settings(path: PathLike | None = None, *, start: PathLike | None = None) -> Any:
    """The practice configuration: from ``path`` (claimkit.toml or pyproject.toml), else the
    file found from ``start`` (default: the working folder) upwards, else None.

    Returns a :class:`claimkit.config.Practice`, a rules-only configuration (only
    ``[validate]``), or None. Raises :class:`claimkit.errors.ConfigError` naming the key.
    """
    from claimkit.validation.settings import find_practice, load_config

    if path is not None:
        return load_config(path)
    return find_practice(Path(start) if start is not None else None)


def _practice(settings: Any) -> Any:
    if settings is None or isinstance(settings, (str, Path)):
        return load_settings(settings)
    return settings


def build(paths: Sequence[PathLike], *, settings: Any = None, today: date | None = None,
          registry: Any = None, selection: Any = None, outputs: Any = None, to: str = "x12",
          clean_only: bool = False, rejects: bool = False, control_number: int = 1,
          control_file: PathLike | None = None, now: datetime | None = None,
          report: Sequence[str] = ("error", "warning", "info"), progress: Any = None,
          jobs: int = 1, scheduler: str | None = None) -> Any:
    """Build claims from session files and check every claim (the work of ``claimkit build``).

    Args:
        paths: session files (CSV, JSON, JSON Lines, YAML).
        settings: a Practice, or the path of its configuration (default: found upwards).
        today: the date the date rules compare with.
        registry: a codeset registry (default: bundled plus the practice's store).
        selection: rule selection (default: the configuration's ``[validate]`` table).
        outputs: a :class:`claimkit.outputs.OutputSet` naming ``--output`` (and ``--rejects``):
            build as a stream in flat memory and write there (see below). None: in memory.
        to: the output's format with ``outputs``: x12, xml or json.
        clean_only: with ``outputs``, write the claims without error findings.
        rejects: with ``outputs``, also write the rejects report (JSON) to ``--rejects``.
        control_number: ISA13/GS06 of the 837P (without ``control_file``).
        control_file: take ISA13/GS06 from this file, only when an 837P is written.
        now: the interchange date/time (default: the clock).
        report: with ``outputs``, the severities kept in the run's ``diagnostics`` (every
            finding is counted all the same, info findings by rule).
        progress: with ``outputs``, called with (sessions built, sessions in the input).
        jobs: with ``outputs``, worker processes that build and check the pools (0: one per
            CPU; a second process is used from a few thousand sessions, see
            :mod:`claimkit.build_parallel`). The output is the same whatever ``jobs`` says.
        scheduler: with ``outputs``, build on the Dask cluster at this address instead (the
            ``claimkit[dask]`` extra; ConfigError when it cannot be reached).

    Without ``outputs``, returns a :class:`claimkit.pipeline.BuildOutcome`: ``claims``,
    ``diagnostics`` and ``batch`` (the claims with the practice's envelope, ready for
    :func:`export`), everything in memory. With ``outputs``, returns a
    :class:`claimkit.pipeline.BuildRun`: the policy of ``claimkit build`` applied (an error
    finding blocks the output unless ``clean_only``/``rejects``; an error in the envelope,
    submitter or billing provider blocks it always) and its ``status``, counts and findings.
    Raises InputError for an unusable file (every problem listed), ConfigError without a
    practice configuration.
    """
    from claimkit.errors import ConfigError
    from claimkit.pipeline import BuildOptions, build_and_check, load_all, make_batch, run_build

    practice = _practice(settings)
    if practice is None or not hasattr(practice, "find_payer"):
        raise ConfigError("building claims needs the practice configuration (claimkit.toml)")
    if outputs is not None:
        from claimkit.control import numbers_for

        options = BuildOptions(
            to=to, clean_only=clean_only, rejects=rejects, now=now, keep=tuple(report),
            numbers=lambda env: numbers_for(env, control_file, control_number))
        return run_build([Path(p) for p in paths], practice, outputs, options,
                         today=today or date.today(), registry=registry, selection=selection,
                         progress=progress, jobs=jobs, scheduler=scheduler)
    outcome = build_and_check(load_all([Path(p) for p in paths]), practice,
                              today=today or date.today(), registry=registry, selection=selection)
    outcome.batch = make_batch(practice, outcome.claims)
    return outcome


def validate(paths: Sequence[PathLike], *, settings: Any = None, today: date | None = None,
             kind: str = "auto", selection: Any = None, registry: Any = None,
             unusable: str = "report", keep_claims: bool = False, jobs: int = 1,
             progress: Callable[[str, int], None] | None = None, scheduler: str | None = None) -> Any:
    """Validate 837P files, claims JSON/XML or session files (the work of ``claimkit validate``).

    ``settings``: a configuration object or path (None: found upwards; payer rules are skipped
    without one). ``selection``: see :func:`rule_settings` (default: the configuration's).
    ``unusable="report"`` makes a file that cannot be read one CK-I0xx finding; "raise" raises
    its InputError. ``keep_claims`` keeps what :func:`triage` needs (no second read);
    ``jobs`` worker processes for a large 837P (0: one per idle CPU); ``progress(file, n)`` is
    called after the n-th claim of a file; ``scheduler`` runs the files on the Dask cluster at
    that address (the ``claimkit[dask]`` extra). Returns a
    :class:`claimkit.validation.ValidationResult`.
    """
    from claimkit.validation import make_selection, validate_paths

    run = validate_paths
    if scheduler:  # files become tasks on the cluster; the result is the local run's
        from claimkit.dask.cli import on_cluster

        run = on_cluster(scheduler)
    practice = _practice(settings)
    if selection is None:
        selection = make_selection(config=getattr(practice, "validate_", None))
    return run(list(paths), kind=kind, practice=practice, registry=registry, today=today or date.today(),
               selection=selection, unusable=unusable, keep_claims=keep_claims, jobs=jobs,
               progress=progress)


def parse(path: PathLike, *, today: date | None = None) -> Any:
    """The claims of an 837P, claims JSON or claims XML file as a :class:`ClaimBatch`
    (judged by content; the work of ``claimkit parse``)."""
    from claimkit.claims_io import load_batch
    from claimkit.rules.engine import Context

    return load_batch(path, ctx=Context(registry=None, today=today or date.today(), file=str(path)))


def export(batch: Any, to: str = "json", *, isa_control: int = 1, gs_control: int | None = None,
           now: datetime | None = None) -> str:
    """A ClaimBatch as claims JSON, claims XML or an X12 837P (``to``: json, xml, x12).

    For x12, ``isa_control``/``gs_control`` are ISA13/GS06 (keep them unique per trading
    partner: see claimkit.control) and ``now`` the interchange date/time.
    """
    if to == "json":
        from claimkit.claims_io import dump_claims

        return dump_claims(batch)
    if to == "xml":
        from claimkit.xml import write_xml

        return write_xml(batch)
    if to == "x12":
        from claimkit.x12.writer import write_837

        return write_837(batch, isa_control=isa_control,
                         gs_control=isa_control if gs_control is None else gs_control,
                         now=now or datetime.now())
    raise ValueError(f"unknown export format {to!r} (json, xml or x12)")


def acknowledge(path: PathLike, diagnostics: Iterable[Any] | None = None, kind: str = "999", *,
                control: int = 1, now: datetime | None = None, settings: Any = None) -> str:
    """The 999 or 277CA (``kind``) answering an 837P from the findings of validating it
    (validated here when ``diagnostics`` is None)."""
    from claimkit.ack import acknowledge as _acknowledge

    clock = now or datetime.now()
    if diagnostics is None:
        diagnostics = validate([path], settings=settings, today=clock.date()).diagnostics
    return _acknowledge(path, diagnostics, kind, control=control, now=clock)


def split(claims: Sequence[Any], diagnostics: Iterable[Any], *, fail_on: str = "error") -> Any:
    """Divide claims into accepted and rejected by their findings at or above ``fail_on``
    (a :class:`claimkit.splitting.SplitResult`)."""
    from claimkit.diagnostics import Severity
    from claimkit.splitting import split as _split

    return _split(claims, diagnostics, fail_on=Severity(fail_on))


def rule_settings(settings: Any = None, *, select: Sequence[str] | None = None,
                  ignore: Sequence[str] | None = None, severity: Sequence[str] | None = None,
                  fail_on: str | None = None) -> Any:
    """Rule selection and failing level: the configuration's ``[validate]`` table, then these
    choices (a :class:`claimkit.policy.RuleSettings`; see :func:`claimkit.policy.rule_settings`)."""
    from claimkit.policy import rule_settings as _rule_settings

    return _rule_settings(settings, select=select, ignore=ignore, severity=severity, fail_on=fail_on)


def require_one_837(paths: Sequence[PathLike], kind: str = "auto") -> None:
    """Raise ConfigError unless ``paths`` is one 837P file (what :func:`triage` answers)."""
    from claimkit.policy import require_one_837 as _require

    _require(paths, kind)


def triage(path: PathLike, result: Any, *, ack: str | None = None, accepted: bool = False,
           rejects: bool = False, fail_on: Any = "error", control_file: PathLike | None = None,
           control_number: int = 1, now: datetime | None = None, stream: bool = False) -> Any:
    """The 999/277CA, accepted 837P and rejects report of one validated 837P (a
    :class:`claimkit.policy.TriageOutputs`; ``result`` from ``validate(..., keep_claims=True)``;
    ``stream``: the accepted 837P as a writer into a text stream, for flat memory)."""
    from claimkit.diagnostics import Severity
    from claimkit.policy import triage as _triage

    return _triage(path, result, ack=ack, accepted=accepted, rejects=rejects, fail_on=Severity(fail_on),
                   control_file=control_file, control_number=control_number, now=now, stream=stream)


def render_report(result: Any, fmt: str = "text", *, show_phi: bool = False, fail_on: Any = "error") -> str:
    """A validation result as a report: text, json, junit, sarif, github or html."""
    from claimkit.diagnostics import Severity
    from claimkit.report import renderer

    return renderer(fmt)(result, show_phi=show_phi, fail_on=Severity(fail_on))


def demo_practice() -> tuple[Path, Path]:
    """The bundled demo practice: (its sessions file, its claimkit.toml), usable from any
    directory of an installed claimkit (``claimkit build --demo``)."""
    from claimkit._resources import data_path

    return data_path("fixtures", "demo", "sessions.jsonl"), data_path("fixtures", "demo", "claimkit.toml")


def count_claims(path: PathLike) -> int | None:
    """The claims in an 837P, claims JSON or XML file, counted from its bytes (a progress
    total; None for other files)."""
    from claimkit.estimate import count_claims as _count

    return _count(path)


def file_format(path: PathLike) -> str:
    """The format of a claims file from its first bytes, not its name: "x12", "xml" or "json"."""
    from claimkit.claims_io import sniff_format

    return sniff_format(path)


def parse_into(path: PathLike, out: TextIO, *, to: str = "json", today: date | None = None,
               on_claim: Callable[[Any], None] | None = None) -> Any:
    """Write the claims of an 837P to ``out`` as claims JSON (claim by claim) or XML; returns a
    :class:`claimkit.conversion.ParseSummary` (claims written, syntax errors, claims left out)."""
    from claimkit.conversion import parse_into as _parse_into

    return _parse_into(path, out, to=to, today=today, on_claim=on_claim)


def export_into(path: PathLike, out: TextIO, *, to: str, settings: Any = None, stream: bool = True,
                control_file: PathLike | None = None, control_number: int = 1,
                now: datetime | None = None, on_claim: Callable[[Any], None] | None = None) -> int:
    """Write the claims of a claims JSON/XML or 837P file to ``out`` as json, xml or x12 (see
    :func:`claimkit.conversion.export_into`, which may raise :class:`NotStreamable`)."""
    from claimkit.conversion import export_into as _export_into

    return _export_into(path, out, to=to, settings=_practice(settings) if settings is not None else None,
                        stream=stream, control_file=control_file, control_number=control_number, now=now,
                        on_claim=on_claim)


def day_units(services: Sequence[tuple[str, int]], rule: str, on: date, *, store: PathLike | None = None) -> Any:
    """Units of one patient's day (``services``: (code, minutes)) under the cms or ama rule, and
    the codes whose time model was carried forward past its release (a
    :class:`claimkit.allocation.DayUnits`). Raises ``claimkit.units.TimeModelError``."""
    from claimkit.allocation import day_units as _day_units

    return _day_units(services, rule, on, store=store)


def rule_catalog() -> dict[str, Any]:
    """Every validation rule by ID."""
    from claimkit.rules.catalog import load_catalog

    return dict(load_catalog())


def find_rule(key: str) -> Any:
    """The rule with this ID (CK-D001) or slug, or None."""
    catalog = rule_catalog()
    k = key.strip()
    return catalog.get(k.upper()) or next((r for r in catalog.values() if r.slug == k.lower()), None)


def repair(path: PathLike) -> Any:
    """The format-only repairs of a session file (``.text`` repaired, ``.repairs`` each with
    its rule); nothing that is billed changes."""
    from claimkit.fix import fix_file

    return fix_file(path)


def remaining_problems(path: PathLike, text: str) -> list[str]:
    """The problems a session file's ``text`` still has for the loader (one per line), after
    repairs: what only the user can settle."""
    from claimkit.loaders import load_sessions

    try:
        load_sessions(Path(path), text=text)
    except InputError as exc:
        return str(exc).split("\n")
    return []


def valid_npi(value: str) -> bool:
    """True for a 10-digit NPI whose check digit is right (Luhn over the prefix 80840)."""
    from claimkit.rules.x12_guide import npi_ok

    return bool(npi_ok(value))


def check_settings(table: dict[str, Any], source: str) -> Any:
    """A configuration table (parsed TOML) as the loader reads it: the Practice, or ConfigError
    naming each bad key (``source`` names the file in messages)."""
    from claimkit.config import parse_practice

    return parse_practice(table, source)


def claim_forms(path: PathLike, *, settings: Any = None, today: date | None = None, show_phi: bool = False,
                claim_ids: Iterable[str] | None = None) -> list[Any]:
    """The claims of an 837P, claims JSON/XML or session file as CMS-1500 forms (for
    ``claimkit.preview.render_html``/``render_terminal``); only ``claim_ids`` when given.
    People's details are masked unless ``show_phi``."""
    from claimkit.codesets import default_registry
    from claimkit.preview import form_of, load_claims

    claims = load_claims(Path(path), practice=_practice(settings), registry=default_registry(),
                         today=today or date.today())
    if claim_ids is not None:
        wanted = set(claim_ids)
        claims = [c for c in claims if c.claim_id in wanted]
    return [form_of(c, show_phi=show_phi) for c in claims]


def _checkout_cli() -> None:
    """In a source checkout (``pip install -e .`` or no install), give the repository's
    top-level cli/ the name ``claimkit.cli`` it has in a wheel (pyproject's force-include map;
    hatchling's editable installs do not apply that map)."""
    import importlib.util

    here = Path(__file__).resolve().parent
    cli = here.parent / "cli"
    if (here / "cli").is_dir() or not (cli / "app.py").is_file() or "claimkit.cli" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "claimkit.cli", cli / "__init__.py", submodule_search_locations=[str(cli)])
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["claimkit.cli"] = module
    spec.loader.exec_module(module)
    setattr(sys.modules[__name__], "cli", module)


_checkout_cli()
