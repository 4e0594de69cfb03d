"""Payer and provider-type edits (WEDI SNIP types 6-7): units against documented minutes under
the payer's unit rule, massage therapists and Medicare, duplicate lines.

Rules that need payer settings run only when the claim's payer is configured
(``ctx.payer_settings(claim)``), so an 837P from an unknown payer gets the payer-independent
rules only.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from claimkit.messages import plural
from claimkit.rules.content_facts import ClaimFacts, claim_facts
from claimkit.rules.content_support import MASSAGE_THERAPIST, provider_taxonomies
from claimkit.rules.engine import Context, Hit, rule
from claimkit.rules.payer_policy import credentials_by_license
from claimkit.units import get_policy

# Tobacco-cessation counseling (CPT 99406/99407): physician or qualified professional services.
TOBACCO_COUNSELING = frozenset({"99406", "99407"})


# Guards (Rule.skip_if): facts that rule a rule's findings out, so the engine need not call it.
def _not_massage_therapist(facts: ClaimFacts) -> bool:
    return not facts.massage_therapist


def _no_repeated_code(facts: ClaimFacts) -> bool:
    """A duplicate line needs the same code twice on one date."""
    return not facts.repeated_code


def _unit_rule(claim: Any, ctx: Context) -> str | None:
    payer = ctx.payer_settings(claim)
    if payer is not None:
        return payer.unit_rule
    return getattr(claim.payer, "unit_rule", None)  # set by the builder from the payer config


@rule("CK-T011", "units.exceed-minutes", severity="error", level=7)
def units_exceed_minutes(claim: Any, ctx: Context) -> Iterator[Hit]:
    """Billed units of a timed code exceed what the documented minutes support (payer's rule).

    Timed ("each 15 minutes") codes are billed from documented minutes: the CMS total-time rule
    (Medicare, Medicaid, TRICARE) pools the day's timed minutes; the AMA rule of eights counts
    each code on its own. Billing more units than the minutes support is overbilling, a
    compliance problem. Runs only where minutes are documented (claims built from session
    records: ``documented_minutes`` of the claim, else each line's ``minutes``) and the payer's
    unit rule is known; a date where a timed line has no minutes is skipped.

    How to fix: bill the units the rule gives (``claimkit units`` shows the allocation), or
    correct the documented minutes if they are wrong.

    Reference: Medicare Claims Processing Manual, Pub. 100-04, ch. 5, sec. 20.2; AMA CPT
    time-based code conventions.
    """
    rule_name = _unit_rule(claim, ctx)
    if rule_name not in ("cms", "ama"):
        return
    policy = get_policy(rule_name)
    documented = getattr(claim, "documented_minutes", None)
    facts = claim_facts(claim, ctx)
    models = facts.time_models
    for on, lines in facts.by_date:
        timed = [ln for ln in lines if models[(ln.code, on)] == "per15"]
        minutes: dict[str, int] = defaultdict(int)
        for ln in timed:
            if ln.minutes is not None:
                minutes[ln.code] += ln.minutes
        if documented and len(facts.by_date) == 1:
            minutes.update(documented)  # the whole day, incl. services that earned no unit
        if not timed or any(ln.code not in minutes for ln in timed):
            continue  # some billed timed code has no documented minutes: nothing to compare
        billed: dict[str, int] = defaultdict(int)
        first_line: dict[str, Any] = {}
        for ln in timed:
            billed[ln.code] += ln.units
            first_line.setdefault(ln.code, ln)
        if not billed:
            continue
        alloc = policy.allocate(dict(minutes))
        allowed: dict[str, int] = defaultdict(int)  # CMS ties: any permitted allocation
        for option in (alloc.lines, *alloc.alternatives):
            for u in option:
                allowed[u.code] = max(allowed[u.code], u.units)
        hit = False
        for code, units in billed.items():
            if units > allowed.get(code, 0):
                hit = True
                ln = first_line[code]
                yield Hit(f"{code} bills {plural(units, 'unit')} on {on} but "
                          f"{plural(minutes[code], 'documented minute')} support {allowed[code]} under the "
                          f"{rule_name.upper()} rule ({plural(alloc.total_minutes, 'timed minute')} that day)",
                          line=ln.number, field="units", fix=f"bill {plural(allowed[code], 'unit')} of {code}",
                          values={"code": code, "units": units, "minutes": minutes[code],
                                  "supported": allowed[code], "unit_rule": rule_name})
        total = sum(billed.values())
        if not hit and total > alloc.total_units:
            ln = timed[0]
            yield Hit(f"{total} timed units are billed on {on} but {alloc.total_minutes} documented "
                      f"minutes support {alloc.total_units} under the {rule_name.upper()} rule",
                      line=ln.number, field="units", fix=f"bill {alloc.total_units} timed units in all",
                      values={"units": total, "minutes": alloc.total_minutes,
                              "supported": alloc.total_units, "unit_rule": rule_name})


@rule("CK-T012", "provider.massage-therapist-medicare", severity="error", level=7)
def massage_therapist_medicare(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A licensed massage therapist (taxonomy 225700000X) bills a payer configured as Medicare.

    Medicare pays outpatient therapy only when furnished by or under qualified physical or
    occupational therapists or speech-language pathologists; a massage therapist is not a
    Medicare provider type, so the claim is denied. Runs only for payers configured with
    ``medicare = true``.

    How to fix: do not bill Medicare for the massage therapist's services: bill the patient, or
    a commercial, auto or workers' compensation payer that covers them. Billing them under a
    supervising PT or OT is not an option: Pub. 100-02 ch. 15 sec. 230.1 says services of a
    massage therapist "may not be billed as therapy services" even when a therapist supervises.

    Reference: 42 CFR 410.59-410.62; Medicare Benefit Policy Manual, Pub. 100-02, ch. 15,
    sec. 220-230 (230.1: qualified personnel; massage therapists).
    """
    payer = ctx.payer_settings(claim)
    if payer is None or not payer.medicare:
        return
    for fld, tax in provider_taxonomies(claim):
        if tax == MASSAGE_THERAPIST:
            yield Hit(f"a massage therapist ({tax}) bills {payer.name}, which is configured as "
                      "Medicare; Medicare does not pay massage therapists", field=fld,
                      fix="do not bill Medicare for it (not billable as therapy even under a "
                          "supervising PT/OT); bill the patient or another payer",
                      values={"taxonomy": tax, "payer": payer.name})


@rule("CK-T013", "provider.massage-tobacco-counseling", severity="warning", level=6,
      skip_if=_not_massage_therapist)
def massage_tobacco_counseling(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A massage therapist bills tobacco-cessation counseling (99406/99407).

    99406/99407 are smoking and tobacco-use cessation counseling by a physician or other
    qualified health professional; they are not "lifestyle counseling" during a massage session,
    and payers deny or audit them on a massage therapist's claim.

    How to fix: remove the line unless the rendering provider is qualified to furnish the
    counseling (then bill it under that provider).

    Payers configured with ``credentials_by_license = true`` get CK-P003 (an error) instead.

    Reference: AMA CPT 99406/99407 (code numbers only); CMS NCD 210.4.1.
    """
    if not claim_facts(claim, ctx).massage_therapist or credentials_by_license(claim, ctx):
        return
    for ln in claim.lines:
        if ln.code in TOBACCO_COUNSELING:
            yield Hit(f"line {ln.number}: {ln.code} (tobacco-cessation counseling) billed by a "
                      f"massage therapist ({MASSAGE_THERAPIST})", line=ln.number, field="code",
                      fix="remove the line or bill it under a qualified provider",
                      values={"code": ln.code})


@rule("CK-T014", "line.duplicate", severity="warning", level=6, skip_if=_no_repeated_code)
def duplicate_line(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The same code with the same modifiers (and drug, NDC) is on two lines of one date.

    Time-based therapy codes are billed on one line per code per date with the units summed;
    two identical lines look like a duplicate submission and the second is usually denied.

    How to fix: merge the lines into one with the summed units and charge (or, if the service
    was truly repeated, add the modifier the payer asks for, e.g. 76/XU). Lines whose national
    drug codes (2410 LIN*N4) differ bill different drugs under one HCPCS code: not duplicates.

    Reference: Pub. 100-04, ch. 5, sec. 20.2; CMS duplicate claim edits.
    """
    facts = claim_facts(claim, ctx)
    for on, lines in facts.by_date:
        seen: dict[tuple[str, tuple[str, ...], str | None], Any] = {}
        for ln in lines:
            key = (ln.code, tuple(sorted(ln.modifiers)), ln.ndc)
            if key in seen:
                first = seen[key]
                yield Hit(f"line {ln.number} repeats {ln.code} of line {first.number} on {on}",
                          line=ln.number, field="code", fix=f"merge line {ln.number} into line {first.number}",
                          values={"code": ln.code, "first_line": first.number})
            else:
                seen[key] = ln
