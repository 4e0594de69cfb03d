"""Flat-memory ``parse`` and ``export``: claims go through one at a time, never a whole batch.

The output is byte for byte what the whole-batch functions write (``claims_io.dump_claims`` of
``claims_io.read_837_batch``, ``x12.writer.write_837`` of ``claims_io.load_batch``; the tests
compare them): each claim is formatted by those same functions, on a batch of that one claim,
and the pieces are joined as the whole-batch text joins them. Memory is bounded by one claim
for ``parse`` and by one transaction set (``MAX_CLAIMS_PER_ST`` claims, which the writer groups
by billing provider) for ``export``.

The callers write into an output of ``claimkit.outputs.OutputSet`` (``stream``), so files are
still written whole or not at all.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.errors import InputError

_CLAIMS_OPEN = '  "claims": [\n'  # how dump_claims opens the claims list (indent=2)


# -- parse: 837P -> claims JSON ----------------------------------------------------------------
@dataclass
class ParseSummary:
    """What a streamed ``parse`` did: claims written, scan errors, and claims left out with why."""

    claims: int = 0  # written
    errors: int = 0  # syntax/guide errors the scan found
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (claim id, why) not written


def _claim_json(head: Any, claim: Any) -> str:
    """One claim as dump_claims writes it inside the list (indented, no separator)."""
    from claimkit.claims_io import dump_claims

    text = dump_claims(with_claims(head, [claim]))
    start = text.index(_CLAIMS_OPEN) + len(_CLAIMS_OPEN)
    end = text.rindex("\n  ]\n}")
    return text[start:end]


def with_claims(head: Any, claims: list[Any]) -> Any:
    """A batch with the submitter, receiver and envelope of HEAD and the given claims."""
    from claimkit.models.claim import ClaimBatch

    return ClaimBatch(submitter=head.submitter, receiver=head.receiver, envelope=head.envelope,
                      claims=claims)


def parse_837_json(path: str | Path, out: TextIO, *, ctx: Any,
                   on_claim: Callable[[Any], None] | None = None) -> ParseSummary:
    """Write the claims JSON of the 837P at ``path`` to ``out``, one claim at a time: the text
    ``dump_claims(read_837_batch(path).batch)`` is, without holding the batch. Each claim goes
    through ``claims_io.parsed_837`` (the whole-batch reader's own check and head), so claims
    that do not satisfy the claim model are left out and listed as it lists them."""
    from claimkit.ack.info import InterchangeCollector
    from claimkit.claims_io import dump_claims, parsed_837
    from claimkit.rules.scan.parser import scan_837

    name = str(path)
    envelopes = InterchangeCollector()  # (the envelope of the first interchange: the head)
    summary = ParseSummary()
    for item in scan_837(Path(path), file=name, ctx=ctx, watch=envelopes.feed):
        if isinstance(item, Diagnostic):
            summary.errors += item.severity is Severity.ERROR
            continue
        one = parsed_837(name, envelopes.interchanges, [item.claim], [])
        if one.invalid:
            summary.invalid.extend(one.invalid)
            continue
        claim = one.batch.claims[0]
        if summary.claims == 0:
            empty = dump_claims(with_claims(one.batch, []))
            out.write(empty[:empty.index('  "claims": []')] + _CLAIMS_OPEN)
        else:
            out.write(",\n")
        out.write(_claim_json(one.batch, claim))
        summary.claims += 1
        if on_claim is not None:
            on_claim(claim)
    if summary.claims:
        out.write("\n  ]\n}\n")
    else:  # (raises "no 837 transaction set found" as the whole-batch reader does)
        out.write(dump_claims(parsed_837(name, envelopes.interchanges, [], []).batch))
    return summary


# -- export: claims JSON -> 837P -----------------------------------------------------------------
class Fallback(Exception):
    """The input is not in the shape the streamed reader takes (or is wrong somewhere): the
    caller reads it whole instead, which gives the exact error message, if any."""


_CHUNK = 1 << 20
_MAX_VALUE = 64 << 20  # one claim's JSON text: beyond this the whole-file reader decides


class _JsonStream:
    """Decodes the values of one JSON document one at a time, with limits.loads_json's number
    rules (so the claims are the ones the whole-file reader would decode)."""

    def __init__(self, fh: TextIO) -> None:
        from claimkit import limits

        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder(parse_int=limits._int, parse_float=limits._float,
                                        parse_constant=limits.NotJson)

    def _fill(self) -> None:
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end), not consumed."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos:self.pos + 1]
            self._fill()

    def take(self, ch: str) -> None:
        if self.peek() != ch:
            raise Fallback(f"expected {ch!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                obj, end = None, -1
            except RecursionError:
                raise Fallback("nested too deeply") from None
            # a value that ends where the text read so far ends may go on (a number cut in two)
            if end >= 0 and (end < len(self.buf) or self.eof):
                self.pos = end
                return obj
            if self.eof or len(self.buf) - self.pos > _MAX_VALUE:
                raise Fallback("not JSON the streamed reader takes")
            self._fill()


def read_claims_stream(path: str | Path, *, defaults: Any = None
                       ) -> Iterator[tuple[Any, Any]]:
    """(head batch, claim) for each claim of a claims JSON file, decoded one claim at a time:
    the claims ``claims_io.read_claims`` returns, each checked by its own ``parse_claims``.
    Takes the layout claimkit writes (an object whose last key is "claims"); anything else, and
    any problem, raises :class:`Fallback` (read the file whole instead)."""
    from claimkit.claims_io import _ENVELOPE_KEYS, parse_claims
    from claimkit.limits import check_tree

    name = str(path)
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise Fallback(str(exc)) from None
    with fh:
        js = _JsonStream(fh)
        try:
            js.take("{")
            head: dict[str, Any] = {}
            while True:
                key = js.value()
                if not isinstance(key, str):
                    raise Fallback("a key is not a string")
                js.take(":")
                if key == "claims":
                    break
                if key in head:
                    raise Fallback("a key twice")
                head[key] = js.value()
                js.take(",")
            if defaults is None and any(head.get(k) is None for k in _ENVELOPE_KEYS):
                raise Fallback("no envelope before the claims")
            check_tree(head, file=name)
            js.take("[")
            first = True
            while js.peek() != "]":
                if not first:
                    js.take(",")
                first = False
                item = js.value()
                check_tree(item, file=name)
                batch = parse_claims({**head, "claims": [item]}, file=name, defaults=defaults)
                yield batch, batch.claims[0]
            js.take("]")
            js.take("}")
            if js.peek() != "":
                raise Fallback("text after the document")
        except (InputError, UnicodeDecodeError) as exc:
            raise Fallback(str(exc)) from None


def export_837(path: str | Path, out: TextIO, *, defaults: Any, numbers: Callable[[Any], tuple[int, int]],
               now: Any, on_claim: Callable[[Any], None] | None = None) -> int:
    """Write the 837P of the claims JSON at ``path`` to ``out``, one transaction set of claims
    at a time: the text ``write_837(read_claims(path))`` is. ``numbers(envelope)`` gives
    (ISA13, GS06) once the envelope is known. Returns the number of claims; raises
    :class:`Fallback` (nothing useful written) when the file must be read whole."""
    from claimkit.x12 import writer as w

    enc = w.Encoder(newline=True)
    head, chunk, sets, count = None, [], 0, 0
    gs_control = 0
    for batch, claim in read_claims_stream(path, defaults=defaults):
        if head is None:
            head = batch
            isa_control, gs_control = numbers(batch.envelope)
            out.write(_interchange_head(w, enc, batch.envelope, isa_control, gs_control, now))
        chunk.append(claim)
        count += 1
        if on_claim is not None:
            on_claim(claim)
        if len(chunk) == w.MAX_CLAIMS_PER_ST:
            sets += 1
            out.write("".join(w._transaction(enc, head, chunk, f"{sets:04d}", gs_control, now)))
            chunk = []
    if head is None:
        raise Fallback("no claims")  # (the whole-file writer's one empty transaction set)
    if chunk:
        sets += 1
        out.write("".join(w._transaction(enc, head, chunk, f"{sets:04d}", gs_control, now)))
    tail = w._Tx(enc)
    tail.add("GE", transaction_count=sets, control_number=gs_control)
    tail.add("IEA", group_count=1, control_number=f"{isa_control:09d}")
    out.write("".join(tail.parts))
    return count


def _interchange_head(w: Any, enc: Any, env: Any, isa_control: int, gs_control: int,
                      now: Any) -> str:
    # (ISA and GS exactly as x12.writer.write_837 writes them)
    isa = enc.isa([
        "00", " " * 10, "00", " " * 10,
        env.sender_qualifier, env.sender_id.ljust(15), env.receiver_qualifier, env.receiver_id.ljust(15),
        now.strftime("%y%m%d"), now.strftime("%H%M"), enc.d.repetition, "00501",
        f"{isa_control:09d}", env.ack_requested, env.usage_indicator, enc.d.component,
    ])
    gs = w._Tx(enc)
    gs.context = "envelope"
    gs.add("GS", functional_id="HC", sender=env.gs_sender or env.sender_id,
           receiver=env.gs_receiver or env.receiver_id, date=w.d8(now), time=now.strftime("%H%M"),
           control_number=gs_control, agency="X", version=w.VERSION)
    return isa + "".join(gs.parts)
