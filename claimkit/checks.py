"""Run the validator's claim rules over freshly built claims (the build's safety net)."""
from __future__ import annotations

from datetime import date
from typing import Any

from claimkit.build import BuildResult
from claimkit.config import Practice
from claimkit.diagnostics import Diagnostic
from claimkit.rules.engine import Context, Selection, run


def load_catalog() -> None:
    """Import every rule module so the catalog is complete."""
    import importlib
    import pkgutil

    import claimkit.rules as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"claimkit.rules.{mod.name}")


def check_built(result: BuildResult, practice: Practice, registry: Any, today: date,
                selection: Selection | None = None) -> list[Diagnostic]:
    load_catalog()
    ctx = Context(registry=registry, today=today, practice=practice)
    out: list[Diagnostic] = []
    for claim, origin in zip(result.claims, result.origins):
        out.extend(run("claim", claim, ctx, origin, selection))
    return out
