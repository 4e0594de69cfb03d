"""``claimkit rules list|explain``: the rule catalog (IDs, slugs, severities, SNIP levels, docs)."""
from __future__ import annotations

import json
from typing import Annotated, Any

import typer

import claimkit

from ._common import QuietOpt, TextJson, VerboseOpt, emit, fail, verbosity

rules_app = typer.Typer(help="List and explain validation rules.", no_args_is_help=True,
                        rich_markup_mode="markdown")


def rule_dict(r: Any) -> dict[str, object]:
    """A rule as the JSON listing shows it."""
    return {"id": r.id, "slug": r.slug, "severity": r.severity.value, "level": r.level,
            "scope": r.scope, "summary": r.summary, "doc": r.doc}


def find_rule(key: str) -> Any:
    """The rule with this ID or slug, or None (kept for callers of the CLI module)."""
    return claimkit.find_rule(key)


@rules_app.command("list")
def list_rules(
    fmt: Annotated[TextJson, typer.Option("--format", "-f", help="output format: text or json")] = TextJson.text,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """List every rule: ID, slug, default severity, SNIP level and summary."""
    verbosity(quiet, verbose)
    rules = sorted(claimkit.rule_catalog().values(), key=lambda r: r.id)
    if fmt is TextJson.json:
        emit(json.dumps([rule_dict(r) for r in rules], indent=2) + "\n", None)
        return
    lines = [f"{r.id}  {r.slug:<40} {r.severity.value:<7} SNIP {r.level}  {r.summary}" for r in rules]
    emit("\n".join(lines) + "\n", None)


@rules_app.command("explain")
def explain(key: Annotated[str, typer.Argument(help="rule ID (CK-D001) or slug")],
            quiet: QuietOpt = False, verbose: VerboseOpt = False) -> None:
    """Show a rule's documentation: what it checks, why, how to fix, reference."""
    verbosity(quiet, verbose)
    r = find_rule(key)
    if r is None:
        fail(f"no rule {key!r}; see `claimkit rules list`")
    head = f"{r.id} {r.slug}  (severity {r.severity.value}, SNIP level {r.level}, scope {r.scope})"
    emit(f"{head}\n\n{r.doc}\n", None)


def register(app: typer.Typer) -> None:
    """Add ``claimkit rules`` to the application."""
    app.add_typer(rules_app, name="rules")
