"""Claims out of 837P segments: :class:`ClaimAssembler` keeps the segments of the open billing
provider, subscriber, patient and claim loops and builds the Claim when the 2300 loop closes.

Which segment each claim field is read from is what :class:`~claimkit.x12.origin.X12Origin`
answers later; the models themselves are built by :mod:`claimkit.x12.makers`.
"""
from __future__ import annotations

from datetime import date

from claimkit.models.claim import Claim, Party, Provider
from claimkit.models.common import Relationship
from claimkit.x12.details import claim_details, line_details
from claimkit.x12.guide.tables import DX_QUALIFIERS, LEVEL
from claimkit.x12.makers import (
    Makers,
    original_segment,
    originals,
    party,
    payer,
    provider,
)
from claimkit.x12.origin import ParsedClaim, X12Origin, parse_d8, to_decimal
from claimkit.x12.reader import Segment
from claimkit.x12.spec import RELATIONSHIP_FROM_CODE

_RELATIONSHIP = {code: Relationship(name) for code, name in RELATIONSHIP_FROM_CODE.items()}

# Which segments the assembler keeps, by the loop they were placed in (None: none of them).
_BUCKET = {loop: ("line" if loop[1] == "4" else "claim" if loop[1] == "3"
                  else "bill" if loop[:5] in ("2000A", "2010A")
                  else "pat" if loop[:5] in ("2000C", "2010C")
                  else "sub" if loop[:2] == "20" else None) for loop in LEVEL}


# loop -> segment ID -> "loop.sid", the key a segment is kept under: built once, not per segment
_KEYS: dict[str, dict[str, str]] = {loop: {} for loop in LEVEL}


class ClaimAssembler:
    """Collects segments per loop; ``close_claim`` builds the Claim of the 2300 just closed."""

    def __init__(self, file: str | None, keep_original: bool = True) -> None:
        """``keep_original``: keep every segment as sent on the claim (``Claim.original``), for
        parse/export and the pass-through split; a validation that returns no claims skips it."""
        self.file = file
        self.keep_original = keep_original
        self.makers = Makers()
        self.reset()

    def reset(self) -> None:
        """Forget the collected loops, ready for the next billing provider's claims."""
        self.bill: dict[str, Segment] = {}
        self.sub: dict[str, Segment] = {}
        self.pat: dict[str, Segment] = {}
        self.claim: dict[str, Segment] | None = None
        self.lines: list[dict[str, Segment]] = []
        self.dx: list[tuple[Segment, int]] = []
        # the claim's segments after CLM (claimkit.x12.details reads them) and the lines' REF
        # and 2430 segments (line index, loop, segment)
        self.detail_segs: list[tuple[str, Segment]] = []
        self.line_segs: list[tuple[int, str, Segment]] = []
        self.fallback_date: date | None = None
        # Every segment of the open loops as sent, in order (what a lossless claim keeps): the
        # billing provider's, subscriber's and patient's loops, and the claim with its lines.
        self.bill_segs: list = []
        self.sub_segs: list = []
        self.pat_segs: list = []
        self.claim_segs: list | None = None

    def _keep(self, seg: Segment, loop: str, sid: str, bucket: str) -> None:
        """Keep ``seg`` as sent in the segment list of its loop (see ``reset``)."""
        if bucket == "claim" or bucket == "line":
            if sid == "CLM" and loop == "2300":
                self.claim_segs = []
            elif self.claim_segs is None:  # (no open claim: a misplaced segment before CLM)
                return
            self.claim_segs.append(original_segment(loop, seg))
            return
        if sid == "HL":  # an HL opens a new 2000A/B/C loop: its segments and its children's
            if bucket == "bill":
                self.bill_segs, self.sub_segs, self.pat_segs = [], [], []
            elif bucket == "sub":
                self.sub_segs, self.pat_segs = [], []
            else:
                self.pat_segs = []
        getattr(self, bucket + "_segs").append(original_segment(loop, seg))

    def feed(self, seg: Segment, loop: str, sid: str) -> None:
        """Keep ``seg`` (placed in ``loop``) when a claim reads it; the first of a kind wins."""
        bucket = _BUCKET[loop]
        if self.keep_original and bucket is not None:
            self._keep(seg, loop, sid, bucket)
        if bucket == "line":  # 2400 and its sub-loops: only the line's own segments matter here
            if loop == "2400":
                if sid == "LX":
                    self.lines.append({"LX": seg})
                    return
                if sid == "SV1" or sid == "DTP" and seg.elements and seg.elements[0] == "472":
                    if self.lines:
                        self.lines[-1].setdefault(sid, seg)
                    return
            elif loop == "2410" and (sid == "LIN" or sid == "CTP"):  # the line's drug (NDC)
                if self.lines:
                    self.lines[-1].setdefault(sid, seg)
                return
            if sid == "BHT":  # (misplaced, but still the fallback date)
                self.fallback_date = parse_d8(seg.el(4))
            elif self.lines and (loop == "2430" or sid == "REF"):
                self.line_segs.append((len(self.lines) - 1, loop, seg))
            return
        if sid == "BHT":
            self.fallback_date = parse_d8(seg.el(4))
            return
        if sid == "HL":  # (an HL opens a 2000A/B/C loop: a bill, sub or pat bucket)
            if loop == "2000A":
                self.bill, self.sub, self.pat = {}, {}, {}
            elif loop == "2000B":
                self.sub, self.pat = {}, {}
            else:
                self.pat = {}
        if bucket is None:
            return
        if sid != "REF" and sid != "DTP":
            keys = _KEYS[loop]
            key = keys.get(sid)
            if key is None:  # (sid is a segment the TR3 allows in the loop: a bounded set)
                key = keys[sid] = loop + "." + sid
        else:
            key = f"{loop}.{sid}*{seg.el(1)}"
        if bucket == "sub":
            self.sub.setdefault(key, seg)
        elif bucket == "claim":
            if sid == "CLM" and loop == "2300":
                self.claim = {key: seg}
                self.lines, self.dx = [], []
                self.detail_segs, self.line_segs = [], []
            elif self.claim is not None:
                if sid == "HI" and loop == "2300":
                    self._hi(seg)
                else:
                    self.detail_segs.append((loop, seg))
                self.claim.setdefault(key, seg)
        elif bucket == "bill":
            self.bill.setdefault(key, seg)
        else:
            self.pat.setdefault(key, seg)

    def _hi(self, seg: Segment) -> None:
        comp = seg.delimiters.component
        for pos, el in enumerate(seg.elements, start=1):
            q = el.split(comp, 1)[0]
            if q in DX_QUALIFIERS:
                self.dx.append((seg, pos))

    def close_claim(self) -> ParsedClaim | None:
        """The claim of the 2300 loop just closed, with its origin; None when no claim is open."""
        if self.claim is None:
            return None
        refs = {**self.bill, **self.sub, **self.pat, **self.claim}
        clm = refs["2300.CLM"]
        self.claim = None
        d = clm.delimiters
        kept = originals(d.element + d.component + d.repetition,
                         self.bill_segs + self.sub_segs + self.pat_segs + (self.claim_segs or [])) \
            if self.keep_original else None
        self.claim_segs = None
        comp = clm.delimiters.component
        facility = clm.el(5).split(comp)
        dx_codes, dx_quals = [], []
        for seg, pos in self.dx:
            parts = seg.elements[pos - 1].split(comp)
            dx_quals.append(parts[0])
            dx_codes.append(parts[1] if len(parts) > 1 else "")
        make, fallback = self.makers, self.fallback_date
        lines = [make.line(i, ln, comp, fallback) for i, ln in enumerate(self.lines, start=1)]
        if self.line_segs:
            by_line: dict[int, list[tuple[str, Segment]]] = {}
            for i, loop, seg in self.line_segs:
                by_line.setdefault(i, []).append((loop, seg))
            for i, segs in by_line.items():
                line_details(lines[i], segs)
        sbr = refs.get("2000B.SBR")
        if sbr is not None and sbr.el(2) == "18":
            rel = Relationship.SELF
        else:
            pat = refs.get("2000C.PAT")
            rel = _RELATIONSHIP.get(pat.el(1) if pat is not None else "", Relationship.OTHER)
        claim = Claim(
            claim_id=clm.el(1), payer=payer(refs.get("2010BB.NM1"), sbr),
            billing_provider=make.billing(refs, self.bill) or Provider(npi="", last_name=""),
            rendering_provider=provider(refs, "2310B"),
            subscriber=party(refs, "2010BA", True) or Party(last_name=""),
            patient=party(refs, "2010CA", False), relationship=rel,
            place_of_service=facility[0],
            frequency_code=facility[2] if len(facility) > 2 else "",
            diagnoses=dx_codes, diagnosis_qualifiers=dx_quals, lines=lines,
            stated_total=to_decimal(clm.el(2)), original=kept, **claim_details(refs, self.detail_segs))
        origin = X12Origin(self.file, clm.el(1), refs, self.lines, self.dx)
        self.lines, self.dx = [], []
        self.detail_segs, self.line_segs = [], []
        return ParsedClaim(claim, origin)
