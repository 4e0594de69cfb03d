"""The payer settings the payer edits go by, for configured and unconfigured payers alike.

A configured payer (``[payers.KEY]``) answers with its own settings and their defaults
(claimkit.config.PayerConfig). A payer the practice has not configured (an 837P from elsewhere)
is judged by its claim filing indicator (SBR09): MA/MB is Medicare fee-for-service. NCCI edits
keep running for unconfigured payers, as they did before the ``ncci`` setting existed: claimkit
cannot tell that such a payer waives them. No rules live here.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from claimkit.rules.engine import Context

# SBR09 claim filing indicators of Medicare fee-for-service (Part A, Part B): 005010X222A1.
_MEDICARE_FILING = frozenset({"MA", "MB"})


def payer_of(claim: Any, ctx: Context) -> Any:
    """The configured payer of CLAIM (claimkit.config.PayerConfig), or None."""
    return ctx.payer_settings(claim)


def is_medicare(claim: Any, ctx: Context) -> bool:
    """The claim goes to Medicare fee-for-service: the payer's ``medicare`` setting, else SBR09."""
    payer = payer_of(claim, ctx)
    if payer is not None:
        return bool(payer.medicare)
    return (getattr(claim.payer, "filing_indicator", "") or "") in _MEDICARE_FILING


def ncci_applies(claim: Any, ctx: Context) -> bool:
    """Whether NCCI PTP and MUE edits apply to the claim's payer (setting ``ncci``)."""
    payer = payer_of(claim, ctx)
    return True if payer is None else bool(payer.applies_ncci)


def telehealth_policy(claim: Any, ctx: Context) -> str | None:
    """'medicare-list' | 'any' | 'none' of the claim's payer; None: nothing to go by."""
    payer = payer_of(claim, ctx)
    if payer is not None:
        return payer.telehealth_policy
    return "medicare-list" if is_medicare(claim, ctx) else None


def kx_threshold_applies(claim: Any, ctx: Context) -> bool:
    """Whether the Medicare KX modifier threshold applies to the claim's payer (CK-P001, CK-P002)."""
    payer = payer_of(claim, ctx)
    if payer is not None:
        return bool(payer.applies_kx_threshold)
    return is_medicare(claim, ctx)


def credentials_by_license(claim: Any, ctx: Context) -> bool:
    """Whether the claim's payer pays only services the rendering provider's licence covers."""
    payer = payer_of(claim, ctx)
    return payer is not None and bool(payer.credentials_by_license)


def policy_rows(ctx: Context, system: str, code: str, on: date, kind: str = "") -> list[dict[str, str]] | None:
    """Rows of a payer-policy table (claimkit.codesets.policy) in force on ON; None without a
    registry or a release covering ON (the rule then has nothing to go by and stays silent)."""
    reg = ctx.registry
    if reg is None or not hasattr(reg, "policy"):
        return None
    return reg.policy(system, code, on, kind)


def has_role(ctx: Context, kind: str, code: str, role: str, on: date) -> dict[str, str] | None:
    """The therapy-roles row giving CODE (of KIND) ROLE on ON, or None."""
    rows = policy_rows(ctx, "therapy-roles", code, on, kind) or []
    return next((r for r in rows if r.get("role") == role), None)
