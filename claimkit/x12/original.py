"""Parsed claims written back as they were sent: their original segments, re-encoded.

A claim read from an 837P keeps every segment of its billing provider, subscriber, patient and
claim loops (``Claim.original``). The writer sends those segments as they are, changing only
what an interchange of its own must change: the separators (the writer's, not the sender's)
and the HL numbering (HL01/HL02 renumbered, HL04 set from the loops written). Claims sharing
one billing provider (or subscriber, or patient) loop in the file share one HL loop again.

The claim's typed fields are what claimkit rules read; before its segments are written they
are read again and compared with the typed fields, so that a claim edited after parsing (its
JSON, say) is refused, never silently written as it was first sent.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from pydantic import ValidationError

from claimkit.models import edge
from claimkit.models.claim import Claim, OriginalSegment, OriginalSegments
from claimkit.x12.encoder import Delimiters, Encoder
from claimkit.x12.guide.tables import LEVEL
from claimkit.x12.makers import _NO_DATE
from claimkit.x12.reader import Segment

# Typed fields that never reach X12 (the session bookkeeping): free to differ from the segments.
_NOT_SENT: dict[str, Any] = {
    "original": True, "session_ids": True, "codeset_releases": True, "split": True,
    "documented_minutes": True, "total_charge": True,
    "payer": {"key", "unit_rule"}, "lines": {"__all__": {"minutes"}}}


def part_of(loop: str) -> str:
    """'bill' (2000A, 2010AA/AB/AC), 'sub' (2000B, 2010BA/BB), 'pat' (2000C, 2010CA) or
    'claim' (2300 and every loop under it)."""
    if loop[:5] == "2000A" or loop[:5] == "2010A":
        return "bill"
    if loop[:5] == "2000C" or loop[:5] == "2010C":
        return "pat"
    if loop[:5] == "2000B" or loop[:5] == "2010B":
        return "sub"
    return "claim"


def parts(orig: OriginalSegments) -> dict[str, list[OriginalSegment]]:
    """The claim's segments by part (see :func:`part_of`), each in file order."""
    out: dict[str, list[OriginalSegment]] = {"bill": [], "sub": [], "pat": [], "claim": []}
    for s in orig.segments:
        out[part_of(s.loop)].append(s)
    return out


def key_of(segs: Sequence[OriginalSegment], separators: str) -> tuple[str, ...]:
    """What makes two claims' loops one loop: the same segments, HL included (its number is
    the file's, so two loops of one file that happen to say the same stay two loops)."""
    return (separators, *(s.text for s in segs))


def segment_id(s: OriginalSegment, separators: str) -> str:
    """A kept segment's ID (the text before its first element separator)."""
    return s.text.split(separators[0], 1)[0]


class Reencoder:
    """Re-encodes original segment text with the writer's separators.

    Each element is split with the sender's repetition and component separators and joined
    with the writer's; a value holding one of the writer's separators (or a character outside
    the X12 set) is refused, as the encoder refuses any (X12 has no escape).
    """

    def __init__(self, enc: Encoder) -> None:
        self.enc = enc

    def text(self, separators: str, text: str) -> str:
        """Segment TEXT, sent with SEPARATORS, re-encoded with the writer's separators (SeparatorInData if it cannot
        be)."""
        el, comp = separators[0], separators[1]
        rep = separators[2] if len(separators) > 2 else ""
        d = self.enc.d
        fields = text.split(el)
        sid = fields[0]
        out = [self.enc._check(sid, 0, sid)]
        for pos, value in enumerate(fields[1:], start=1):
            reps = value.split(rep) if rep else [value]
            out.append(d.repetition.join(
                d.component.join(self.enc._check(sid, pos, c) for c in r.split(comp))
                for r in reps))
        return d.element.join(out) + self.enc.terminator


def _original(claim: Claim) -> OriginalSegments:
    """The claim's original segments (write_groups is only given claims that have them)."""
    if claim.original is None:
        raise ValueError(f"claim {claim.claim_id} has no original segments")
    return claim.original


def write_groups(add_raw: Callable[[str, str, str], None], add_hl: Callable[..., None],
                 claims: Sequence[Claim], hl: int, on_claim: Callable[[Claim], None]) -> int:
    """Write claims of one billing provider (same billing segments) from their originals.

    ``add_raw(separators, text, context)`` writes one original segment, ``add_hl(id, parent,
    level, child)`` an HL; ``on_claim`` is told which claim is being written (error context).
    Consecutive claims with the same subscriber (patient) segments share one 2000B (2000C),
    as in the file they came from. Returns the last HL number used.
    """
    split = [(c, parts(_original(c))) for c in claims]
    first = split[0][1]
    seps = _original(claims[0]).separators
    hl += 1
    bill_hl = hl
    _write_loop(add_raw, add_hl, seps, first["bill"], bill_hl, None, "20", True)
    prev_sub = prev_pat = None
    sub_hl = 0
    for i, (claim, p) in enumerate(split):
        on_claim(claim)
        seps = _original(claim).separators
        sub_key, pat_key = key_of(p["sub"], seps), key_of(p["pat"], seps) if p["pat"] else None
        if sub_key != prev_sub or (pat_key is None and prev_pat is not None):
            # a new 2000B: its HL04 says whether a 2000C follows under it
            has_child = False
            for _, q in split[i:]:
                if key_of(q["sub"], seps) != sub_key:
                    break
                if q["pat"]:
                    has_child = True
                    break
            hl += 1
            sub_hl = hl
            _write_loop(add_raw, add_hl, seps, p["sub"], sub_hl, bill_hl, "22", has_child)
            prev_sub, prev_pat = sub_key, None
        if pat_key is not None and pat_key != prev_pat:
            hl += 1
            _write_loop(add_raw, add_hl, seps, p["pat"], hl, sub_hl, "23", False)
            prev_pat = pat_key
        for s in p["claim"]:
            add_raw(seps, s.text, s.loop)
    return hl


def _write_loop(add_raw, add_hl, seps: str, segs: Sequence[OriginalSegment], hl: int,
                parent: int | None, level: str, child: bool) -> None:
    """An HL loop: its HL renumbered (written even when the file's was missing), then the
    rest of its segments as sent."""
    add_hl(hl, parent, level, "1" if child else "0")
    for s in segs:
        if segment_id(s, seps) != "HL":
            add_raw(seps, s.text, s.loop)


def read_back(claim: Claim) -> Claim | None:
    """The claim as its original segments read, validated like a parsed claim (None when
    they do not make a claim, or their loops are not 837P loops)."""
    from claimkit.x12.claims import ClaimAssembler  # (claims imports the makers; not at import)

    orig = claim.original
    assert orig is not None
    seps = orig.separators
    d = Delimiters(element=seps[0], component=seps[1], repetition=seps[2:], segment="~")
    asm = ClaimAssembler(None)
    for i, s in enumerate(orig.segments, start=1):
        if s.loop not in LEVEL:
            return None
        fields = s.text.split(seps[0])
        asm.feed(Segment(fields[0], fields[1:], i, d, s.text), s.loop, fields[0])
    pc = asm.close_claim()
    if pc is None:
        return None
    try:
        back = edge.validate(Claim, edge.dump(pc.claim, exclude={"total_charge", "original"}))
    except ValidationError:
        return None
    # A line without a readable DTP*472 took the file's BHT04 date when parsed (the BHT is not
    # one of the claim's segments); read back, it has the no-date stand-in: take the claim's.
    lines = list(back.lines)
    for n, kept in enumerate(claim.lines[:len(lines)]):
        if lines[n].date_of_service == _NO_DATE:
            lines[n] = edge.replace(lines[n], date_of_service=kept.date_of_service)
    return edge.replace(back, lines=lines)


def first_difference(claim: Claim) -> str | None:
    """The first typed field (a path such as ``lines[2].charge``) that its original segments
    no longer say; None when they agree. ``"original"`` when the segments make no claim."""
    back = read_back(claim)
    if back is None:
        return "original"
    return _diff(edge.dump(back, mode="json", exclude=_NOT_SENT),
                 edge.dump(claim, mode="json", exclude=_NOT_SENT), "")


def _diff(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            got = _diff(a.get(k), b.get(k), f"{path}.{k}" if path else k)
            if got:
                return got
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            got = _diff(x, y, f"{path}[{i}]")
            if got:
                return got
        return None
    return None if a == b else (path or "claim")

