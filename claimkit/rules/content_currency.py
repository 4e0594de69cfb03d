"""Code set currency (WEDI SNIP type 5): answers that came from a release past its end.

A CPT/HCPCS code, modifier, place of service or taxonomy code stays valid until a release
deletes it, so the newest installed release keeps answering after it ends (carry forward). The
answers are right for every code that did not change, but a code added, deleted or revised
since is not known: this family says so, once per file (see ``collapse_per_file``).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator

from claimkit.diagnostics import Diagnostic
from claimkit.rules.content_facts import ClaimFacts, claim_facts, no_code_issue
from claimkit.rules.content_support import MODIFIER_SHAPE, PROC_SHAPE, SYSTEM_LABELS, status_lookup
from claimkit.rules.engine import Context, Hit, rule

STALE_RULE = "CK-C012"
_NOT_STALE = no_code_issue("stale")


def _stale_answers(claim: Any, ctx: Context) -> dict[str, tuple[Any, date]]:
    """{system: (a stale answer, the earliest date it answered for)} of the claim's codes."""
    ask = status_lookup(ctx.registry)
    out: dict[str, tuple[Any, date]] = {}
    for ln in claim.lines:
        on = ln.date_of_service
        checks = [("pos", ln.place_of_service or claim.place_of_service)]
        checks += [("modifier", m) for m in ln.modifiers if MODIFIER_SHAPE.match(m)]
        if PROC_SHAPE.match(ln.code):
            checks.append(("procedure", ln.code))
        for system, code in checks:
            if not code:
                continue
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
    from claimkit.codesets.updates import update_command, update_file

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


def _facts(claim: Any, ctx: Context) -> ClaimFacts:  # pragma: no cover - documentation aid
    return claim_facts(claim, ctx)
