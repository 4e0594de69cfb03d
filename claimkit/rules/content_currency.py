"""Code set currency (WEDI SNIP type 5): dates no installed release answers for (CK-C009,
CK-C011), and answers that came from a release past its end (CK-C012).

A CPT/HCPCS code, modifier, place of service or taxonomy code stays valid until a release
deletes it, so the newest installed release keeps answering after it ends (carry forward). The
answers are right for every code that did not change, but a code added, deleted or revised
since is not known: CK-C012 says so, once per file (see ``collapse_per_file``). ICD-10-CM is a
new code set each October 1 and never carries forward (CK-C009). Every fix names the file to
import, from :mod:`claimkit.codesets.updates`.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator

from claimkit.codesets.updates import fiscal_year, update_command, update_file, update_hint
from claimkit.diagnostics import Diagnostic
from claimkit.rules.content_facts import ClaimFacts, claim_facts, no_code_issue
from claimkit.rules.content_support import MODIFIER_SHAPE, PROC_SHAPE, SYSTEM_LABELS, status_lookup
from claimkit.rules.engine import Context, Hit, rule

ICD10_START = date(2015, 10, 1)  # HIPAA compliance date for ICD-10-CM (45 CFR 162.1002)
STALE_RULE = "CK-C012"
_NOT_STALE, _RELEASES_OK = no_code_issue("stale"), no_code_issue("no-release")


def _edits_installed(facts: ClaimFacts) -> bool:
    """No registry (nothing to say), or NCCI/MUE edits installed for every date of service."""
    return facts.registry is None or not facts.dates_without_edits



@rule("CK-C009", "codeset.no-release", severity="warning", level=5, skip_if=_RELEASES_OK)
def no_release(claim: Any, ctx: Context) -> Iterator[Hit]:
    """No installed code set release covers a date of service, so codes could not be checked.

    claimkit never answers from a neighbouring release: an ICD-10-CM fiscal year runs from
    October 1 to September 30, and a date outside every installed release (for example
    2022-05-01 when FY2022 is not installed, or any date from 2026-10-01 before FY2027 is
    imported) leaves the diagnoses unchecked. Before 2015-10-01 there is no ICD-10-CM release
    to import: diagnoses of those services are ICD-9-CM (qualifiers BK/BF), which claimkit does
    not check. (NCCI/MUE edits: rule CK-C011.)

    How to fix: import the CMS ICD-10-CM code file of that fiscal year, named in the finding
    (for 2026-10-01..2027-09-30: ``icd10cm_order_2027.txt`` from the CMS 2027 ICD-10-CM files,
    ``claimkit codeset import icd10cm icd10cm_order_2027.txt``), then validate again. For a
    service before 2015-10-01 there is nothing to import.

    Reference: CMS ICD-10-CM annual files (fiscal year N: October 1 of N-1 to September 30 of
    N); 45 CFR 162.1002 (ICD-10-CM from 2015-10-01, ICD-9-CM before); claimkit codeset
    documentation.
    """
    facts = claim_facts(claim, ctx)
    ask = status_lookup(ctx.registry)
    seen: set[tuple[str, date]] = set()
    for on in facts.dates:
        for _, bare in facts.diagnoses.icd10:
            if ("icd10cm", on) in seen:
                continue
            if ask("icd10cm", bare, on)[1] == "no-release":
                seen.add(("icd10cm", on))
    for system, code, on in _line_codes(claim):
        if (system, on) not in seen and ask(system, code, on)[1] == "no-release":
            seen.add((system, on))
    for system, on in sorted(seen, key=lambda s: (s[1], s[0])):
        if system == "icd10cm":
            yield _no_icd_release(on)
            continue
        label = SYSTEM_LABELS.get(system, system)
        yield Hit(f"no {label} release installed for {on}; codes on that date were not checked",
                  fix=update_hint(system, on), values={"system": system, "on": on.isoformat()})


def _no_icd_release(on: date) -> Hit:
    """CK-C009 for ICD-10-CM: before 2015-10-01 ICD-10-CM does not apply (nothing to import);
    otherwise name the CMS file of the fiscal year (FY N = October 1 of N-1 .. September 30 of N)."""
    values = {"system": "icd10cm", "on": on.isoformat()}
    if on < ICD10_START:
        return Hit(f"ICD-10-CM does not apply to services before {ICD10_START} (date of service "
                   f"{on}); diagnoses on that date were not checked",
                   field="diagnoses",
                   fix=f"nothing to import: before {ICD10_START} diagnoses are ICD-9-CM (qualifiers "
                       "BK/BF), and claimkit does not check ICD-9-CM codes",
                   values=values)
    year = fiscal_year(on)
    file = f"icd10cm_order_{year}.txt"
    return Hit(f"no ICD-10-CM release installed for {on} (FY{year}); diagnoses on that date "
               "were not checked",
               field="diagnoses",
               fix=f"import the CMS ICD-10-CM FY{year} code file, {file} from the CMS {year} "
                   f"ICD-10-CM files: claimkit codeset import icd10cm {file}",
               values=values | {"fiscal_year": f"FY{year}", "file": file})


@rule("CK-C011", "codeset.no-edits-release", severity="warning", level=5,
      skip_if=_edits_installed)
def no_edits_release(claim: Any, ctx: Context) -> Iterator[Hit]:
    """No installed NCCI PTP / MUE quarter covers a date of service, so those edits were skipped.

    NCCI procedure-to-procedure pairs and MUE unit limits are published quarterly and apply
    from their quarter's start date. For a date before the oldest installed quarter (the
    bundled edits start 2024-04-01) claimkit cannot say whether a pair or a unit count would be
    denied, and says so instead of applying a later quarter's edits backwards. (After the newest
    quarter, the newest edits answer and `claimkit codeset status` warns that they are stale.)

    How to fix: import the CMS practitioner PTP and MUE files for that quarter
    (``claimkit codeset import ncci-ptp FILE``, ``claimkit codeset import mue FILE``).

    Reference: CMS NCCI for Medicare, quarterly PTP and MUE files.
    """
    if ctx.registry is None:  # no codesets at all (e.g. reading claims only)
        return
    # one finding per claim, listing the dates no installed quarter covers
    edits_gap = claim_facts(claim, ctx).dates_without_edits
    if edits_gap:
        dates = ", ".join(d.isoformat() for d in edits_gap)
        yield Hit(f"no NCCI PTP/MUE edits installed for {dates}; procedure pairs and unit limits "
                  "on those dates were not checked",
                  fix="import the NCCI practitioner PTP and MUE files for that quarter "
                      "(claimkit codeset import ncci-ptp|mue FILE)",
                  values={"system": "ncci-ptp,mue", "on": [d.isoformat() for d in edits_gap]})



def _line_codes(claim: Any) -> Iterator[tuple[str, str, date]]:
    """(system, code, date of service) of every dated code on the lines: place of service (the
    line's, else the claim's), well-formed modifiers and procedure codes."""
    for ln in claim.lines:
        on = ln.date_of_service
        pos = ln.place_of_service or claim.place_of_service
        if pos:
            yield "pos", pos, on
        for m in ln.modifiers:
            if MODIFIER_SHAPE.match(m):
                yield "modifier", m, on
        if PROC_SHAPE.match(ln.code):
            yield "procedure", ln.code, on


def _stale_answers(claim: Any, ctx: Context) -> dict[str, tuple[Any, date]]:
    """{system: (a stale answer, the earliest date it answered for)} of the claim's codes."""
    ask = status_lookup(ctx.registry)
    out: dict[str, tuple[Any, date]] = {}
    for system, code, on in _line_codes(claim):
        found, _ = ask(system, code, on)
        if getattr(found, "stale", False) and (system not in out or on < out[system][1]):
            out[system] = (found, on)
    return out


@rule(STALE_RULE, "codeset.stale-release", severity="warning", level=5, skip_if=_NOT_STALE)
def stale_release(claim: Any, ctx: Context) -> Iterator[Hit]:
    """Codes were checked against a release that ended before the date of service.

    CPT and HCPCS codes, modifiers, places of service and taxonomy codes do not expire at the
    end of a year: a code stays valid until a release deletes it. So when no installed release
    covers a date, the newest one still answers (carried forward) and builds keep working, but a
    code added, deleted or revised since that release is not known. Reported once per file and
    code system, naming the release and the file that brings the system up to date.

    How to fix: import the current release (``claimkit codeset status --check`` lists what is
    behind and which file to import for each system), then validate again.

    Reference: CMS HCPCS quarterly update schedule; AMA CPT annual release (January 1); CMS
    Place of Service code set; NUCC taxonomy (January 1 and July 1 versions).
    """
    for system, (found, on) in sorted(_stale_answers(claim, ctx).items()):
        label = SYSTEM_LABELS.get(system, system)
        ended = found.attrs.get("release_ended", "")
        yield Hit(f"{label} answers for dates after {ended} come from {found.release}, the newest installed "
                  f"release, carried forward (a code added, deleted or revised since is not known)",
                  fix=f"import {update_file(system, on)}: {update_command(system)}",
                  values={"system": system, "release": found.release, "ended": ended})


def collapse_per_file(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Keep the first CK-C012 finding per (file, system) and drop the repeats of later claims
    (one warning per file, not one per claim); every other finding is kept, in order."""
    seen: set[tuple[str | None, Any]] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        if d.rule == STALE_RULE:
            key = (d.location.file, dict(d.values or {}).get("system"))
            if key in seen:
                continue
            seen.add(key)
        out.append(d)
    return out
