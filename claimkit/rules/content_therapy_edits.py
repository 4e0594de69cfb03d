"""Therapy coding edits that hold for every payer (WEDI SNIP type 6): add-on codes without their
primary, time-banded codes below their floor, injury codes coded as an initial encounter on
therapy claims, assistant modifiers on evaluations.

The code facts (which code is an add-on of which, time ranges, evaluation codes) come from the
payer-policy tables in codesets/ (claimkit.codesets.policy), asked with the date of service.
"""
from __future__ import annotations

from typing import Any, Iterator

from claimkit.codesets.icd import dotted
from claimkit.rules.content_facts import claim_facts
from claimkit.rules.content_support import lookup_procedure
from claimkit.rules.engine import Context, Hit, rule
from claimkit.rules.payer_policy import has_role, policy_rows

# Pub. 100-04 ch. 5 sec. 20.1: the plan-of-care modifiers, and the assistant modifiers that go
# with them (CY2020 PFS final rule). Named by the policies themselves, not a code list.
PLAN_OF_CARE = frozenset({"GP", "GO", "GN"})
ASSISTANT_MODIFIERS = frozenset({"CQ", "CO"})


def _no_addon_code(facts: Any) -> bool:
    """The guard (Rule.skip_if): no code of the claim is an add-on code on any date."""
    reg = facts.registry
    if reg is None or not hasattr(reg, "policy_codes"):
        return True
    addons = reg.policy_codes("addon")
    return all(c.strip().upper() not in addons for _, by_code in facts.codes_by_date for c in by_code)


@rule("CK-T016", "addon.without-primary", severity="error", level=6, skip_if=_no_addon_code)
def addon_without_primary(claim: Any, ctx: Context) -> Iterator[Hit]:
    """An add-on code is billed without its primary code on the same date of service.

    Add-on codes (97130 cognitive training, each further 15 minutes; 97546 work hardening, each
    further hour; 97551 caregiver training, each further 15 minutes; 92608, 92618 device
    evaluations, each further 30 minutes; 98981, 97598) describe time or work beyond a primary
    service and are paid only when that primary code is billed for the same patient and date
    by the same practitioner. Without it the add-on line is denied. Which primary codes go with
    which add-on is codeset data (codesets/addon, by date of service).

    How to fix: bill the primary code for the first block of time (e.g. 97129 before 97130,
    97550 before 97551) on the same date, or bill the service with the primary code alone.

    Reference: CMS NCCI Policy Manual for Medicare Services, ch. I sec. D (add-on codes) and
    the NCCI add-on code edit files (Type I: primary codes named by CPT); AMA CPT add-on code
    convention (code numbers only).
    """
    for on, by_code in claim_facts(claim, ctx).codes_by_date:
        billed = {c.strip().upper() for c in by_code}
        for code, lines in by_code.items():
            rows = policy_rows(ctx, "addon", code, on)
            if not rows:
                continue
            primaries = rows[0].get("primaries", "").split()
            if primaries and billed.isdisjoint(primaries):
                ln = lines[0]
                yield Hit(f"line {ln.number}: add-on code {code} on {on} without its primary code "
                          f"({' or '.join(primaries)}) on that date", line=ln.number, field="code",
                          fix=f"bill {' or '.join(primaries)} for the same date, or remove {code}",
                          values={"code": code, "primaries": primaries})


def _minute_range(value: str) -> tuple[int, int | None] | None:
    """'4-10' -> (4, 10); '11-' -> (11, None); None for a malformed value (never raises)."""
    low, _, high = value.partition("-")
    try:
        return int(low), (int(high) if high else None)
    except ValueError:
        return None


@rule("CK-T017", "minutes.below-code-floor", severity="error", level=6)
def minutes_below_floor(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A time-banded code is billed with fewer documented minutes than it requires.

    Some codes are defined by a band of face-to-face time rather than 15-minute units:
    tobacco-use cessation counseling 99406 needs more than 3 minutes (up to 10) and 99407 more
    than 10. Counseling of 3 minutes or less is not separately billable; 99407 with 10 minutes
    or less is 99406 at most. Runs where the line's minutes are documented (claims built from
    session records); the time bands are codeset data (codesets/therapy-roles, role
    ``minutes``).

    How to fix: bill the code whose band contains the documented minutes (99406 for 4-10
    minutes), drop the line when the time is below every band, or correct the minutes.

    Reference: AMA CPT 99406/99407 time bands (code numbers only); CMS NCD 210.4.1
    (counseling to prevent tobacco use); Pub. 100-04 ch. 18 sec. 150.
    """
    for ln in claim.lines:
        if ln.minutes is None:
            continue
        row = has_role(ctx, "procedure", ln.code, "minutes", ln.date_of_service)
        band = _minute_range(row.get("value", "")) if row else None
        if band is None:
            continue
        low, high = band
        if ln.minutes < low:
            span = f"{low}-{high}" if high else f"{low} or more"
            yield Hit(f"line {ln.number}: {ln.code} requires {span} minutes; {ln.minutes} documented",
                      line=ln.number, field="minutes",
                      fix=f"bill {ln.code} only for {span} minutes, or the code of the documented time",
                      values={"code": ln.code, "minutes": ln.minutes, "least": low})


def _therapy_line(ctx: Context, ln: Any) -> bool:
    """A line under a therapy plan of care (GP/GO/GN), or a code on the CMS therapy list as
    'always therapy'."""
    if not PLAN_OF_CARE.isdisjoint(ln.modifiers):
        return True
    found = lookup_procedure(ctx, ln.code, ln.date_of_service)
    return str((getattr(found, "attrs", None) or {}).get("therapy", "")) == "always"


def _initial_injury(code: str) -> bool:
    """An ICD-10-CM chapter 19 code (injury, S00-T88) with 7th character A: guideline I.C.19.a
    defines the 7th characters A/D/S for the chapter's codes (a shape, not a code list)."""
    bare = code.replace(".", "").strip().upper()
    return len(bare) == 7 and bare[0] in "ST" and bare[6] == "A"


@rule("CK-T018", "dx.initial-encounter-on-therapy", severity="warning", level=6)
def initial_encounter_on_therapy(claim: Any, ctx: Context) -> Iterator[Hit]:
    """An injury code with 7th character A (initial encounter) supports a therapy service.

    ICD-10-CM guideline I.C.19.a: 7th character A is for encounters while the patient receives
    active treatment for the injury; D (subsequent encounter) is for encounters after it, during
    healing and recovery, and the guideline names rehabilitation therapy as an example. A
    therapy claim is therefore a subsequent encounter; payers audit A on therapy claims, the
    more so long after the injury. When the claim states the onset of the injury or the initial
    treatment date (``onset_date`` / ``initial_treatment_date``), the message says how long
    before the date of service that was.

    How to fix: code the injury with 7th character D (e.g. S39.012A -> S39.012D) on therapy
    claims; keep A only if the therapist's encounter was truly part of active treatment.

    Reference: ICD-10-CM Official Guidelines for Coding and Reporting, sec. I.C.19.a (7th
    characters; rehabilitation therapy as a subsequent encounter).
    """
    if not any(isinstance(code, str) and _initial_injury(code) for code in claim.diagnoses):
        return  # (the usual claim: nothing to report, and no line's codes need looking up)
    if claim_facts(claim, ctx).massage_therapist:
        return  # massage is not therapy under a plan of care (as CK-T007)
    therapy = [ln for ln in claim.lines if _therapy_line(ctx, ln)]
    if not therapy:
        return
    pointed = {p for ln in therapy for p in ln.pointers} or set(range(1, len(claim.diagnoses) + 1))
    since = getattr(claim, "onset_date", None) or getattr(claim, "initial_treatment_date", None)
    for i, code in enumerate(claim.diagnoses, start=1):
        if i not in pointed or not _initial_injury(code):
            continue
        bare = code.replace(".", "").strip().upper()
        later = ""
        if since is not None:
            days = (claim.date_of_service - since).days
            later = f", {days} days after the onset/initial treatment" if days > 0 else ""
        yield Hit(f"diagnosis {i} ({dotted(bare)}) is coded as an initial encounter (7th character A) on "
                  f"a therapy claim{later}; rehabilitation therapy is a subsequent encounter (D)",
                  field=f"diagnoses[{i}]", fix=f"use {dotted(bare[:6] + 'D')}",
                  values={"code": bare, "suggested": bare[:6] + "D"})


@rule("CK-T019", "modifier.assistant-on-evaluation", severity="error", level=6)
def assistant_on_evaluation(claim: Any, ctx: Context) -> Iterator[Hit]:
    """CQ or CO (furnished in part by a therapy assistant) is on an evaluation or re-evaluation.

    Evaluations and re-evaluations (97161-97168) are the therapist's own work: Medicare does
    not allow PT or OT assistants to evaluate or re-evaluate patients, so an evaluation
    furnished in part by an assistant cannot be billed, and a CQ/CO on it is a coding error.
    Which codes are evaluations is codeset data (codesets/therapy-roles, role ``evaluation``).

    How to fix: remove CQ/CO if the therapist performed the evaluation; otherwise the service
    is not billable as an evaluation.

    Reference: Medicare Benefit Policy Manual, Pub. 100-02, ch. 15, sec. 230.1 and 230.2
    (services of PTAs/OTAs; evaluations by the therapist); CMS CR 9933 (evaluation codes);
    CY2020 PFS final rule (CQ/CO).
    """
    for ln in claim.lines:
        if ASSISTANT_MODIFIERS.isdisjoint(ln.modifiers):
            continue  # (the usual line: no set or list made for it)
        mods = sorted(ASSISTANT_MODIFIERS.intersection(ln.modifiers))
        if mods and has_role(ctx, "procedure", ln.code, "evaluation", ln.date_of_service):
            yield Hit(f"line {ln.number}: {ln.code} is an evaluation; {'/'.join(mods)} (assistant) "
                      "cannot be on it", line=ln.number, field="modifiers",
                      fix=f"remove {'/'.join(mods)}: evaluations are the therapist's own service",
                      values={"code": ln.code, "modifiers": mods})
