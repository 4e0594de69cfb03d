"""The Typer application. Each command module in this package exposes ``register(app)``."""
from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
from typing import Annotated

import typer

from ._style import ClaimkitGroup

app = typer.Typer(
    name="claimkit",
    help="Therapy sessions -> validated professional claims (X12 837P, XML).",
    cls=ClaimkitGroup,
    # markdown: docstring paragraphs re-flow, and "[default: x]" in a help text stays text
    rich_markup_mode="markdown",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        # The one version: pyproject's [project] version, as installed (no copy in the code).
        from importlib.metadata import version

        typer.echo(f"claimkit {version('claimkit')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                          help="Show claimkit's version and exit.")] = False,
) -> None:
    """Therapy sessions -> validated professional claims (X12 837P, XML)."""


def _register_all() -> None:
    """Import every command module of this package and let it add its commands.

    Discovery keeps this file out of every command's change (one file per command group).
    """
    pkg = sys.modules[__package__ or "claimkit.cli"]
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    for name in names:
        if name == "app":
            continue
        module = importlib.import_module(f"{pkg.__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


# Objects allocated between two young-generation collections of the cyclic garbage collector
# (CPython's default is 700). A build or validation makes millions of short-lived objects and
# almost no reference cycles (tests/perf_equivalence), so the default collects ~70 times as
# often for nothing: 8-12% of a build's or a validation's CPU. Cycles are still collected.
GC_YOUNG = 50_000


def main() -> None:
    """The ``claimkit`` console script."""
    gc.freeze()  # the modules and tables loaded so far live as long as the process: never scanned
    gc.set_threshold(GC_YOUNG, 20, 20)
    app()
