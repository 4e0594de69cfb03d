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

Dates: every function that compares with "today" takes ``today`` (default: the clock). The
modules behind ``validate`` and ``split`` are ``claimkit.validation`` and ``claimkit.splitting``:
no module shares a name with an API function.
"""
from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["acknowledge", "build", "export", "load_settings", "parse", "split", "validate"]

PathLike = str | Path


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
          report: Sequence[str] = ("error", "warning", "info"), progress: Any = None) -> Any:
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
                         progress=progress)
    outcome = build_and_check(load_all([Path(p) for p in paths]), practice,
                              today=today or date.today(), registry=registry, selection=selection)
    outcome.batch = make_batch(practice, outcome.claims)
    return outcome


def validate(paths: Sequence[PathLike], *, settings: Any = None, today: date | None = None,
             kind: str = "auto", selection: Any = None, registry: Any = None,
             unusable: str = "report") -> Any:
    """Validate 837P files, claims JSON/XML or session files (the work of ``claimkit validate``).

    ``settings``: a configuration object or path (None: found upwards; payer rules are skipped
    without one). ``unusable="report"`` makes a file that cannot be read one CK-I0xx finding;
    "raise" raises its InputError. Returns a :class:`claimkit.validation.ValidationResult`.
    """
    from claimkit.validation import make_selection, validate_paths

    practice = _practice(settings)
    if selection is None:
        selection = make_selection(config=getattr(practice, "validate_", None))
    return validate_paths(list(paths), kind=kind, practice=practice, registry=registry,
                          today=today or date.today(), selection=selection, unusable=unusable)


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
