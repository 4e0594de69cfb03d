"""``claimkit validate``: check 837P files, claims JSON or session files; report in CI formats.

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 unusable input or configuration.
The report goes to stdout (or -o FILE); progress and errors go to stderr.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claimkit.diagnostics import Severity
from claimkit.errors import ConfigError
from claimkit.report import renderer
from claimkit.rules.engine import Selection
from claimkit.validate import (
    ValidationResult, find_practice, load_config, make_selection, validate_paths,
)

from ._common import EXIT_FINDINGS, EXIT_OK, emit, guard, today


class Kind(str, Enum):
    auto = "auto"
    x12 = "x12"
    claims = "claims"
    sessions = "sessions"


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass
class Settings:
    """Configuration after precedence: found config file, then --config, then flags."""

    practice: Any
    selection: Selection
    fail_on: Severity


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _severities(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _split(values):
        key, sep, level = item.partition("=")
        if not sep or not key.strip() or not level.strip():
            raise ConfigError(f"--severity wants ID=LEVEL (e.g. CK-D006=error), got {item!r}")
        out[key.strip()] = level.strip().lower()
    return out


def settings(config: Path | None, select: list[str] | None, ignore: list[str] | None,
             severity: list[str] | None, fail_on: Level | None) -> Settings:
    """Resolve the practice and the rule selection (config file, then --config, then flags)."""
    practice = load_config(config) if config is not None else find_practice()
    vcfg = getattr(practice, "validate_", None)
    selection = make_selection(config=vcfg, select=_split(select), ignore=_split(ignore),
                               severity=_severities(severity))
    level = fail_on.value if fail_on is not None else getattr(vcfg, "fail_on", "error")
    return Settings(practice, selection, Severity(level))


def write_report(result: ValidationResult, fmt: Format, output: Path | None, *, show_phi: bool,
                 fail_on: Severity) -> None:
    emit(renderer(fmt.value)(result, show_phi=show_phi, fail_on=fail_on), output)


def exit_code(result: ValidationResult, fail_on: Severity, exit_zero: bool) -> int:
    return EXIT_OK if exit_zero or not result.failed(fail_on) else EXIT_FINDINGS


class _Progress:
    """A rich progress line on stderr, only when stderr is a terminal (CI logs stay clean)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 console=Console(stderr=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("validating")
        return self

    def __call__(self, file: str, claims: int) -> None:
        if self._bar is not None and claims % 200 == 0:
            self._bar.update(self._task, description=f"{file}: {claims} claims")

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        paths: Annotated[list[Path], typer.Argument(help="837P X12 files, claims JSON or session files")],
        kind: Annotated[Kind, typer.Option("--kind", help="input kind; auto = detect by content")] = Kind.auto,
        config: Annotated[Optional[Path], typer.Option("--config", help="claimkit.toml or pyproject.toml")] = None,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="report format")] = Format.text,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="write the report here")] = None,
        fail_on: Annotated[Optional[Level], typer.Option("--fail-on", help="lowest severity that fails (default error)")] = None,
        exit_zero: Annotated[bool, typer.Option("--exit-zero", help="exit 0 even with findings")] = False,
        select: Annotated[Optional[list[str]], typer.Option("--select", help="only these rules (IDs, slugs, prefixes; comma-separated)")] = None,
        ignore: Annotated[Optional[list[str]], typer.Option("--ignore", help="skip these rules")] = None,
        severity: Annotated[Optional[list[str]], typer.Option("--severity", help="override a rule's severity: ID=LEVEL")] = None,
        show_phi: Annotated[bool, typer.Option("--show-phi", help="include names, birth dates, member IDs in reports")] = False,
    ) -> None:
        """Validate claims: syntax, implementation guide, balancing, situational, code sets by
        date of service, therapy and payer edits."""
        with guard():
            s = settings(config, select, ignore, severity, fail_on)
            with _Progress() as progress:
                result = validate_paths(paths, kind=kind.value, practice=s.practice, today=today(),
                                        selection=s.selection, progress=progress)
            write_report(result, fmt, output, show_phi=show_phi, fail_on=s.fail_on)
        raise typer.Exit(exit_code(result, s.fail_on, exit_zero))
