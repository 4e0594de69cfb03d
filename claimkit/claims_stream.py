"""Flat-memory ``parse`` and ``export``: claims go through one at a time, never a whole batch.

The output is byte for byte what the whole-batch functions write (``claims_io.dump_claims`` of
``claims_io.read_837_batch``, ``x12.writer.write_837`` of ``claims_io.load_batch``; the tests
compare them): each claim is formatted by those same functions, on a batch of that one claim,
and the pieces are joined as the whole-batch text joins them. Memory is bounded by one claim
for ``parse`` and by one transaction set (``MAX_CLAIMS_PER_ST`` claims, which the writer groups
by billing provider) for ``export``.

Files are written whole or not at all: into a temporary file beside the target, renamed over
it at the end, removed when anything fails.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from claimkit.diagnostics import Diagnostic, Severity
from claimkit.errors import InputError

_CLAIMS_OPEN = '  "claims": [\n'  # how dump_claims opens the claims list (indent=2)


@contextlib.contextmanager
def output(path: Path | None) -> Iterator[TextIO]:
    """A text stream to ``path`` (whole file or nothing, as ``cli._common.write_atomic``) or,
    with None, to stdout."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- parse: 837P -> claims JSON ----------------------------------------------------------------
@dataclass
class ParseSummary:
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
    from claimkit.models.claim import ClaimBatch

    return ClaimBatch(submitter=head.submitter, receiver=head.receiver, envelope=head.envelope,
                      claims=claims)


def parse_837_json(path: str | Path, out: TextIO, *, ctx: Any,
                   on_claim: Callable[[Any], None] | None = None) -> ParseSummary:
    """Write the claims JSON of the 837P at ``path`` to ``out``, one claim at a time: the text
    ``dump_claims(read_837_batch(path).batch)`` is, without holding the batch. Claims that do
    not satisfy the claim model are left out and listed, as ``read_837_batch`` lists them."""
    from pydantic import ValidationError

    from claimkit.claims_io import dump_claims
    from claimkit.messages import describe_error
    from claimkit.models.claim import Claim
    from claimkit.rules.scan.parser import scan_837

    head = head_of(path)
    empty = dump_claims(head)  # ... "claims": []\n}\n
    cut = empty.index('  "claims": []')
    out.write(empty[:cut])
    summary = ParseSummary()
    name = str(path)
    for item in scan_837(Path(path), file=name, ctx=ctx):
        if isinstance(item, Diagnostic):
            summary.errors += item.severity is Severity.ERROR
            continue
        raw = item.claim
        try:  # (as read_837_batch: the parser's claim through the model's validation)
            claim = Claim.model_validate(raw.model_dump(exclude={"total_charge"}))
        except ValidationError as exc:
            summary.invalid.append((raw.claim_id, describe_error(exc.errors()[0])))
            continue
        out.write(_CLAIMS_OPEN if summary.claims == 0 else ",\n")
        out.write(_claim_json(head, claim))
        summary.claims += 1
        if on_claim is not None:
            on_claim(claim)
    out.write("\n  ]\n}\n" if summary.claims else empty[cut:])
    return summary


def head_of(path: str | Path) -> Any:
    """The batch of the 837P at ``path`` without its claims: submitter, receiver and envelope
    of its first interchange (a streaming pass over the envelope segments)."""
    from claimkit.ack.info import read_interchanges

    refs = read_interchanges(Path(path))
    if not refs or not refs[0].groups or not refs[0].groups[0].transactions:
        raise InputError("no 837 transaction set found", file=str(path))
    return _head_from_refs(refs[0])


def _head_from_refs(ix: Any) -> Any:
    # (the envelope and parties as claims_io.read_837_batch derives them from the same refs)
    from claimkit.claims_io import _party837
    from claimkit.models.claim import ClaimBatch, Envelope

    grp = ix.groups[0]
    st = grp.transactions[0]
    envelope = Envelope(
        sender_qualifier=ix.sender_qualifier, sender_id=ix.sender_id,
        receiver_qualifier=ix.receiver_qualifier, receiver_id=ix.receiver_id,
        usage_indicator=ix.usage if ix.usage in ("T", "P") else "T",
        gs_sender=grp.sender if grp.sender != ix.sender_id else None,
        gs_receiver=grp.receiver if grp.receiver != ix.receiver_id else None,
        ack_requested=ix.ack_requested or "0")
    return ClaimBatch(submitter=_party837(st.submitter, ix.sender_id),
                      receiver=_party837(st.receiver, ix.receiver_id),
                      envelope=envelope, claims=[])
