"""The 837P a build would write, checked with `claimkit validate`'s own X12 scan (issue 12).

Claim rules see the claim model; some findings exist only in the X12 written from it (an NPI
check digit in NM1-09, the billing provider's ZIP+4 in 2010AA N4-03, envelope widths). So the
builder's claims are written as an 837P in memory and that text goes through the same
validator a user would run on the output file. Its findings come back located at the session
file and row the value came from (the claim's session, or the service behind a 2400 line);
findings outside every claim (envelope, submitter, billing provider) come from the practice
configuration and name no session.

Used by ``Validator.check_built`` (both ``claimkit build`` and ``claimkit validate
sessions.csv`` go through it), so the two commands and ``claimkit validate out.x12`` agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from claimkit.diagnostics import Diagnostic, Location
from claimkit.errors import InputError

# A finding outside every claim of the would-be 837P: it comes from the configuration
# (envelope, submitter, receiver, billing provider), so it blocks the whole output.
CONFIG_ORIGIN = "practice configuration"


@dataclass
class SelfCheck:
    """X12-level findings of the would-be 837P: per claim ID, and outside every claim."""

    by_claim: dict[str, list[Diagnostic]] = field(default_factory=dict)
    interchange: list[Diagnostic] = field(default_factory=list)


def is_interchange_finding(d: Diagnostic) -> bool:
    """A finding about the interchange as a whole (from the configuration): no claim of the
    output can be written without it, whatever ``--clean-only`` says."""
    return d.location.claim_id is None and d.location.field == CONFIG_ORIGIN


def check_output(validator: Any, built: Any) -> SelfCheck:
    """Write ``built`` (a BuildResult) as the 837P ``build`` would and validate that text.

    Control numbers are 1 and the clock is the validator's ``today`` at noon: no rule depends
    on the control number's value, and dates are judged against ``today`` anyway.
    Raises InputError naming the session file and row when a value cannot be written as X12
    at all (a separator character in a name): ``build`` stops on that too.
    """
    practice = validator.practice
    if not built.claims or practice is None or not hasattr(practice, "envelope"):
        return SelfCheck()
    text = _render(practice, built, validator.today)
    return _scan(validator, text, {o.claim_id: o for o in built.origins})


def check_body(validator: Any, enc: Any, batch: Any, claims: list[Any], origins: list[Any]
               ) -> tuple[list[str], SelfCheck]:
    """One transaction set's body (billing provider and claim loops) of built claims, written
    once, and the findings of the 837P it makes, checked in memory as :func:`check_output` does
    (control numbers 1, the clock at ``today`` noon). The streaming build writes the same body
    to its output: nothing in it depends on control numbers or the clock.
    """
    from claimkit.x12.writer import X12DataError, interchange_head, interchange_tail, st_body, st_end, st_head

    now = datetime.combine(validator.today, time(12))
    try:
        head = interchange_head(enc, batch.envelope, 1, 1, now)
        st = st_head(enc, batch, "0001", 1, now)
        body = st_body(enc, batch, claims)
    except X12DataError as exc:
        raise _located(exc, origins) from None
    text = "".join([*head, *st, *body, st_end(enc, len(st) + len(body) + 1, "0001"),
                    *interchange_tail(enc, 1, 1, 1)])
    return body, _scan(validator, text, {o.claim_id: o for o in origins})


def _scan(validator: Any, text: str, origins: dict[str, Any]) -> SelfCheck:
    out = SelfCheck()
    lines: dict[int, int] | None = None  # read again only when a finding needs it (most chunks have none)
    # checked in memory, never written; one item at a time (the claims read back are dropped)
    for item in validator.iter_x12_text(text, "built.x12"):
        diags = [item] if isinstance(item, Diagnostic) else item.diagnostics
        for d in diags:
            cid = d.location.claim_id
            origin = origins.get(cid) if cid else None
            if origin is None or cid is None:
                out.interchange.append(_at_config(d))
            else:
                line = d.location.line
                if not line:
                    if lines is None:
                        lines = _lx_of_segments(text)
                    line = lines.get(d.location.segment_index or 0)
                out.by_claim.setdefault(cid, []).append(_at_session(d, origin, line))
    return out


def _located(exc: Any, origins: Any) -> InputError:
    """The writer's X12DataError as an InputError naming the session file and row."""
    origin = next((o for o in origins if o.claim_id == exc.claim_id), None)
    if origin is None:
        return InputError(str(exc), file=CONFIG_ORIGIN)
    where = origin.locate(None, None)
    return InputError(str(exc), file=where.file, where=f"row {where.row}")


def _render(practice: Any, built: Any, today: Any) -> str:
    from claimkit.models.claim import ClaimBatch
    from claimkit.x12.writer import X12DataError, write_837

    batch = ClaimBatch(submitter=practice.submitter, receiver=practice.receiver,
                       envelope=practice.envelope, claims=list(built.claims))
    try:
        return write_837(batch, isa_control=1, gs_control=1, now=datetime.combine(today, time(12)))
    except X12DataError as exc:  # name the session file and row the value came from
        raise _located(exc, built.origins) from None


def _lx_of_segments(text: str) -> dict[int, int]:
    """Segment index -> the service line (LX01) it belongs to, for the segments of 2400 loops."""
    from claimkit.x12.reader import read_segments

    out: dict[int, int] = {}
    lx: int | None = None
    for seg in read_segments(text):
        if seg.id in ("CLM", "HL", "SE"):
            lx = None
        elif seg.id == "LX":
            lx = int(seg.el(1)) if seg.el(1).isdigit() else None
        if lx is not None:
            out[seg.index] = lx
    return out


def _at_session(d: Diagnostic, origin: Any, line: int | None) -> Diagnostic:
    """The finding located at the session row it came from; the X12 place (loop, segment,
    element) stays, the segment's position in a file nobody has is dropped."""
    at = origin.locate(line, None)
    loc = Location(file=at.file, row=at.row, field=d.location.field, claim_id=at.claim_id,
                   line=line, segment_id=d.location.segment_id, loop=d.location.loop,
                   element=d.location.element)
    return _relocated(d, loc)


def _at_config(d: Diagnostic) -> Diagnostic:
    loc = Location(field=CONFIG_ORIGIN, segment_id=d.location.segment_id, loop=d.location.loop,
                   element=d.location.element)
    return _relocated(d, loc)


# Values that place a finding in the would-be file's transaction set (for a 999): they mean
# nothing for a file that was never written.
_FILE_PLACES = frozenset({"st_control", "ts_position"})


def _relocated(d: Diagnostic, loc: Location) -> Diagnostic:
    values = tuple((k, v) for k, v in d.values if k not in _FILE_PLACES)
    return Diagnostic(d.rule, d.severity, d.message, loc, d.slug, d.fix, d.level, values)


def merge(own: list[Diagnostic], x12: list[Diagnostic]) -> list[Diagnostic]:
    """A claim's findings plus those of its X12 whose rule did not already report on it (the
    claim rules run on both the built claim and the claim read back from the 837P)."""
    seen = {d.rule for d in own}
    return [*own, *(d for d in x12 if d.rule not in seen)]
