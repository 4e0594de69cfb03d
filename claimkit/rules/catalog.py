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


_loaded = False


def load_catalog() -> dict[str, engine.Rule]:
    """Import every rule module once and return the catalog (ID -> Rule).

    The package is listed once per process: the validator asks for the catalog per builder
    finding, and listing the package's files each time was 5% of a build (750 calls for
    5,000 sessions, each walking the directory).
    """
    global _loaded
    if not _loaded:
        for name in rule_modules():
            importlib.import_module(name)
        _loaded = True
    return engine.CATALOG


SNIP_NAMES = {
    1: "syntax", 2: "implementation guide", 3: "balancing", 4: "situational",
    5: "code sets", 6: "product / therapy", 7: "trading partner / payer",
}


def catalog_markdown() -> str:
    """docs/rules.md: every rule with its ID, slug, severity, SNIP level and documentation.

    Generated (``python tools/gen_rule_docs.py``); a test fails when the file and the catalog
    differ, so the docs cannot drift from the code.
    """
    rules = sorted(load_catalog().values(), key=lambda r: r.id)
    out = [
        "# Validation rules",
        "",
        "<!-- Generated from the rule catalog by tools/gen_rule_docs.py; do not edit by hand. -->",
        "",
        "Every rule has a stable ID (never reused) and a slug; either selects it in `--select`,",
        "`--ignore`, `--severity ID=LEVEL` and in the `[validate]` table of the configuration.",
        "`claimkit rules explain ID` prints the same text.",
        "",
        "| ID | slug | severity | SNIP | scope | summary |",
        "|---|---|---|---|---|---|",
    ]
    for r in rules:
        out.append(f"| [{r.id}](#{r.id.lower()}) | `{r.slug}` | {r.severity.value} | {r.level} | "
                   f"{r.scope} | {r.summary.replace('|', '/')} |")
    for r in rules:
        body = r.doc.splitlines()[1:]
        out += ["", f"## {r.id}", "",
                f"`{r.slug}` · severity **{r.severity.value}** · SNIP level {r.level} "
                f"({SNIP_NAMES.get(r.level, '?')}) · scope `{r.scope}`", "",
                f"**{r.summary}**"]
        text = "\n".join(body).strip()
        if text:
            out += ["", text]
    return "\n".join(out) + "\n"
