"""The complete rule catalog: :func:`load_catalog` imports every rule module of this package.

Rule families live one per module (content_*, x12_*, build_rules); each registers its rules in
the engine's ``CATALOG`` on import. Callers that need the catalog complete (the validator,
``claimkit rules``, the docs generator, the meta-test) call :func:`load_catalog` rather than
importing families one by one, so a new family module is picked up without editing a list.
"""
from __future__ import annotations

import importlib
import pkgutil

from claimkit.rules import engine

_NOT_RULES = {"engine", "catalog"}


def rule_modules() -> list[str]:
    """Names of the rule family modules of claimkit.rules (helpers without rules included)."""
    import claimkit.rules as pkg

    return sorted(f"{pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
                  if m.name not in _NOT_RULES and not m.name.startswith("_"))


def load_catalog() -> dict[str, engine.Rule]:
    """Import every rule module once and return the catalog (ID -> Rule)."""
    for name in rule_modules():
        importlib.import_module(name)
    return engine.CATALOG
