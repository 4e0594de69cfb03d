"""Code sets by date of service (WEDI SNIP type 5): diagnoses, procedures, modifiers, POS.

Every check asks the codeset registry *on the date of service*; a date no installed release
covers is its own finding (CK-C009), never a guess from a neighbouring release.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Iterator

from claimkit.codesets.icd import dotted
from claimkit.rules.content_facts import ClaimFacts, claim_facts, no_code_issue
from claimkit.rules.content_support import (
    ICD9_SHAPE,
    ICD10_SHAPE,
    MODIFIER_SHAPE,
    POS_SHAPE,
    PROC_SHAPE,
    fmt_codes,
    fmt_dates,
    status_lookup,
)
from claimkit.rules.engine import Context, Hit, rule

ICD10_START = date(2015, 10, 1)  # HIPAA compliance date for ICD-10-CM (45 CFR 162.1002)

# Guards (Rule.skip_if): facts that rule a rule's findings out, so the engine need not call it.
_DX_OK, _PROC_OK, _MOD_OK, _POS_OK = map(no_code_issue, ("icd10cm", "procedure", "modifier", "pos"))


def _dx_well_formed(facts: ClaimFacts) -> bool:
    return facts.diagnoses.well_formed


def _no_icd9(facts: ClaimFacts) -> bool:
    """No service from 2015-10-01, or no ICD-9-shaped code and no BK/BF qualifier."""
    dates = facts.dates
    if not dates or dates[-1] < ICD10_START:
        return True
    quals = getattr(facts.claim, "diagnosis_qualifiers", None) or []
    return not facts.diagnoses.icd9 and "BK" not in quals and "BF" not in quals


def _dx_status_text(code: str, status: str, on: date, release: str | None, valid_from: str | None = None) -> str:
    """The message of CK-C002; CODE is shown the way people write it (M54.50)."""
    code = dotted(code)
    where = f" (release {release}{f'; valid from {valid_from}' if valid_from else ''})" if release else ""
    return {
        "header": f"diagnosis {code} is a category header, not billable on {on}{where}",
        "terminated": f"diagnosis {code} is no longer valid on {on}{where}",
        "not-yet-valid": f"diagnosis {code} is not valid yet on {on}{where}",
        "unknown": f"diagnosis {code} is not an ICD-10-CM code on {on}{where}",
    }.get(status, f"diagnosis {code} is {status} on {on}{where}")


@rule("CK-C001", "dx.format", severity="error", level=5, skip_if=_dx_well_formed)
def dx_format(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A diagnosis is not written as an ICD-10-CM code the 837P accepts.

    On the 837P (HI segment, 2300 loop) an ICD-10-CM code is 3 to 7 letters and digits *without*
    its decimal point: M54.50 is sent as M5450. A dot, lower case, spaces or a shape that is not
    ICD-10-CM make the payer reject the claim at the front door.

    How to fix: write the code without the dot, in upper case (M54.50 -> M5450); if the code is
    not ICD-10-CM at all, look up the right one.

    Reference: ASC X12 005010X222A1, 2300 HI01-2 (industry code, no decimal point); ICD-10-CM
    Official Guidelines, section I.A.
    """
    for i, code in enumerate(claim.diagnoses, start=1):
        bare = code.replace(".", "").strip().upper()
        if not bare:  # (HI01-2 etc. are required: an empty code is reported as such)
            yield Hit(f"diagnosis at position {i} is empty", field=f"diagnoses[{i}]",
                      fix="fill in the ICD-10-CM code or remove the position",
                      values={"code": code})
        elif "." in code and ICD10_SHAPE.match(bare):
            yield Hit(f"diagnosis {code} is written with a dot; the 837P carries it as {bare}",
                      field=f"diagnoses[{i}]", fix=f"write {bare}", values={"code": code})
        elif ICD9_SHAPE.match(code.strip()):
            continue  # an ICD-9 code: CK-C003 says so with the date
        elif not ICD10_SHAPE.match(code):
            yield Hit(f"diagnosis {code!r} is not shaped like an ICD-10-CM code "
                      "(a letter, a digit, then 1-5 letters or digits, no dot)",
                      field=f"diagnoses[{i}]", fix="use the ICD-10-CM code from the chart, without the dot",
                      values={"code": code})


@rule("CK-C002", "dx.not-billable-on-dos", severity="error", level=5, skip_if=_DX_OK)
def dx_not_billable(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A diagnosis code is not billable on a date of service of the claim.

    Only billable ICD-10-CM codes (the leaves of the tabular list, including any 7th character)
    may be reported, and the set changes every October 1 (often April 1 too). M54.5 was billable
    until 2021-09-30 and is a header since 2021-10-01; codes are also added and deleted. The
    check uses the release in force on each date of service of the claim's lines.

    How to fix: pick a billable code valid on the date of service; for a header or deleted code
    the finding lists the codes that replace it on that date (for example M54.50, M54.51,
    M54.59; on the 837P they are sent without the dot).

    Reference: ICD-10-CM Official Guidelines, section I.B.2 (level of detail); 45 CFR 162.1002.
    """
    facts = claim_facts(claim, ctx)
    ask = status_lookup(ctx.registry)
    for i, bare in facts.diagnoses.icd10:  # the others: CK-C001 / CK-C003
        bad: dict[tuple[str, str | None, tuple[str, ...], str | None], list[date]] = defaultdict(list)
        for on in facts.dates:
            found, st = ask("icd10cm", bare, on)
            if found is None or st in ("billable", "no-release"):
                continue
            repl = tuple(getattr(found, "replacements", ()) or ())
            valid_from = (getattr(found, "attrs", None) or {}).get("valid_from")
            bad[(st, getattr(found, "release", None), repl, valid_from)].append(on)
        for (st, release, repl, valid_from), on_dates in bad.items():
            msg = _dx_status_text(bare, st, on_dates[0], release, valid_from)
            if len(on_dates) > 1:
                msg += f" (also on {fmt_dates(on_dates[1:])})"
            # message and fix write codes with the dot (M54.50); values keep them as sent (M5450)
            fix = (f"use one of {fmt_codes(map(dotted, repl))}" if repl
                   else "choose a billable ICD-10-CM code valid on the date of service")
            yield Hit(msg, field=f"diagnoses[{i}]", fix=fix,
                      values={"code": bare, "status": st, "on": on_dates[0].isoformat(),
                              "release": release, "replacements": list(repl)})


@rule("CK-C003", "dx.icd9-after-icd10-date", severity="error", level=5, skip_if=_no_icd9)
def dx_icd9(claim: Any, ctx: Context) -> Iterator[Hit]:
    """An ICD-9-CM code (or the ICD-9 qualifier BK/BF) on a service from 2015-10-01.

    Since 2015-10-01 every HIPAA claim must carry ICD-10-CM diagnoses with the qualifiers ABK
    (principal) and ABF (other); ICD-9-CM codes such as 724.2 and the qualifiers BK/BF are
    rejected for those dates of service.

    How to fix: code the diagnoses in ICD-10-CM (for example 724.2 -> M54.50) and send them as
    ABK/ABF.

    Reference: 45 CFR 162.1002(c)(3); ASC X12 005010X222A1, 2300 HI01-1.
    """
    late = [d for d in claim_facts(claim, ctx).dates if d >= ICD10_START]
    if not late:
        return  # every service predates ICD-10-CM
    quals = getattr(claim, "diagnosis_qualifiers", None) or []
    for i, code in enumerate(claim.diagnoses, start=1):
        if ICD9_SHAPE.match(code.strip()):
            yield Hit(f"diagnosis {code} looks like an ICD-9-CM code; services on {late[0]} "
                      "need ICD-10-CM", field=f"diagnoses[{i}]",
                      fix="code the diagnosis in ICD-10-CM", values={"code": code})
    for i, qual in enumerate(quals, start=1):
        if qual in ("BK", "BF"):
            yield Hit(f"diagnosis qualifier {qual} is ICD-9-CM; services on {late[0]} need "
                      f"{'ABK' if qual == 'BK' else 'ABF'}", field=f"diagnoses[{i}]",
                      fix="send ICD-10-CM codes with ABK (principal) / ABF (other)",
                      values={"qualifier": qual})


@rule("CK-C004", "proc.format", severity="error", level=5, skip_if=_PROC_OK)
def proc_format(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A procedure code is not shaped like a CPT or HCPCS Level II code.

    SV101-2 carries a 5-character code: five digits or four digits and a letter (CPT, including
    category II/III) or a letter and four digits (HCPCS Level II). Anything else cannot be
    adjudicated.

    How to fix: bill the 5-character code without spaces, dots or modifiers (modifiers go in
    their own fields).

    Reference: ASC X12 005010X222A1, 2400 SV101-2; CMS HCPCS Level II coding.
    """
    for ln in claim.lines:
        if not PROC_SHAPE.match(ln.code):
            yield Hit(f"procedure code {ln.code!r} is not a 5-character CPT or HCPCS code",
                      line=ln.number, field="code", fix="bill the 5-character CPT/HCPCS code",
                      values={"code": ln.code})


@rule("CK-C005", "proc.not-valid-on-dos", severity="error", level=5, skip_if=_PROC_OK)
def proc_not_valid(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A procedure code was deleted before, or starts after, the line's date of service.

    CPT changes every January 1 and HCPCS Level II every quarter. 97001-97004 were deleted on
    2017-01-01 (replaced by 97161-97168), 97532 on 2018-01-01, 97762 on 2018-01-01 (97763).
    A code is valid on date d when it was added on or before d and not terminated before d.

    How to fix: bill the code in force on the date of service; the finding names the codes
    that replace a deleted one.

    Reference: AMA CPT annual changes; CMS HCPCS Level II quarterly update files.
    """
    ask = status_lookup(ctx.registry)
    for ln in claim.lines:
        if not PROC_SHAPE.match(ln.code):
            continue
        found, st = ask("procedure", ln.code, ln.date_of_service)
        if found is None or st not in ("terminated", "not-yet-valid", "header"):
            continue
        repl = list(getattr(found, "replacements", ()) or ())
        what = {"terminated": "was deleted before", "not-yet-valid": "is not valid yet on",
                "header": "is not billable on"}[st]
        yield Hit(f"procedure code {ln.code} {what} {ln.date_of_service}", line=ln.number,
                  field="code",
                  fix=f"bill {fmt_codes(repl)} instead" if repl else "bill a code valid on the date of service",
                  values={"code": ln.code, "status": st, "replacements": repl,
                          "release": getattr(found, "release", None)})


@rule("CK-C006", "proc.unknown", severity="warning", level=5, skip_if=_PROC_OK)
def proc_unknown(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A procedure code is in none of the installed procedure code sets.

    claimkit ships the therapy and massage codes (CPT numbers and HCPCS Level II); other codes
    need a HCPCS file or a licensed CPT file imported with ``claimkit codeset import``. An
    unknown code may be a typo or a code from outside the bundled therapy range; this is a
    warning because the bundled list is not the whole CPT.

    How to fix: check the code; if it is right, import the CPT/HCPCS release that contains it.

    Reference: AMA CPT; CMS HCPCS Level II files.
    """
    ask = status_lookup(ctx.registry)
    for ln in claim.lines:
        if not PROC_SHAPE.match(ln.code):
            continue
        found, st = ask("procedure", ln.code, ln.date_of_service)
        if found is not None and st == "unknown":
            yield Hit(f"procedure code {ln.code} is not in the installed code sets "
                      f"(date of service {ln.date_of_service})", line=ln.number, field="code",
                      fix="check the code, or import the CPT/HCPCS release that contains it",
                      values={"code": ln.code})


@rule("CK-C007", "modifier.invalid", severity="error", level=5, skip_if=_MOD_OK)
def modifier_invalid(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A modifier is malformed or not valid on the line's date of service.

    Modifiers are two letters or digits (SV101-3 to SV101-6) and, like codes, have effective and
    termination dates (XE/XS/XP/XU exist from 2015-01-01, CQ/CO from 2019-01-01, 93 from
    2022-01-01). Unknown modifiers are reported by CK-C008.

    How to fix: use a modifier valid on the date of service, two characters, upper case.

    Reference: ASC X12 005010X222A1, 2400 SV101-3..6; CMS HCPCS Level II modifiers.
    """
    ask = status_lookup(ctx.registry)
    for ln in claim.lines:
        for m in ln.modifiers:
            if not MODIFIER_SHAPE.match(m):
                yield Hit(f"modifier {m!r} is not two letters or digits", line=ln.number,
                          field="modifiers", fix="use a 2-character modifier", values={"modifier": m})
                continue
            found, st = ask("modifier", m, ln.date_of_service)
            if found is not None and st in ("terminated", "not-yet-valid"):
                what = "is no longer valid on" if st == "terminated" else "is not valid yet on"
                yield Hit(f"modifier {m} {what} {ln.date_of_service}", line=ln.number,
                          field="modifiers", fix="remove the modifier or use the current one",
                          values={"modifier": m, "status": st})


@rule("CK-C008", "modifier.unknown", severity="warning", level=5, skip_if=_MOD_OK)
def modifier_unknown(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A modifier is not in the installed modifier list.

    The bundled list has the modifiers therapy and massage claims use (GP GO GN CQ CO KX 59
    XE XS XP XU 95 ...); a modifier outside it may be a typo.

    How to fix: check the modifier; if it is right for this payer, ignore this rule for the
    file or import a fuller HCPCS release.

    Reference: CMS HCPCS Level II modifiers; AMA CPT Appendix A.
    """
    ask = status_lookup(ctx.registry)
    for ln in claim.lines:
        for m in ln.modifiers:
            if MODIFIER_SHAPE.match(m):
                found, st = ask("modifier", m, ln.date_of_service)
                if found is not None and st == "unknown":
                    yield Hit(f"modifier {m} on {ln.code} is not a known modifier", line=ln.number,
                              field="modifiers", fix="check the modifier", values={"modifier": m})


@rule("CK-C010", "pos.invalid", severity="error", level=5, skip_if=_POS_OK)
def pos_invalid(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A place-of-service code is unknown or not valid on the date of service.

    Place of service is two digits from the CMS list (11 office, 12 home, 02/10 telehealth ...)
    and codes have effective dates: POS 10 (telehealth in the patient's home) exists from
    2022-01-01. The claim's POS (CLM05-1) and any line POS (SV105) are checked on each date.

    How to fix: use the CMS place-of-service code valid on the date of service.

    Reference: CMS Place of Service Code Set; ASC X12 005010X222A1, CLM05-1 and SV105.
    """
    facts = claim_facts(claim, ctx)
    ask = status_lookup(ctx.registry)
    checks: list[tuple[int | None, str, str, date]] = []
    for on in facts.dates:
        checks.append((None, "place_of_service", claim.place_of_service, on))
    for ln in claim.lines:
        if ln.place_of_service:
            checks.append((ln.number, "place_of_service", ln.place_of_service, ln.date_of_service))
    reported: set[tuple[int | None, str]] = set()
    for line, fld, code, on in checks:
        if (line, code) in reported:
            continue
        if not POS_SHAPE.match(code or ""):
            reported.add((line, code))
            yield Hit(f"place of service {code!r} is not a 2-digit code", line=line, field=fld,
                      fix="use a 2-digit CMS place-of-service code", values={"pos": code})
            continue
        found, st = ask("pos", code, on)
        if found is not None and st in ("unknown", "terminated", "not-yet-valid"):
            reported.add((line, code))
            what = {"unknown": "is not a CMS place-of-service code",
                    "terminated": f"is no longer valid on {on}",
                    "not-yet-valid": f"is not valid yet on {on}"}[st]
            yield Hit(f"place of service {code} {what}", line=line, field=fld,
                      fix="use the CMS place-of-service code valid on the date of service",
                      values={"pos": code, "status": st, "on": on.isoformat()})
