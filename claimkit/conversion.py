"""File-to-stream conversions behind ``claimkit parse`` and ``claimkit export``.

Both write into a text stream the caller owns (an all-or-nothing output set in the CLI), claim
by claim where the format allows it, so memory stays flat whatever the input's size (issue 14).
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, TextIO

from claimkit.claims_stream import Fallback as NotStreamable
from claimkit.claims_stream import ParseSummary
from claimkit.diagnostics import Severity

__all__ = ["NotStreamable", "ParseSummary", "export_into", "parse_into"]


def _ctx(path: str | Path, today: date | None) -> Any:
    from claimkit.rules.engine import Context

    return Context(registry=None, today=today or date.today(), file=str(path))


def parse_into(path: str | Path, out: TextIO, *, to: str = "json", today: date | None = None,
               on_claim: Callable[[Any], None] | None = None) -> ParseSummary:
    """Write the claims of the 837P at ``path`` to ``out`` as claims JSON (streamed) or XML.

    Claims that do not satisfy the claim model are left out and listed in ``invalid``;
    ``errors`` counts the syntax/guide errors met on the way. ``on_claim`` is called with each
    claim written.
    """
    if to == "json":
        from claimkit.claims_stream import parse_837_json

        return parse_837_json(path, out, ctx=_ctx(path, today), on_claim=on_claim)
    if to != "xml":
        raise ValueError(f"unknown parse format {to!r} (json or xml)")
    from claimkit.claims_io import read_837_batch
    from claimkit.xml import write_xml

    parsed = read_837_batch(path, ctx=_ctx(path, today))
    out.write(write_xml(parsed.batch))
    summary = ParseSummary(claims=len(parsed.batch.claims), invalid=list(parsed.invalid),
                           errors=sum(1 for d in parsed.diagnostics if d.severity is Severity.ERROR))
    if on_claim is not None:
        for claim in parsed.batch.claims:
            on_claim(claim)
    return summary


def _numbers(control_file: str | Path | None, control_number: int) -> Callable[[Any], tuple[int, int]]:
    from claimkit.control import numbers_for

    return lambda envelope: numbers_for(envelope, control_file, control_number)


def export_into(path: str | Path, out: TextIO, *, to: str, settings: Any = None, stream: bool = True,
                control_file: str | Path | None = None, control_number: int = 1,
                now: datetime | None = None, today: date | None = None,
                on_claim: Callable[[Any], None] | None = None) -> int:
    """Write the claims of ``path`` (claims JSON, claims XML or an 837P) to ``out`` as ``to``
    (json, xml or x12); returns the number of claims.

    ``settings`` supplies submitter, receiver and envelope for claims files without them. With
    ``stream`` (x12 from claims JSON), claims go out one transaction set at a time; that raises
    :class:`NotStreamable` when the file must be read whole (``out`` then holds a partial text:
    discard it and call again with ``stream=False``, which names any problem). ISA13/GS06 come
    from ``control_file`` (locked, never reused) else ``control_number``, taken once the
    envelope is known.
    """
    from claimkit.claims_io import dump_claims, load_batch, sniff_format

    if to not in ("json", "xml", "x12"):
        raise ValueError(f"unknown export format {to!r} (json, xml or x12)")
    when = now or datetime.now()
    if stream and to == "x12":
        if sniff_format(path) != "json":
            raise NotStreamable("not claims JSON")
        from claimkit.claims_stream import export_837

        return export_837(path, out, defaults=settings, now=when, on_claim=on_claim,
                          numbers=_numbers(control_file, control_number))
    batch = load_batch(path, defaults=settings, ctx=_ctx(path, today or when.date()))
    if to == "xml":
        from claimkit.xml import write_xml

        out.write(write_xml(batch))
    elif to == "json":
        out.write(dump_claims(batch))
    else:
        from claimkit.x12.writer import write_837

        isa, gs = _numbers(control_file, control_number)(batch.envelope)
        out.write(write_837(batch, isa_control=isa, gs_control=gs, now=when))
    if on_claim is not None:
        for claim in batch.claims:
            on_claim(claim)
    return len(batch.claims)
