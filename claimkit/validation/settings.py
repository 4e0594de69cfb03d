"""Validation settings: the configuration file (practice or rules only) and rule selection.

Precedence: claimkit.toml / [tool.claimkit] found from the working directory, replaced by
``--config``, then flags on top (see :func:`make_selection`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from claimkit.diagnostics import Severity
from claimkit.errors import ConfigError
from claimkit.rules.catalog import load_catalog
from claimkit.rules.engine import Selection


@dataclass
class RulesOnly:
    """A configuration with only rule settings ([validate], codeset_store) and no practice:
    enough to validate 837P files and claims JSON in CI (no payer is configured)."""

    validate_: Any
    codeset_store: str | None = None

    def find_payer(self, key: str | None, payer_id: str | None) -> None:
        """No payer is configured in a rules-only configuration."""
        return None


_RULES_ONLY_KEYS = {"validate", "codeset_store"}


def load_config(path: str | Path) -> Any:
    """A claimkit.toml or pyproject.toml ([tool.claimkit]): the Practice, or :class:`RulesOnly`
    when the table holds nothing but ``[validate]`` / ``codeset_store``."""
    from pydantic import ValidationError as _VE

    from claimkit.config import ValidateConfig, parse_practice, read_config_table

    p = Path(path)
    table = read_config_table(p)  # the one configuration reader (limits, messages)
    if table and set(table) <= _RULES_ONLY_KEYS:
        try:
            rules = ValidateConfig.model_validate(table.get("validate", {}))
        except _VE as exc:
            raise ConfigError(f"[validate]: {exc.errors()[0]['msg']}", file=str(p)) from None
        return RulesOnly(rules, table.get("codeset_store"))
    return parse_practice(table, str(p))


def find_practice(start: Path | None = None) -> Any:
    """The configuration found from START upwards (see claimkit.config.find_config_file), or
    None when there is none: validation needs no configuration."""
    from claimkit.config import find_config_file

    path = find_config_file(start)
    return None if path is None else load_config(path)


def _check_keys(keys: Iterable[str], what: str) -> None:
    catalog = load_catalog()
    for k in keys:
        if not any(k == r.id or k == r.slug or r.id.startswith(k) for r in catalog.values()):
            raise ConfigError(f"{what}: no rule matches {k!r} (see `claimkit rules list`)")


def make_selection(*, config: Any = None, select: Sequence[str] = (), ignore: Sequence[str] = (),
                   severity: dict[str, str] | None = None) -> Selection:
    """Rule selection: the practice's [validate] table, then flags.

    ``select`` from flags replaces the configured list; ``ignore`` adds to it; ``severity``
    entries override the configured level of the same rule. Unknown rule IDs or slugs are a
    ConfigError (a typo must not silently turn a rule off).
    """
    cfg_select = list(getattr(config, "select", []) or [])
    cfg_ignore = list(getattr(config, "ignore", []) or [])
    sev: dict[str, str] = dict(getattr(config, "severity", {}) or {})
    sel = list(select) or cfg_select
    ign = cfg_ignore + list(ignore)
    sev.update(severity or {})
    _check_keys(sel, "select")
    _check_keys(ign, "ignore")
    _check_keys(sev, "severity")
    levels = {}
    for k, v in sev.items():
        try:
            levels[k] = Severity(v)
        except ValueError:
            raise ConfigError(f"severity of {k}: {v!r} is not error, warning or info") from None
    return Selection(select=frozenset(sel), ignore=frozenset(ign), severity=levels)
