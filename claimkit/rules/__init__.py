"""Rules: one module per family, registered in the engine's catalog on import."""
from claimkit.rules.engine import CATALOG, Context, Hit, Origin, Rule, Selection, rule, run

__all__ = ["CATALOG", "Context", "Hit", "Origin", "Rule", "Selection", "rule", "run"]
