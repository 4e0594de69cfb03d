"""Therapy edits (WEDI SNIP type 6): units, charges, NCCI PTP pairs, MUE, therapy modifiers.

NCCI edits and MUE limits come from the codeset registry for the date of service; which codes
are timed or untimed comes from the procedure table's time model. The few modifiers named here
are the ones the CMS policies themselves name (they define the edits, they are not a code list).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from claimkit.messages import plural
from claimkit.rules.content_discipline import sometimes_therapy_by_therapist
from claimkit.rules.content_facts import ClaimFacts, claim_facts
from claimkit.rules.content_support import lookup_procedure, money
from claimkit.rules.engine import Context, Hit, rule
from claimkit.rules.payer_policy import ncci_applies

# NCCI Policy Manual ch. I sec. E: PTP edits with indicator 1 may be bypassed with 59 or X{EPSU}.
PTP_BYPASS = frozenset({"59", "XE", "XS", "XP", "XU"})
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
# Pub. 100-04 ch. 5 sec. 20.1: GP/GO/GN mark the plan of care; CQ/CO (assistant) pair with GP/GO.
THERAPY_MODIFIERS = frozenset({"GP", "GO", "GN"})
ASSISTANT_PAIRS = {"CQ": "GP", "CO": "GO"}


# Guards (Rule.skip_if): facts that rule a rule's findings out, so the engine need not call it.
def _charged(facts: ClaimFacts) -> bool:
    """No line, or a total charge other than 0."""
    return not facts.lines or facts.total != 0


def _no_ncci_pair(facts: ClaimFacts) -> bool:
    """No NCCI PTP data, or no edit between the codes of any one date."""
    reg = facts.registry
    return reg is None or not hasattr(reg, "ptp_edits_for") or not facts.ncci_edits


def _within_mue(facts: ClaimFacts) -> bool:
    """No MUE data, or no code whose (positive) units on one date, all lines together,
    exceed its MUE: then neither a line (indicator 1) nor a date (2, 3) exceeds it."""
    reg = facts.registry
    if reg is None or not hasattr(reg, "mue"):
        return True
    mue_of = reg.mue
    for on, by_code in facts.codes_by_date:
        for code, group in by_code.items():
            mue = mue_of(code, on)
            if mue is None:
                continue
            if len(group) == 1:  # (the usual case: one line per code and date)
                if group[0].units > mue.value:
                    return False
            elif sum(max(ln.units, 0) for ln in group) > mue.value:
                return False
    return True


def _therapy_modifiers_present(facts: ClaimFacts) -> bool:
    """A massage therapist's claim (not therapy), or GP/GO/GN on every line."""
    return facts.massage_therapist or all(
        not THERAPY_MODIFIERS.isdisjoint(ln.modifiers) for ln in facts.lines)


def _no_assistant_modifier(facts: ClaimFacts) -> bool:
    return facts.modifiers.isdisjoint(ASSISTANT_PAIRS)


def _no_59_with_x(facts: ClaimFacts) -> bool:
    """59 and an X modifier are not both on the claim (a line with both needs both)."""
    mods = facts.modifiers
    return "59" not in mods or mods.isdisjoint(X_MODIFIERS)


def _no_once_a_day_code(facts: ClaimFacts) -> bool:
    models = facts.time_models.values()
    return "untimed" not in models and "initial" not in models


@rule("CK-T001", "line.units-not-positive", severity="error", level=6)
def units_not_positive(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service line bills zero or negative units.

    SV104 (service unit count) must be greater than zero; a line with no unit bills nothing and
    is rejected.

    How to fix: bill the units the documented time supports, or drop the line.

    Reference: ASC X12 005010X222A1, 2400 SV104.
    """
    for ln in claim.lines:
        if ln.units <= 0:
            yield Hit(f"line {ln.number} ({ln.code}) bills {ln.units} units", line=ln.number,
                      field="units", fix="bill at least 1 unit or remove the line",
                      values={"units": ln.units})


@rule("CK-T002", "line.charge-negative", severity="error", level=6)
def charge_negative(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service line has a negative charge.

    Line charges (SV102) cannot be negative; adjustments are not sent on the claim.

    How to fix: bill the practice's full charge for the service.

    Reference: ASC X12 005010X222A1, 2400 SV102 (monetary amount, not negative).
    """
    for ln in claim.lines:
        if ln.charge < 0:
            yield Hit(f"line {ln.number} ({ln.code}) has a negative charge {money(ln.charge)}",
                      line=ln.number, field="charge", fix="bill the practice's charge for the service",
                      values={"charge": str(ln.charge)})


@rule("CK-T003", "claim.zero-charge", severity="error", level=6, skip_if=_charged)
def zero_charge(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A claim with services has a total charge of $0.

    A chargeable professional claim must bill an amount; a $0 claim is rejected (or, worse,
    paid at $0).

    How to fix: set the charges from the practice's fee schedule (the payer's ``fees`` in the
    configuration).

    Reference: ASC X12 005010X222A1, 2300 CLM02; payer front-end edits.
    """
    if claim.lines and claim_facts(claim, ctx).total == 0:
        yield Hit(f"the claim has {len(claim.lines)} service line(s) and a total charge of 0.00",
                  field="total_charge", fix="set the line charges from the fee schedule")


def _ptp_hits(claim: Any, ctx: Context, indicator: str) -> Iterator[tuple[Any, Any, Any]]:
    """(edit, column-1 line, column-2 line) of every active NCCI pair on one date of service."""
    reg = ctx.registry
    if reg is None or not hasattr(reg, "ptp_edits_for") or not ncci_applies(claim, ctx):
        return
    for _, lines, edits in claim_facts(claim, ctx).ncci_edits:
        for edit in edits:
            if edit.modifier_indicator != indicator:
                continue
            # The registry matched the codes trimmed and upper-cased (" 97140", "g0283" as a
            # file may send them): compare the lines the same way.
            first1 = next((ln for ln in lines if _code(ln.code) == edit.column1), None)
            if first1 is None:
                continue
            for ln2 in (ln for ln in lines if _code(ln.code) == edit.column2):
                yield edit, first1, ln2


def _code(code: str) -> str:
    return code.strip().upper()


@rule("CK-T004", "ncci.ptp-never-together", severity="error", level=6, skip_if=_no_ncci_pair)
def ptp_indicator_0(claim: Any, ctx: Context) -> Iterator[Hit]:
    """Two codes billed on one date form an NCCI pair that can never be billed together.

    NCCI procedure-to-procedure edits with modifier indicator 0 deny the column-2 code whenever
    the column-1 code is billed for the same patient and date, whatever the modifiers. Example
    (2024-04-01 practitioner file): 97140 manual therapy and 97124 massage on the same day.
    Dates before the oldest installed NCCI release are not checked (see ``claimkit codeset
    list``); dates after the newest are checked with it, as CMS edits carry forward. Runs for
    payers that apply NCCI (payer setting ``ncci``; default: Medicare and Medicaid filing
    indicators MA, MB, MC; unconfigured payers: always), so a massage therapist's 97140 +
    97124 to a commercial payer with ``ncci = false`` is not reported.

    How to fix: bill only one of the two services for that date (the column-1 code, usually).

    Reference: CMS NCCI Policy Manual for Medicare Services, ch. I sec. E; NCCI PTP practitioner
    edit files.
    """
    for edit, ln1, ln2 in _ptp_hits(claim, ctx, "0"):
        yield Hit(f"{edit.column2} (line {ln2.number}) cannot be billed with {edit.column1} "
                  f"(line {ln1.number}) on {ln2.date_of_service}: NCCI edit, modifier indicator 0"
                  + (" (edit from an older release)" if edit.stale else ""),
                  line=ln2.number, field="code", fix=f"remove {edit.column2} or {edit.column1} for that date",
                  values={"column1": edit.column1, "column2": edit.column2, "indicator": "0",
                          "release": edit.release})


@rule("CK-T005", "ncci.ptp-modifier-required", severity="error", level=6,
      skip_if=_no_ncci_pair)
def ptp_indicator_1(claim: Any, ctx: Context) -> Iterator[Hit]:
    """An NCCI pair is billed on one date without 59/XE/XS/XP/XU on the column-2 line.

    Edits with modifier indicator 1 deny the column-2 code unless it was a distinct service
    (separate session, structure, practitioner or non-overlapping time) and carries 59 or an X
    modifier. Example: 97150 group therapy with 97110 on the same date.

    How to fix: if the services were truly distinct, add XU (or 59/XE/XS/XP) to the column-2
    line; otherwise bill only the column-1 code.

    Reference: CMS NCCI Policy Manual, ch. I sec. E; CMS MLN "Proper use of modifiers 59, XE,
    XP, XS and XU". Runs for payers that apply NCCI (setting ``ncci``, as CK-T004).
    """
    for edit, ln1, ln2 in _ptp_hits(claim, ctx, "1"):
        if not PTP_BYPASS.intersection(ln2.modifiers):
            yield Hit(f"{edit.column2} (line {ln2.number}) is bundled into {edit.column1} (line "
                      f"{ln1.number}) on {ln2.date_of_service} unless marked distinct (59/XE/XS/XP/XU)",
                      line=ln2.number, field="modifiers",
                      fix=f"add XU/59 to line {ln2.number} if the service was distinct, else drop it",
                      values={"column1": edit.column1, "column2": edit.column2, "indicator": "1",
                              "release": edit.release})


@rule("CK-T006", "mue.units-exceeded", severity="error", level=6, skip_if=_within_mue)
def mue_exceeded(claim: Any, ctx: Context) -> Iterator[Hit]:
    """More units of a code on one date than its medically unlikely edit (MUE) allows.

    MUEs cap the units of a code per line (adjudication indicator 1) or per date of service
    (indicators 2 and 3, summed over the lines of that date). 2024-04-01 practitioner values:
    97110, 97140, 97530 = 6; 97112, 97124 = 4; evaluations = 1. As for NCCI pairs, dates
    before the oldest installed MUE release are not checked. Runs for payers that apply NCCI
    (setting ``ncci``, as CK-T004: MUEs are part of the NCCI program).

    How to fix: check the documented time; bill at most the MUE value (units above it are
    denied; indicator 3 denials can be appealed with records).

    Reference: CMS Medically Unlikely Edits, practitioner services MUE table.
    """
    reg = ctx.registry
    if reg is None or not hasattr(reg, "mue") or not ncci_applies(claim, ctx):
        return
    mue_of = reg.mue
    for on, by_code in claim_facts(claim, ctx).codes_by_date:
        for code, group in by_code.items():
            mue = mue_of(code, on)
            if mue is None or (len(group) == 1 and group[0].units <= mue.value):
                continue  # (one line: per line and per date count the same units)
            if mue.adjudication_indicator == 1:
                chunks = [(ln, ln.units) for ln in group]
            else:
                chunks = [(group[0], sum(ln.units for ln in group))]
            for ln, units in chunks:
                if units > mue.value:
                    per = "on the line" if mue.adjudication_indicator == 1 else f"on {on}"
                    yield Hit(f"{code} bills {plural(units, 'unit')} {per}; its MUE is {mue.value} "
                              f"(adjudication indicator {mue.adjudication_indicator})",
                              line=ln.number, field="units", fix=f"bill at most {plural(mue.value, 'unit')}",
                              values={"code": code, "units": units, "mue": mue.value,
                                      "indicator": mue.adjudication_indicator, "release": mue.release})


def _always_therapy(ctx: Context, code: str, on: Any) -> bool:
    from claimkit.codesets import always_therapy

    found = lookup_procedure(ctx, code, on)
    return found is not None and always_therapy(found)  # no registry: nothing to consult


@rule("CK-T007", "modifier.therapy-missing", severity="error", level=6,
      skip_if=_therapy_modifiers_present)
def therapy_modifier_missing(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A therapy service is billed without GP, GO or GN.

    Services that are always therapy must say under which plan of care they were furnished: GP
    (physical therapy), GO (occupational therapy) or GN (speech-language pathology); so must a
    "sometimes therapy" code (caregiver training, remote monitoring, wound care ...) furnished
    by a therapist. Which codes count is codeset data: the procedure table's ``therapy`` column
    (CMS therapy code list) and the taxonomy table's ``discipline``. Not applied to a licensed
    massage therapist (taxonomy 225700000X), who does not work under a therapy plan of care
    (CK-T012 covers massage therapists billing Medicare).

    How to fix: add the modifier of the plan of care (GP for PT, GO for OT, GN for SLP); the
    provider's ``therapy_modifier`` in the configuration adds it automatically on build.

    Reference: Medicare Claims Processing Manual, Pub. 100-04, ch. 5, sec. 20.1.
    """
    if claim_facts(claim, ctx).massage_therapist:
        return  # massage is not therapy: no discipline modifier
    for ln in claim.lines:
        if THERAPY_MODIFIERS.isdisjoint(ln.modifiers) and (
                _always_therapy(ctx, ln.code, ln.date_of_service) or sometimes_therapy_by_therapist(claim, ctx, ln)):
            yield Hit(f"line {ln.number}: therapy code {ln.code} has no GP/GO/GN modifier",
                      line=ln.number, field="modifiers", fix="add GP (PT), GO (OT) or GN (SLP)",
                      values={"code": ln.code, "modifiers": list(ln.modifiers)})


@rule("CK-T008", "modifier.assistant-without-discipline", severity="error", level=6,
      skip_if=_no_assistant_modifier)
def assistant_modifier(claim: Any, ctx: Context) -> Iterator[Hit]:
    """CQ is billed without GP, or CO without GO, on the same line.

    CQ (in part by a physical therapist assistant) belongs to PT services and goes with GP; CO
    (in part by an occupational therapy assistant) goes with GO.

    How to fix: add GP to a CQ line or GO to a CO line (or remove the assistant modifier if no
    assistant took part).

    Reference: CMS CY2020 PFS final rule (84 FR 62568) and Pub. 100-04, ch. 5, sec. 20.1.
    """
    for ln in claim.lines:
        for assistant, discipline in ASSISTANT_PAIRS.items():
            if assistant in ln.modifiers and discipline not in ln.modifiers:
                yield Hit(f"line {ln.number} ({ln.code}) has {assistant} without {discipline}",
                          line=ln.number, field="modifiers", fix=f"add {discipline} or remove {assistant}",
                          values={"modifier": assistant, "needs": discipline})


@rule("CK-T009", "modifier.59-with-x", severity="error", level=6, skip_if=_no_59_with_x)
def fifty_nine_with_x(claim: Any, ctx: Context) -> Iterator[Hit]:
    """Modifier 59 and an X modifier (XE/XS/XP/XU) are on the same line.

    The X modifiers are more specific subsets of 59; CMS instructs not to report them together
    on one line.

    How to fix: keep the one X modifier that describes why the service was distinct, drop 59.

    Reference: CMS MLN1783722 "Proper use of modifiers 59, XE, XP, XS and XU"; NCCI Policy
    Manual ch. I sec. E.
    """
    for ln in claim.lines:
        xs = sorted(X_MODIFIERS.intersection(ln.modifiers))
        if "59" in ln.modifiers and xs:
            yield Hit(f"line {ln.number} ({ln.code}) has 59 together with {', '.join(xs)}",
                      line=ln.number, field="modifiers", fix="drop 59 and keep the X modifier",
                      values={"modifiers": list(ln.modifiers)})


@rule("CK-T010", "units.untimed-over-one", severity="error", level=6,
      skip_if=_no_once_a_day_code)
def untimed_over_one(claim: Any, ctx: Context) -> Iterator[Hit]:
    """An untimed or initial-block code bills more than 1 unit on one date.

    Untimed codes (supervised modalities 97010-97028, evaluations 97161-97172, group 97150) are
    billed once per day whatever the time; initial codes such as 97129 (first 15 minutes) also
    once a day, with the add-on code for more time. The time model comes from the codeset.

    How to fix: bill 1 unit; for more time on an initial + add-on pair, bill the add-on code.

    Reference: Pub. 100-04, ch. 5, sec. 20.2; AMA CPT time-based code conventions.
    """
    facts = claim_facts(claim, ctx)
    models = facts.time_models
    for on, lines in facts.by_date:
        seen: dict[str, int] = defaultdict(int)
        for ln in lines:
            model = models[(ln.code, on)]
            if model not in ("untimed", "initial"):
                continue
            seen[ln.code] += ln.units
            if seen[ln.code] > 1:
                yield Hit(f"{ln.code} is {model} (once per day) but {seen[ln.code]} units are billed "
                          f"on {on}", line=ln.number, field="units", fix="bill 1 unit",
                          values={"code": ln.code, "units": seen[ln.code], "time_model": model})
