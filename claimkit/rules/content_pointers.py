"""Diagnosis list and diagnosis pointers (SNIP 2 limits of the 837P, checked on claim content).

The 837P allows 1-12 diagnoses on a professional claim (HI, 2300) and 1-4 distinct pointers per
service line (SV107), each pointing into that list. pyx12 misses pointers past the list and
crashes on a fifth pointer; these rules report both with the line and the values.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

from claimkit.codesets.icd import dotted
from claimkit.rules.content_facts import ClaimFacts
from claimkit.rules.content_support import ICD10_SHAPE
from claimkit.rules.engine import Context, Hit, rule

MAX_DIAGNOSES = 12  # TR3 005010X222A1 2300 HI: HI01-HI12
MAX_POINTERS = 4  # TR3 005010X222A1 2400 SV107-1..SV107-4


# Guards (Rule.skip_if): facts that rule a rule's findings out, so the engine need not call it.
def _pointers_in_range(facts: ClaimFacts) -> bool:
    """Every pointer is in 1..number of diagnoses (at most 12), or there is none."""
    p = facts.pointers
    return p.lowest is None or p.highest is None or (p.lowest >= 1
                                and p.highest <= min(len(facts.claim.diagnoses), MAX_DIAGNOSES))


def _few_pointers(facts: ClaimFacts) -> bool:
    return facts.pointers.most <= MAX_POINTERS


def _no_repeated_pointer(facts: ClaimFacts) -> bool:
    return not facts.pointers.repeated


def _every_line_pointed(facts: ClaimFacts) -> bool:
    """Every line has a pointer (or there is no line)."""
    return facts.pointers.fewest != 0


def _no_repeated_diagnosis(facts: ClaimFacts) -> bool:
    return not facts.diagnoses.repeated


@rule("CK-D001", "dx.pointer-out-of-range", severity="error", level=2, skip_if=_pointers_in_range)
def pointer_out_of_range(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A diagnosis pointer points past the claim's diagnosis list (or below 1).

    Each pointer on a service line (SV107) is a 1-based position in the claim's diagnosis list
    (HI). A pointer 4 on a claim with three diagnoses points at nothing; payers reject the line.

    How to fix: point at a listed diagnosis (1..number of diagnoses), or add the missing
    diagnosis to the claim.

    Reference: ASC X12 005010X222A1, 2400 SV107 ("must point to a diagnosis in HI").
    """
    n = len(claim.diagnoses)
    for ln in claim.lines:
        bad = [p for p in ln.pointers if p < 1 or p > min(n, MAX_DIAGNOSES)]
        if bad:
            which = f"diagnosis {bad[0]}" if len(bad) == 1 else f"diagnoses {', '.join(map(str, bad))}"
            yield Hit(f"line {ln.number} ({ln.code}) points to {which} but the claim lists {n} "
                      f"diagnos{'is' if n == 1 else 'es'}", line=ln.number, field="pointers",
                      fix=f"use pointers between 1 and {n}" if n else "add the diagnoses first",
                      values={"pointers": bad, "diagnoses": n})


@rule("CK-D002", "dx.too-many-pointers", severity="error", level=2, skip_if=_few_pointers)
def too_many_pointers(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service line has more than 4 diagnosis pointers.

    SV107 has four components; a fifth pointer cannot be sent (and crashes some tools).

    How to fix: keep the 4 most relevant diagnoses for the line, principal first.

    Reference: ASC X12 005010X222A1, 2400 SV107-1..SV107-4; CMS-1500 item 24E.
    """
    for ln in claim.lines:
        if len(ln.pointers) > MAX_POINTERS:
            yield Hit(f"line {ln.number} ({ln.code}) has {len(ln.pointers)} diagnosis pointers; "
                      f"at most {MAX_POINTERS} are allowed", line=ln.number, field="pointers",
                      fix="keep at most 4 pointers", values={"count": len(ln.pointers)})


@rule("CK-D003", "dx.duplicate-pointer", severity="error", level=2,
      skip_if=_no_repeated_pointer)
def duplicate_pointer(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service line repeats the same diagnosis pointer.

    The pointers of a line must be distinct (1:1:2 says diagnosis 1 twice); front-end edits
    reject duplicates.

    How to fix: list each diagnosis once per line.

    Reference: ASC X12 005010X222A1, 2400 SV107 (pointers must be unique on a line).
    """
    for ln in claim.lines:
        dup = sorted(p for p, c in Counter(ln.pointers).items() if c > 1)
        if dup:
            yield Hit(f"line {ln.number} ({ln.code}) repeats diagnosis pointer "
                      f"{', '.join(map(str, dup))}", line=ln.number, field="pointers",
                      fix="remove the repeated pointer", values={"duplicates": dup})


@rule("CK-D004", "dx.count", severity="error", level=2)
def diagnosis_count(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A claim has no diagnosis, or more than 12.

    A professional claim carries 1 to 12 ICD-10-CM diagnoses (HI01-HI12); the first is the
    principal diagnosis (qualifier ABK).

    How to fix: list at least the principal diagnosis; with more than 12, split the services
    into claims whose lines point to at most 12 diagnoses.

    Reference: ASC X12 005010X222A1, 2300 HI (1-12 codes); CMS-1500 item 21.
    """
    n = len(claim.diagnoses)
    if n == 0:
        yield Hit("the claim lists no diagnosis", field="diagnoses",
                  fix="add the principal diagnosis", values={"count": 0})
    elif n > MAX_DIAGNOSES:
        yield Hit(f"the claim lists {n} diagnoses; at most {MAX_DIAGNOSES} are allowed",
                  field=f"diagnoses[{MAX_DIAGNOSES + 1}]", fix="split the claim",
                  values={"count": n})


@rule("CK-D005", "dx.line-without-pointer", severity="error", level=2,
      skip_if=_every_line_pointed)
def line_without_pointer(claim: Any, ctx: Context) -> Iterator[Hit]:
    """A service line points to no diagnosis.

    SV107-1 is required: every service must be linked to at least one diagnosis that supports
    its medical necessity.

    How to fix: add the pointer of the diagnosis that the service treats.

    Reference: ASC X12 005010X222A1, 2400 SV107-1 (required).
    """
    for ln in claim.lines:
        if not ln.pointers:
            yield Hit(f"line {ln.number} ({ln.code}) has no diagnosis pointer", line=ln.number,
                      field="pointers", fix="point the line to the diagnosis it treats")


@rule("CK-D006", "dx.duplicate-diagnosis", severity="warning", level=2,
      skip_if=_no_repeated_diagnosis)
def duplicate_diagnosis(claim: Any, ctx: Context) -> Iterator[Hit]:
    """The same diagnosis code is listed twice on a claim.

    A repeated code wastes one of the 12 slots and makes pointers ambiguous; many payers'
    front-end edits reject it.

    How to fix: list each code once and point the lines at that position.

    Reference: CMS-1500 item 21 instructions (NUCC 1500 Claim Form Reference Instruction Manual).
    """
    seen: dict[str, int] = {}
    for i, code in enumerate(claim.diagnoses, start=1):
        key = code.replace(".", "").strip().upper()
        if not key:
            continue  # an empty code is not a repeat of another one: CK-C001 reports it
        if key in seen:
            shown = dotted(key) if ICD10_SHAPE.match(key) else code.strip()  # written with its dot
            yield Hit(f"diagnosis {shown} is listed at positions {seen[key]} and {i}",
                      field=f"diagnoses[{i}]", fix=f"remove position {i} and point at {seen[key]}",
                      values={"code": key, "first": seen[key], "again": i})
        else:
            seen[key] = i
