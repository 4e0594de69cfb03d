"""Therapy discipline modifiers (SNIP type 6): GP, GO and GN name the plan of care a service was
furnished under; the code, the rendering provider and the modifier must agree.

Which codes belong to one discipline (the PT, OT and SLP evaluations; the SLP codes) and which
provider types are therapists is codeset data: the ``discipline`` column of the procedure and
taxonomy tables.
"""
from __future__ import annotations

from typing import Any, Iterator

from claimkit.codesets.model import therapy_list
from claimkit.rules.content_facts import ClaimFacts, claim_facts
from claimkit.rules.content_support import lookup_procedure, provider_taxonomies
from claimkit.rules.engine import Context, Hit, rule

# The discipline each plan-of-care modifier stands for (Pub. 100-04 ch. 5 sec. 20.1).
MODIFIER_OF = {"pt": "GP", "ot": "GO", "slp": "GN"}
_DISCIPLINE_MODIFIERS = frozenset(MODIFIER_OF.values())


def _no_discipline_modifier(facts: ClaimFacts) -> bool:
    """Nothing to report: no line has two plan-of-care modifiers or one that its code's
    discipline contradicts (ClaimFacts.code_issues "discipline"), and every GP/GO/GN on the claim
    is the rendering therapist's own (or the provider is no therapist)."""
    if "discipline" in facts.code_issues:
        return False
    used = facts.modifiers & _DISCIPLINE_MODIFIERS
    if not used:
        return True
    if facts.registry is None:
        return False
    claim = facts.claim
    rp = claim.rendering_provider
    tax = rp.taxonomy if rp is not None and rp.taxonomy else claim.billing_provider.taxonomy
    key = ("provider-discipline", tax, facts.dates[0])
    found = facts._memo.get(key, _UNSET)
    if found is _UNSET:
        found = facts._remember(key, _provider_discipline(facts.claim, facts.registry, facts.dates[0]))
    mine = MODIFIER_OF.get(found)
    return mine is None or used == {mine}


def provider_discipline(claim: Any, ctx: Context, on: Any) -> str:
    """'pt', 'ot', 'slp' for a therapist (or assistant) rendering provider, else ''."""
    return "" if ctx.registry is None else _provider_discipline(claim, ctx.registry, on)


def _provider_discipline(claim: Any, registry: Any, on: Any) -> str:
    for _, tax in provider_taxonomies(claim):
        found = registry.lookup("taxonomy", tax, on=on)
        if found is not None:
            return str((found.attrs or {}).get("discipline", ""))
    return ""


@rule("CK-T015", "modifier.discipline-mismatch", severity="error", level=6, skip_if=_no_discipline_modifier)
def discipline_mismatch(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The plan-of-care modifier does not match the code, the provider, or another on the line.

    A line carries one of GP (physical therapy), GO (occupational therapy) or GN
    (speech-language pathology). CMS's evaluation codes belong to one discipline: GP on the PT
    evaluations 97161-97164, GO on the OT evaluations 97165-97168, GN on the SLP evaluations
    92521-92524 (and the other SLP codes); a therapist's services carry the modifier of their
    own discipline (an OT's line with GP is billed under the wrong plan of care).

    How to fix: keep the one modifier of the plan of care the service was furnished under; bill
    an evaluation with the code of the evaluating discipline.

    Reference: CMS CR 9933 (2017 therapy evaluation codes and their modifiers); Medicare Claims
    Processing Manual, Pub. 100-04, ch. 5, sec. 20.1.
    """
    facts = claim_facts(claim, ctx)
    taxonomy = next((tax for _, tax in provider_taxonomies(claim)), None)
    for ln in claim.lines:
        mods = tuple(m for m in ln.modifiers if m in _DISCIPLINE_MODIFIERS)
        if not mods:
            continue
        key = ("discipline", ln.code, ln.date_of_service, mods, taxonomy)  # memoized for the run
        verdict = facts._memo.get(key, _UNSET)
        if verdict is _UNSET:
            verdict = facts._remember(key, _verdict(claim, ctx, ln, mods))
        if verdict is not None:
            message, fix, values = verdict
            yield Hit(f"line {ln.number}" + message, line=ln.number, field="modifiers", fix=fix,
                      values=values)


_UNSET = object()


def _verdict(claim: Any, ctx: Context, ln: Any, mods: tuple[str, ...]) -> tuple[str, str, dict] | None:
    """(message after "line N", fix, values) of a line's discipline modifiers, or None."""
    if len(mods) > 1:
        return (f" ({ln.code}) has {' and '.join(mods)}: one plan of care per line",
                "keep the modifier of the plan of care the service was furnished under", {"modifiers": list(mods)})
    found = lookup_procedure(ctx, ln.code, ln.date_of_service)
    code_discipline = str((getattr(found, "attrs", None) or {}).get("discipline", ""))
    want = MODIFIER_OF.get(code_discipline)
    if want and mods[0] != want:
        return (f": {ln.code} is a {code_discipline.upper()} code; it takes {want}, not {mods[0]}",
                f"use {want}", {"code": ln.code, "modifier": mods[0], "expected": want})
    mine = MODIFIER_OF.get(provider_discipline(claim, ctx, ln.date_of_service))
    if mine and mods[0] != mine:
        return (f" ({ln.code}) has {mods[0]}, but the rendering provider's plan of care is {mine}",
                f"use {mine}", {"code": ln.code, "modifier": mods[0], "expected": mine})
    return None


def sometimes_therapy_by_therapist(claim: Any, ctx: Context, ln: Any) -> bool:
    """A "sometimes therapy" code furnished by a therapist: it is therapy, so it needs GP/GO/GN
    (CMS therapy code list; Pub. 100-04 ch. 5 sec. 20)."""
    found = lookup_procedure(ctx, ln.code, ln.date_of_service)
    return (found is not None and therapy_list(found) == "sometimes"
            and bool(provider_discipline(claim, ctx, ln.date_of_service)))
