"""Payer edits (WEDI SNIP type 7) that depend on the payer's settings (docs/payers.md): the
Medicare KX modifier threshold, telehealth eligibility, the Medicare Beneficiary Identifier,
therapy assistants as rendering providers, counseling by a massage therapist where payers
credential by licence.

The settings come from claimkit.rules.payer_policy (configured payer, else the claim filing
indicator); the code facts from the payer-policy tables in codesets/, by date of service.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterator

from claimkit.rules.content_support import MASSAGE_THERAPIST, money, provider_taxonomies
from claimkit.rules.engine import Context, Hit, rule
from claimkit.rules.payer_policy import (
    credentials_by_license,
    has_role,
    is_medicare,
    kx_threshold_applies,
    payer_of,
    policy_rows,
    telehealth_policy,
)

# The KX threshold's two buckets (SSA 1833(g)): PT and SLP combined, OT separately; a line's
# bucket is its plan-of-care modifier (Pub. 100-04 ch. 5 sec. 10.3, 20.1).
_BUCKET = {"GP": "pt_slp", "GN": "pt_slp", "GO": "ot"}
_BUCKET_LABEL = {"pt_slp": "PT and SLP combined", "ot": "OT"}
KX = "KX"  # the modifier the policy itself names


def _used(claim: Any, ctx: Context, year: int) -> dict[str, Decimal] | None:
    """The configured amounts this patient already used in YEAR (None: not configured)."""
    payer = payer_of(claim, ctx)
    member = (claim.subscriber.member_id or "").strip().upper()
    entry = (getattr(payer, "therapy_used", None) or {}).get(member) if payer is not None else None
    if entry is None or entry.year != year:
        return None
    return {"pt_slp": entry.pt_slp, "ot": entry.ot}


def _kx_walk(claim: Any, ctx: Context) -> Iterator[tuple[Any, str, Decimal, Decimal, bool]]:
    """(line, bucket, running amount after the line, threshold, used amount known) of each
    therapy line of a claim whose year has a threshold, in date order."""
    if not kx_threshold_applies(claim, ctx):
        return
    running: dict[tuple[int, str], Decimal] = {}
    for ln in sorted(claim.lines, key=lambda ln: (ln.date_of_service, ln.number)):
        bucket = next((_BUCKET[m] for m in ln.modifiers if m in _BUCKET), None)
        if bucket is None:
            continue
        year = ln.date_of_service.year
        rows = policy_rows(ctx, "therapy-threshold", str(year), ln.date_of_service)
        if not rows:
            continue
        try:
            threshold = Decimal(rows[0]["amount"])
        except (KeyError, ArithmeticError):
            continue
        used = _used(claim, ctx, year)
        key = (year, bucket)
        if key not in running:
            running[key] = used[bucket] if used is not None else Decimal(0)
        running[key] += Decimal(ln.charge)
        yield ln, bucket, running[key], threshold, used is not None


@rule("CK-P001", "kx.missing-above-threshold", severity="error", level=7)
def kx_missing(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A Medicare therapy line past the patient's annual KX threshold has no KX modifier.

    Since the Bipartisan Budget Act of 2018 Medicare keeps the former therapy caps as
    thresholds: once a patient's incurred therapy expenses in a calendar year exceed the
    amount (PT and SLP combined; OT separately), each further line needs KX, the provider's
    attestation that the services are medically necessary and documented; without KX they are
    denied. Amounts by year are codeset data (codesets/therapy-threshold: 2024 $2,330, 2025
    $2,410, 2026 $2,480). claimkit adds the line charges of the claim, in date order, to the
    amount the payer's ``therapy_used`` setting gives for the patient's member ID and year (0
    when not configured: then it only sees thresholds this claim alone crosses). Charges
    stand in for Medicare's allowed amounts: set the fees to the fee schedule amounts for an
    exact count. Runs for payers with ``kx_threshold`` (default: Medicare payers).

    How to fix: add KX to the line (and to later therapy lines of the same bucket that year)
    when the services are medically necessary and documented; otherwise do not bill them to
    Medicare as covered (ABN).

    Reference: SSA sec. 1833(g)(7) (BBA 2018 sec. 50202); Medicare Claims Processing Manual,
    Pub. 100-04, ch. 5, sec. 10.3; CMS annual per-beneficiary therapy amounts (e.g. CR 12014).
    """
    for ln, bucket, running, threshold, _ in _kx_walk(claim, ctx):
        if running > threshold and KX not in ln.modifiers:
            yield Hit(f"line {ln.number} ({ln.code}) brings the patient's {ln.date_of_service.year} "
                      f"{_BUCKET_LABEL[bucket]} therapy to {money(running)}, over the KX threshold of "
                      f"{money(threshold)}, without KX", line=ln.number, field="modifiers",
                      fix="add KX if the service is medically necessary and documented",
                      values={"bucket": bucket, "amount": str(running), "threshold": str(threshold)})


@rule("CK-P007", "kx.threshold-not-installed", severity="warning", level=7)
def kx_threshold_not_installed(claim: Any, ctx: Context) -> Iterator[Hit]:
    """No KX threshold amount is installed for the year of a Medicare therapy line.

    The threshold changes every calendar year (CMS publishes it with the Physician Fee
    Schedule final rule), so claimkit never carries one year's amount into the next: for a
    year the installed threshold table (codesets/therapy-threshold) does not cover, CK-P001
    and CK-P002 cannot judge KX. This says so once per claim and year instead of staying
    silent, as CK-C009 does for a missing ICD-10-CM release.

    How to fix: update claimkit (its threshold table gains the new year with each release);
    until then check the patient's year-to-date therapy amount against CMS's published
    threshold for the year and add KX by hand where it is exceeded.

    Reference: SSA sec. 1833(g)(7); Pub. 100-04, ch. 5, sec. 10.3; CMS annual per-beneficiary
    therapy amounts (e.g. CR 12014).
    """
    if ctx.registry is None or not kx_threshold_applies(claim, ctx):
        return  # (no code sets at all: nothing installed to speak of)
    told: set[int] = set()
    for ln in sorted(claim.lines, key=lambda ln: (ln.date_of_service, ln.number)):
        year = ln.date_of_service.year
        if year in told or not any(m in _BUCKET for m in ln.modifiers):
            continue
        if not policy_rows(ctx, "therapy-threshold", str(year), ln.date_of_service):
            told.add(year)
            yield Hit(f"line {ln.number} ({ln.code}): no Medicare KX threshold installed for "
                      f"{year}; KX was not checked for that year", line=ln.number,
                      field="modifiers", fix=f"check the patient's {year} therapy amount against "
                      f"CMS's {year} threshold by hand, or update claimkit",
                      values={"year": year})


@rule("CK-P002", "kx.below-threshold", severity="warning", level=7)
def kx_below_threshold(claim: Any, ctx: Context) -> Iterator[Hit]:
    """KX is on a Medicare therapy line while the patient's therapy amount is below the threshold.

    KX attests that therapy above the annual threshold is medically necessary; on a line below
    it the modifier says something that is not yet true, and MACs review KX use (targeted
    medical review). Only reported when the amount the patient has already used this year is
    configured (the payer's ``therapy_used`` for the member ID and year): otherwise other
    providers' services may have used the threshold up and KX may be right.

    How to fix: remove KX from lines below the threshold; check the patient's year-to-date
    amount in the MAC's eligibility response and update ``therapy_used``.

    Reference: SSA sec. 1833(g)(7) (BBA 2018 sec. 50202); Pub. 100-04, ch. 5, sec. 10.3.
    """
    for ln, bucket, running, threshold, known in _kx_walk(claim, ctx):
        if known and running <= threshold and KX in ln.modifiers:
            yield Hit(f"line {ln.number} ({ln.code}) has KX but the patient's {ln.date_of_service.year} "
                      f"{_BUCKET_LABEL[bucket]} therapy is {money(running)}, within the threshold of "
                      f"{money(threshold)}", line=ln.number, field="modifiers",
                      fix="remove KX until the threshold is exceeded",
                      values={"bucket": bucket, "amount": str(running), "threshold": str(threshold)})


@rule("CK-P003", "provider.counseling-not-licensed", severity="error", level=7)
def counseling_not_licensed(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A massage therapist bills counseling that only physicians and qualified professionals may.

    Tobacco-use cessation counseling (99406/99407) is furnished by a physician or another
    qualified health professional; payers that credential providers by licence pay only
    services within the rendering provider's licensed scope, and a massage therapist's licence
    does not cover it. Runs for payers configured with ``credentials_by_license = true`` (an
    error there; elsewhere CK-T013 warns). The codes are codeset data (codesets/therapy-roles,
    role ``qualified-practitioner``).

    How to fix: remove the line, or bill it under the qualified provider who furnished it.

    Reference: CMS NCD 210.4.1 (counseling to prevent tobacco use: qualified practitioners);
    the payer's credentialing policy; AMA CPT 99406/99407 (code numbers only).
    """
    if not credentials_by_license(claim, ctx):
        return
    if not any(tax == MASSAGE_THERAPIST for _, tax in provider_taxonomies(claim)):
        return
    for ln in claim.lines:
        if has_role(ctx, "procedure", ln.code, "qualified-practitioner", ln.date_of_service):
            yield Hit(f"line {ln.number}: {ln.code} (counseling by a qualified practitioner) billed by a "
                      f"massage therapist ({MASSAGE_THERAPIST}) to a payer that credentials by licence",
                      line=ln.number, field="code", fix="remove the line or bill it under a qualified provider",
                      values={"code": ln.code})


def _telehealth_marks(ctx: Context, claim: Any, ln: Any) -> list[str]:
    """What marks a line as telehealth: its place of service and modifiers on the list."""
    on, out = ln.date_of_service, []
    pos = ln.place_of_service or claim.place_of_service
    if pos and policy_rows(ctx, "telehealth", pos, on, "pos"):
        out.append(f"POS {pos}")
    out += [f"modifier {m}" for m in ln.modifiers if policy_rows(ctx, "telehealth", m, on, "modifier")]
    return out


@rule("CK-P004", "telehealth.not-covered", severity="error", level=7)
def telehealth_not_covered(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A telehealth line bills a code the payer does not pay as telehealth on that date.

    A line is telehealth when its place of service is 02 or 10 or it carries 95 or GT.
    Medicare pays telehealth only for the codes on its list of telehealth services on the date
    of service; the PT/OT/SLP codes (97110, 97112, 97116, 97161-97168, 97530, 97535, 97750,
    97755, 97760, 97761, 92507, 92521-92524 ...) are on it from 2020-03-01, hands-on codes
    such as 97140 or 97124 are not. The list is codeset data (codesets/telehealth, with
    dates). Payer setting ``telehealth``: ``medicare-list`` (default for Medicare payers),
    ``any`` (the default for others: no check) or ``none`` (the payer pays no telehealth).

    How to fix: bill the service as an in-person visit if it was one (POS 11, no 95/GT), or do
    not bill the code as telehealth to this payer.

    Reference: CMS List of Medicare Telehealth Services (by calendar year); 42 CFR 410.78;
    Medicare Claims Processing Manual, Pub. 100-04, ch. 12, sec. 190.
    """
    policy = telehealth_policy(claim, ctx)
    if policy in (None, "any"):
        return
    for ln in claim.lines:
        marks = _telehealth_marks(ctx, claim, ln)
        if not marks:
            continue
        how = " and ".join(marks)
        if policy == "none":
            yield Hit(f"line {ln.number} ({ln.code}) is billed as telehealth ({how}); the payer is "
                      "configured to pay no telehealth", line=ln.number, field="place_of_service",
                      fix="bill in-person services as such, or bill telehealth to a payer that covers it",
                      values={"code": ln.code, "policy": policy})
            continue
        rows = policy_rows(ctx, "telehealth", ln.code, ln.date_of_service, "procedure")
        if rows is not None and not rows:
            yield Hit(f"line {ln.number}: {ln.code} is billed as telehealth ({how}) but is not on the "
                      f"Medicare telehealth list for {ln.date_of_service}", line=ln.number,
                      field="place_of_service",
                      fix="bill it as an in-person service if it was one; otherwise it is not payable as telehealth",
                      values={"code": ln.code, "policy": policy})


# CMS MBI format: 11 characters; C numeric 1-9, N numeric 0-9, A alphabetic (no S L O I B Z),
# AN either. Positions: C A AN N A AN N A A N N.
_ALPHA = "ACDEFGHJKMNPQRTUVWXY"
_POSITIONS = ("C", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
_CLASS = {"C": "1-9", "N": "0-9", "A": _ALPHA, "AN": _ALPHA + "0-9"}
_MBI = re.compile("^" + "".join(f"[{_CLASS[p]}]" for p in _POSITIONS) + "$")
_WHAT = {"C": "a digit 1-9", "N": "a digit", "A": "a letter other than S, L, O, I, B, Z",
         "AN": "a digit or a letter other than S, L, O, I, B, Z"}


def _mbi_problem(mbi: str) -> str | None:
    """What is wrong with MBI (without repeating it), or None when well formed."""
    if _MBI.match(mbi):
        return None
    if len(mbi) != 11:
        return f"has {len(mbi)} characters, not 11"
    for i, (ch, kind) in enumerate(zip(mbi, _POSITIONS), start=1):
        if not re.match(f"[{_CLASS[kind]}]", ch):
            return f"position {i} must be {_WHAT[kind]}"
    return "is not in the MBI format"


@rule("CK-P005", "member.mbi-format", severity="error", level=7)
def mbi_format(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The member ID on a Medicare claim is not a well-formed Medicare Beneficiary Identifier.

    Medicare fee-for-service claims must carry the patient's MBI (since 2020-01-01 the old
    SSN-based HICN is rejected): 11 characters, position 1 a digit 1-9, 2, 5, 8 and 9 letters,
    4, 7, 10 and 11 digits, 3 and 6 a letter or digit; letters are upper case and never S, L,
    O, I, B or Z (they look like digits). A malformed MBI is rejected at the front end. Runs
    for payers configured with ``medicare = true`` (unconfigured payers: claim filing
    indicator MA/MB). The message names the position, never the identifier.

    How to fix: copy the MBI from the patient's Medicare card or the MAC's eligibility
    response (no dashes or spaces, capital letters).

    Reference: CMS "Understanding the Medicare Beneficiary Identifier (MBI) format"
    (CMS MBI format specification); ASC X12 005010X222A1, 2010BA NM109.
    """
    if not is_medicare(claim, ctx):
        return
    mbi = (claim.subscriber.member_id or "").strip()
    problem = _mbi_problem(mbi) if mbi else "is missing"
    if problem:
        yield Hit(f"the Medicare member ID {problem}: not a Medicare Beneficiary Identifier",
                  field="subscriber.member_id", fix="use the MBI from the Medicare card (11 characters)",
                  values={"problem": problem})


@rule("CK-P006", "provider.assistant-rendering-medicare", severity="error", level=7)
def assistant_rendering_medicare(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A PT or OT assistant is the rendering provider on a Medicare claim.

    Medicare does not enroll physical or occupational therapy assistants as billing or
    rendering providers: their services are billed under the supervising therapist's NPI, with
    CQ (PTA) or CO (OTA) on the lines they furnished in whole or in part (paid at 85%). A claim
    naming the assistant as rendering provider is rejected. Assistant taxonomies are codeset
    data (codesets/therapy-roles, role ``assistant``). Runs for Medicare payers.

    How to fix: name the supervising PT/OT as rendering provider and add CQ (with GP) or CO
    (with GO) to the lines the assistant furnished.

    Reference: Medicare Benefit Policy Manual, Pub. 100-02, ch. 15, sec. 230.1-230.2
    (assistants, supervision); CY2020 PFS final rule (CQ/CO, 84 FR 62568); 42 CFR 410.59-410.60.
    """
    if not is_medicare(claim, ctx) or not claim.lines:
        return
    on = claim.date_of_service
    for fld, tax in provider_taxonomies(claim):
        row = has_role(ctx, "taxonomy", tax, "assistant", on)
        if row is not None:
            mod = row.get("value", "")
            yield Hit(f"the rendering provider is a therapy assistant ({tax}); Medicare is billed under "
                      f"the supervising therapist with {mod}", field=fld,
                      fix=f"bill under the supervising therapist's NPI and add {mod} to the assistant's lines",
                      values={"taxonomy": tax, "modifier": mod})
