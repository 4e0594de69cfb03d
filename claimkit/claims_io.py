"""Claims in and out: ClaimBatch <-> claims JSON, and reading any claims file (JSON, XML, 837P).

Errors name the file and the field (or claim) so the user can fix the input.

The document is the batch's own shape plus a ``schema`` marker (the XML namespace, so one
version number covers both forms). ``total_charge`` is written for readers; on input a total
that disagrees with the lines is kept as ``stated_total`` (the balancing rule reports it).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claimkit.diagnostics import Diagnostic
from claimkit.errors import InputError
from claimkit.limits import check_tree, loads_json, read_bounded
from claimkit.messages import describe_error
from claimkit.models import edge
from claimkit.models.claim import Claim, ClaimBatch, Envelope, Party837
from claimkit.xml.layout import NAMESPACE
from claimkit.xml.reader import keep_written_totals

SCHEMA_ID = NAMESPACE  # "urn:claimkit:claims:1.0"
_ENVELOPE_KEYS = ("submitter", "receiver", "envelope")


def dump_claims(batch: ClaimBatch) -> str:
    """The batch as indented JSON text (Decimals as strings, dates ISO), ending in a newline."""
    body = edge.dump(batch, mode="json")
    for claim in body["claims"]:  # a claim built from sessions has none: written as before
        if claim.get("original", 0) is None:
            del claim["original"]
    return json.dumps({"schema": SCHEMA_ID, **body}, indent=2, ensure_ascii=False) + "\n"


def parse_claims(data: Any, *, file: str, defaults: Any = None) -> ClaimBatch:
    """Validate a decoded claims document.

    Args:
        data: the decoded JSON object.
        file: the name used in error messages.
        defaults: an object with ``submitter``, ``receiver`` and ``envelope`` (e.g. the
            practice configuration) used when the document has none of its own.
    """
    if not isinstance(data, dict):
        raise InputError("a claims document is a JSON object with a 'claims' list", file=file)
    data = dict(data)
    marker = data.pop("schema", SCHEMA_ID)
    if marker != SCHEMA_ID:
        raise InputError(f"schema {marker!r} is not supported (expected {SCHEMA_ID!r})", file=file)
    if defaults is not None:
        for key in _ENVELOPE_KEYS:
            if data.get(key) is None:
                data[key] = edge.dump(getattr(defaults, key))
    claims = data.get("claims")
    written: list = []
    if isinstance(claims, list):  # total_charge is computed: compare it after validation
        written = [c.get("total_charge") if isinstance(c, dict) else None for c in claims]
        data["claims"] = [
            {k: v for k, v in c.items() if k != "total_charge"} if isinstance(c, dict) else c
            for c in claims
        ]
    try:
        batch = edge.validate(ClaimBatch, data)
    except ValidationError as exc:
        err = edge.errors(exc)[0]
        claim = _claim_id(data, err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(describe_error(err) + more, file=file,
                         where=f"claim {claim}" if claim else None) from None
    try:
        return keep_written_totals(batch, written)
    except (ArithmeticError, ValueError):
        raise InputError("total_charge is not a number", file=file) from None


def _claim_id(data: dict, loc: tuple) -> str | None:
    if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int):
        try:
            cid = data["claims"][loc[1]].get("claim_id")
            return str(cid) if cid else None
        except (IndexError, AttributeError, TypeError):
            return None
    return None


def loads_claims(text: str, *, file: str = "<claims>", defaults: Any = None) -> ClaimBatch:
    """Parse claims JSON text (bounded, checked for depth) into a batch; InputError names FILE."""
    data = loads_json(text, file=file)
    check_tree(data, file=file)
    return parse_claims(data, file=file, defaults=defaults)


def read_claims(path: str | Path, *, defaults: Any = None) -> ClaimBatch:
    """Read a claims JSON file; InputError names the file and the field on bad input."""
    path = Path(path)
    try:
        text = read_bounded(path, "claims").decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None
    return loads_claims(text, file=str(path), defaults=defaults)


# -- any claims file: JSON, claims XML or an 837P ------------------------------------------------
def sniff_format(path: str | Path) -> str:
    """'x12' | 'xml' | 'json' from a file's first bytes (content, not the suffix)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:3] == b"ISA":
        return "x12"
    if text[:1] == b"<":
        return "xml"
    if text[:1] in (b"{", b"["):
        return "json"
    raise InputError("not claims JSON, claims XML or an X12 837P (judged by its first bytes)",
                     file=str(path))


@dataclass
class Parsed837:
    """Claims read from an 837P, with what could not become a valid claim."""

    batch: ClaimBatch
    interchange: Any  # claimkit.ack.info.InterchangeRef of the first interchange
    # the findings of the pass that read the file (a validation run's: all of them)
    diagnostics: list = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (claim id, why)
    all_claims: list = field(default_factory=list)  # every claim as assembled, valid or not
    interchanges: list = field(default_factory=list)  # every InterchangeRef of the file

    def ack_batch(self) -> ClaimBatch:
        """The batch with every claim as received (for a 277CA, which must answer them all)."""
        return edge.replace(self.batch, claims=list(self.all_claims))


def _party837(found: dict[str, str], fallback_id: str) -> Party837:
    contact = found.get("contact_name")
    return Party837(
        name=found.get("name") or fallback_id, id=found.get("id") or fallback_id,
        # PER02 repeating the organisation name is the writer's stand-in for "no contact"
        contact_name=contact if contact and contact != found.get("name") else None,
        phone=found.get("phone"), phone_extension=found.get("phone_extension"),
        email=found.get("email"))


def read_837_batch(path: str | os.PathLike[str], *, ctx: Any) -> Parsed837:
    """Claims of an 837P file (the first interchange's envelope) through the X12 parser.

    Claims the parser assembled but that do not satisfy the claim model (e.g. an address
    without a city) are listed in ``invalid`` with the reason, never dropped silently.
    """
    from claimkit.ack.info import InterchangeCollector
    from claimkit.rules.scan.parser import scan_837

    name = os.fspath(path)
    envelopes = InterchangeCollector()  # gathered by the scan's own pass over the file
    diags: list = []
    raw_claims: list = []
    for item in scan_837(Path(path), file=name, ctx=ctx, watch=envelopes.feed):
        if isinstance(item, Diagnostic):
            diags.append(item)
        else:
            raw_claims.append(item.claim)
    return parsed_837(name, envelopes.interchanges, raw_claims, diags)


def parsed_837(name: str, refs: list, raw_claims: list, diags: list) -> Parsed837:
    """The :class:`Parsed837` of claims a scan assembled from file ``name`` (``refs``: its
    InterchangeRefs), without reading the file again."""
    if not refs or not refs[0].groups or not refs[0].groups[0].transactions:
        raise InputError("no 837 transaction set found", file=name)
    ix = refs[0]
    grp = ix.groups[0]
    st = grp.transactions[0]
    claims: list[Claim] = []
    invalid: list[tuple[str, str]] = []
    for raw in raw_claims:
        try:
            claims.append(edge.validate(Claim, edge.dump(raw, exclude={"total_charge"})))
        except ValidationError as exc:
            err = edge.errors(exc)[0]
            invalid.append((raw.claim_id, describe_error(err)))
    envelope = Envelope(
        sender_qualifier=ix.sender_qualifier, sender_id=ix.sender_id,
        receiver_qualifier=ix.receiver_qualifier, receiver_id=ix.receiver_id,
        usage_indicator=ix.usage if ix.usage in ("T", "P") else "T",
        gs_sender=grp.sender if grp.sender != ix.sender_id else None,
        gs_receiver=grp.receiver if grp.receiver != ix.receiver_id else None,
        ack_requested=ix.ack_requested or "0")
    batch = ClaimBatch(submitter=_party837(st.submitter, ix.sender_id),
                       receiver=_party837(st.receiver, ix.receiver_id),
                       envelope=envelope, claims=claims)
    return Parsed837(batch, ix, diags, invalid, list(raw_claims), refs)


def load_batch(path: str | Path, *, defaults: Any = None, ctx: Any = None) -> ClaimBatch:
    """Claims from claims JSON, claims XML or an 837P (judged by content).

    An 837P needs ``ctx`` (a rules Context) for its parser; claims that fail the model there
    raise InputError naming them (use :func:`read_837_batch` to keep the valid ones).
    """
    kind = sniff_format(path)
    if kind == "json":
        return read_claims(path, defaults=defaults)
    if kind == "xml":
        from claimkit.xml.reader import read_xml

        return read_xml(Path(path))
    if ctx is None:
        raise InputError("reading an 837P needs a rules context", file=str(path))
    parsed = read_837_batch(path, ctx=ctx)
    if parsed.invalid:
        cid, why = parsed.invalid[0]
        more = f" (and {len(parsed.invalid) - 1} more claims)" if len(parsed.invalid) > 1 else ""
        raise InputError(f"claim {cid} cannot be read: {why}{more}", file=str(path))
    return parsed.batch
