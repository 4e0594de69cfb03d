"""Findings the builder itself reports while turning sessions into claims (CK-U0xx).

These rules have no check function of their own: the builder (claimkit/builder.py) decides when
they apply, because only it sees minutes being turned into units. They live in the catalog so
that IDs, docs, severities and user overrides work as for every other rule.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from claimkit.diagnostics import Diagnostic, Location
from claimkit.rules.engine import CATALOG, Hit, rule


def _builder_only(subject: Any, ctx: Any) -> Iterable[Hit]:
    return ()


@rule("CK-U001", "units.no-unit-earned", severity="info", level=6, scope="build")
def no_unit_earned(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A timed service's minutes earn no unit under the payer's rule, so no line is billed.

    Why: under the CMS total-time rule (Pub. 100-04 ch. 5 sec. 20.2, example 4: 97035 for 8
    minutes gets no unit) or the AMA rule (a code under 8 minutes), the service stays in the
    record but is not billed.
    How to fix: nothing to fix if the minutes are right; check the documented minutes otherwise.
    """
    return _builder_only(subject, ctx)


@rule("CK-U002", "units.cannot-derive", severity="error", level=6, scope="build")
def cannot_derive(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Units cannot be derived from minutes for this code on the date of service.

    Why: the code is unknown to the installed codesets on that date, or it has an initial +
    add-on time model (97129/97130, 97550/97551) whose units depend on how the time splits.
    How to fix: give `units` for the service explicitly, or correct the code (see
    `claimkit codeset show CODE --on DATE` for its status and replacements).
    """
    return _builder_only(subject, ctx)


@rule("CK-U003", "build.claim-split", severity="info", level=2, scope="build")
def claim_split(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A session needed more than 12 diagnoses or 50 lines and was split into several claims.

    Why: an 837P claim carries at most 12 diagnoses (2300 HI) and 50 service lines (2400); the
    builder keeps the principal diagnosis first on every part and numbers the claims
    SESSION-1, SESSION-2, ...
    How to fix: nothing to fix; check with the payer that split claims are acceptable.
    """
    return _builder_only(subject, ctx)


@rule("CK-U004", "units.cms-tie", severity="info", level=6, scope="build")
def cms_tie(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Under the CMS rule, leftover minutes tie and the clinician may choose the code.

    Why: Pub. 100-04 ch. 5 sec. 20.2 (example 2: 97112 20 min + 97110 20 min = 3 units, either
    code twice). claimkit gives the extra unit to the code listed first in the session and lists
    every other allowed allocation in the message.
    How to fix: if the clinician chose otherwise, list that service first or give its units.
    """
    return _builder_only(subject, ctx)


@rule("CK-U005", "build.nothing-billable", severity="warning", level=6, scope="build")
def nothing_billable(subject: Any, ctx: Any) -> Iterable[Hit]:
    """No service of a session earned a unit, so no claim was built for it.

    Why: e.g. 7 minutes of one timed code (below the 8-minute threshold).
    How to fix: check the documented minutes; nothing is billable otherwise.
    """
    return _builder_only(subject, ctx)


@rule("CK-U006", "dx.too-many-for-line", severity="error", level=6, scope="build")
def too_many_for_line(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A service treats more than 4 diagnoses; a line carries at most 4 pointers (SV1-07).

    Why: 837P TR3 2400 SV1-07 has four pointer components; the builder keeps the first four.
    How to fix: list the (at most) four diagnoses the service mainly treats, most relevant first.
    """
    return _builder_only(subject, ctx)


@rule("CK-U007", "dx.left-off-claim", severity="info", level=2, scope="build")
def left_off_claim(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A session documents more than 12 diagnoses; those no service points to are left off.

    Why: an 837P claim carries at most 12 diagnoses (TR3 2300 HI). The builder keeps the
    principal diagnosis, every diagnosis a service treats, then other documented diagnoses in
    the session's order while there is room; the rest are named in the message.
    How to fix: nothing to fix if the services name the diagnoses they treat; otherwise link
    each service to its diagnoses (`services[].diagnoses`).
    """
    return _builder_only(subject, ctx)


@rule("CK-U008", "input.duplicate-session", severity="error", level=1, scope="build")
def duplicate_session(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The same session (same ID, same content) is given twice: in two files or twice in one.

    Why: building it twice would bill every service twice (``claimkit build s.csv s.csv``), or
    double the day's minutes under the CMS rule. claimkit counts it once, names both places,
    and does not write the claim until the input is fixed.
    How to fix: remove the repeated record (or give each file once).
    """
    return _builder_only(subject, ctx)


@rule("CK-U009", "input.session-id-reused", severity="error", level=1, scope="build")
def session_id_reused(subject: Any, ctx: Any) -> Iterable[Hit]:
    """Two different sessions carry the same session ID (e.g. on different dates).

    Why: the session ID is the patient control number (CLM01) that the payer returns on the
    835 remittance; two claims with one ID cannot be told apart when they are paid. Each
    session is built (the later claim gets another claim ID), and both places are named with
    the fields that differ; neither claim is written until the input is fixed.
    How to fix: give each session its own ID; in a CSV file, rows of one session must repeat
    the session's columns exactly.
    """
    return _builder_only(subject, ctx)


@rule("CK-U010", "input.duplicate-service", severity="error", level=1, scope="build")
def duplicate_service(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A session lists the same service twice (code, minutes, units, modifiers, diagnoses, charge).

    Why: an exact duplicate row usually is a copy mistake, and counting it would double the
    service's minutes (97110 30 + 30 minutes bills 4 units instead of 2). claimkit counts it
    once and does not write the claim until the input says what was given.
    How to fix: delete the repeated row; if the service really was given twice, document it as
    one service with the total minutes.
    """
    return _builder_only(subject, ctx)


@rule("CK-U011", "fee.missing", severity="error", level=7, scope="build")
def fee_missing(subject: Any, ctx: Any) -> Iterable[Hit]:
    """The payer's fee schedule has no fee for a billed code, and the service gives no charge.

    Why: the line charge is the fee times the units; without a fee the claim cannot be priced.
    The claim is built with a 0.00 charge on that line so that its other findings are still
    reported (often the real problem: a deleted code such as 97001, or a service the payer
    does not cover), and it is not written.
    How to fix: correct the code, add its fee to ``[payers.KEY.fees]`` in the practice
    configuration, or give the service's ``charge``.
    """
    return _builder_only(subject, ctx)


@rule("CK-U012", "line.too-many-modifiers", severity="error", level=2, scope="build")
def too_many_modifiers(subject: Any, ctx: Any) -> Iterable[Hit]:
    """A service line would need more procedure modifiers than an 837P line carries (4).

    Why: SV101-3 to SV101-6 are the only modifier positions of a professional service line
    (TR3 005010X222A1 2400 SV1, SV101 composite). The builder merges the modifiers given on a
    service's rows and puts the plan of care modifier (GP/GO/GN, Pub. 100-04 ch. 5 sec. 20.1)
    first; when that makes five or more, writing the first four would silently drop a
    documented modifier (a 59/X{EPSU} that unbundles a pair, a KX that attests medical
    necessity). An error, not a configuration problem: it is about one service, the other
    claims are still built, and the claim is not written until the input says which four.
    How to fix: give at most four modifiers per service, counting the GP/GO/GN the builder
    adds for a therapist under a plan of care; keep the ones that change payment first (the
    discipline modifier, then 59/XU/XE/XS/XP, then KX or CQ/CO), and put informational ones in
    the record instead.
    """
    return _builder_only(subject, ctx)


def finding(rule_id: str, location: Location, message: str, *, fix: str | None = None,
            values: Mapping[str, Any] | None = None) -> Diagnostic:
    """A Diagnostic for one of the builder's rules, with the catalog's metadata."""
    r = CATALOG[rule_id]
    return Diagnostic(rule=r.id, slug=r.slug, severity=r.severity, message=message,
                      location=location, fix=fix, level=r.level,
                      values=tuple((values or {}).items()))
