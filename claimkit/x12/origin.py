"""Where each claim field came from, and the envelope summaries a 999 is built from.

:class:`X12Origin` maps the shared field vocabulary of the content rules ("pointers",
"diagnoses[2]", "billing_provider.npi", ...) to the segment and element it was read from; the
claims themselves are built by :mod:`claimkit.x12.claims`. Also :class:`InterchangeInfo` ...
and the element value readers the parser and the rules share (:func:`parse_d8`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from claimkit.diagnostics import Location
from claimkit.models.claim import Claim
from claimkit.x12.reader import Segment
from claimkit.x12.spec import element_label


@dataclass
class TransactionInfo:
    """What a scan learned about one ST..SE transaction set: controls, range, counts, trailer seen."""

    st_control: str
    transaction_set: str = ""  # ST01
    implementation: str = ""  # ST03
    start_index: int = 0
    segment_count: int = 0  # segments counted ST..SE
    findings: int = 0
    errors: int = 0
    closed: bool = False  # SE seen


@dataclass
class GroupInfo:
    """What a scan learned about one GS..GE functional group and its transaction sets."""

    functional_id: str = ""  # GS01
    sender: str = ""  # GS02
    receiver: str = ""  # GS03
    date: str = ""
    time: str = ""
    control: str = ""  # GS06
    version: str = ""  # GS08
    transactions: list[TransactionInfo] = field(default_factory=list)
    closed: bool = False

    @classmethod
    def from_gs(cls, s: Segment) -> "GroupInfo":
        """A group from its GS segment."""
        return cls(s.el(1), s.el(2), s.el(3), s.el(4), s.el(5), s.el(6), s.el(8))


@dataclass
class InterchangeInfo:
    """What a scan learned about one ISA..IEA interchange and its groups."""

    sender_qualifier: str = ""
    sender_id: str = ""
    receiver_qualifier: str = ""
    receiver_id: str = ""
    date: str = ""
    time: str = ""
    control: str = ""  # ISA13
    usage: str = ""  # ISA15
    groups: list[GroupInfo] = field(default_factory=list)
    closed: bool = False

    @classmethod
    def from_isa(cls, s: Segment) -> "InterchangeInfo":
        """An interchange from its ISA segment (IDs stripped of the fixed-width padding)."""
        g = s.el
        return cls(g(5).strip(), g(6).strip(), g(7).strip(), g(8).strip(), g(9), g(10), g(13),
                   g(15))


@lru_cache(maxsize=1024)
def parse_d8(text: str) -> date | None:
    """CCYYMMDD -> date, None when not a real date (cached: files repeat few dates)."""
    if len(text) != 8 or not text.isdecimal():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


_NUM = re.compile(r"^-?(\d+\.?\d*|\.\d+)$", re.ASCII)


@lru_cache(maxsize=1024)
def to_decimal(text: str) -> Decimal | None:
    """An R (decimal) element's value, None when it is not one (cached: amounts repeat)."""
    return Decimal(text) if _NUM.match(text) else None


# field -> (segment key, (segment ID, the writer's element name) or None). The positions come
# from the writer's element names (claimkit.x12.spec), which tests/x12/test_guide.py checks
# against the guide; keys are "loop.segment" (or "loop.REF*qualifier"), also checked there.
# "subscriber.*" etc. fall back to the prefix.
_CLAIM_REFS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "claim_id": ("2300.CLM", ("CLM", "claim_id")), "total_charge": ("2300.CLM", ("CLM", "total_charge")),
    "place_of_service": ("2300.CLM", ("CLM", "facility")),
    "frequency_code": ("2300.CLM", ("CLM", "facility")),
    "diagnoses": ("2300.HI", None),
    "subscriber": ("2010BA.NM1", None), "subscriber.address": ("2010BA.N3", None),
    "subscriber.address.zip": ("2010BA.N4", ("N4", "zip")),
    "subscriber.member_id": ("2010BA.NM1", ("NM1", "id")),
    "subscriber.birth_date": ("2010BA.DMG", ("DMG", "birth_date")),
    "subscriber.sex": ("2010BA.DMG", ("DMG", "sex")),
    "patient": ("2010CA.NM1", None), "patient.address": ("2010CA.N3", None),
    "patient.address.zip": ("2010CA.N4", ("N4", "zip")),
    "patient.birth_date": ("2010CA.DMG", ("DMG", "birth_date")),
    "patient.sex": ("2010CA.DMG", ("DMG", "sex")),
    "relationship": ("2000C.PAT", ("PAT", "relationship")),
    "billing_provider": ("2010AA.NM1", None), "billing_provider.npi": ("2010AA.NM1", ("NM1", "id")),
    "billing_provider.address": ("2010AA.N3", None),
    "billing_provider.address.zip": ("2010AA.N4", ("N4", "zip")),
    "billing_provider.taxonomy": ("2000A.PRV", ("PRV", "taxonomy")),
    "billing_provider.ein": ("2010AA.REF*EI", ("REF", "id")),
    "rendering_provider": ("2310B.NM1", None),
    "rendering_provider.npi": ("2310B.NM1", ("NM1", "id")),
    "rendering_provider.taxonomy": ("2310B.PRV", ("PRV", "taxonomy")),
    "payer": ("2010BB.NM1", None), "payer.payer_id": ("2010BB.NM1", ("NM1", "id")),
    # issue 12 details (claimkit/x12/details.py): an absent segment falls back to the CLM
    "payer_responsibility": ("2000B.SBR", ("SBR", "payer_responsibility")),
    "insurance_type": ("2000B.SBR", ("SBR", "insurance_type")),
    "accident": ("2300.CLM", ("CLM", "related_causes")),
    "onset_date": ("2300.DTP*431", ("DTP", "date")),
    "initial_treatment_date": ("2300.DTP*454", ("DTP", "date")),
    "prior_authorization": ("2300.REF*G1", ("REF", "id")),
    "referral_number": ("2300.REF*9F", ("REF", "id")),
    "payer_claim_number": ("2300.REF*F8", ("REF", "id")),
    "note": ("2300.NTE", ("NTE", "description")), "attachments": ("2300.PWK", None),
    "referring_provider": ("2310A.NM1", None), "service_facility": ("2310C.NM1", None),
    "other_payers": ("2320.SBR", None),
}
# When the first key is absent (e.g. no patient loop because the patient is the subscriber).
_FALLBACK_REFS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "2000C.PAT": ("2000B.SBR", ("SBR", "relationship")), "2010CA.NM1": ("2010BA.NM1", None),
    "2010CA.DMG": ("2010BA.DMG", None), "2010CA.N3": ("2010BA.N3", None),
    "2010CA.N4": ("2010BA.N4", None), "2010BA.DMG": ("2010BA.NM1", None),
    "2010BA.N3": ("2010BA.NM1", None), "2010BA.N4": ("2010BA.NM1", None),
    "2000A.PRV": ("2010AA.NM1", None), "2310B.PRV": ("2310B.NM1", None),
    "2310B.NM1": ("2300.CLM", None), "2010AA.REF*EI": ("2010AA.NM1", None)}
# Line fields: all in loop 2400 (or its 2410 drug loop, LIN/CTP).
_LINE_REFS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "code": ("SV1", ("SV1", "procedure")), "modifiers": ("SV1", ("SV1", "procedure")),
    "charge": ("SV1", ("SV1", "charge")), "units": ("SV1", ("SV1", "units")),
    "place_of_service": ("SV1", ("SV1", "place_of_service")),
    "pointers": ("SV1", ("SV1", "pointers")), "date_of_service": ("DTP", ("DTP", "date")),
    "number": ("LX", ("LX", "number")), "minutes": ("SV1", None),
    "ndc": ("LIN", ("LIN", "product_id")), "ndc_quantity": ("CTP", ("CTP", "quantity")),
    "ndc_unit": ("CTP", ("CTP", "unit")),
}


def _labelled(refs: dict[str, tuple[str, tuple[str, str] | None]]) -> dict[str, tuple[str, str | None]]:
    return {k: (key, element_label(*el) if el else None) for k, (key, el) in refs.items()}


_CLAIM_FIELDS = _labelled(_CLAIM_REFS)
_FALLBACK = _labelled(_FALLBACK_REFS)
_LINE_FIELDS = _labelled(_LINE_REFS)


class X12Origin:
    """Origin of one parsed claim: ``locate(line, field)`` -> segment index/id, loop, element."""

    __slots__ = ("file", "claim_id", "refs", "lines", "dx")

    def __init__(self, file: str | None, claim_id: str, refs: dict[str, Segment],
                 lines: list[dict[str, Segment]], dx: list[tuple[Segment, int]]) -> None:
        self.file, self.claim_id, self.refs, self.lines, self.dx = file, claim_id, refs, lines, dx

    def _loc(self, seg: Segment | None, loop: str | None, element: str | None,
             line: int | None) -> Location:
        if seg is None:
            seg, loop, element = self.refs.get("2300.CLM"), "2300", None
        return Location(file=self.file, claim_id=self.claim_id, line=line,
                        segment_index=seg.index if seg else None,
                        segment_id=seg.id if seg else None, loop=loop, element=element)

    def locate(self, line: int | None, field: str | None) -> Location:
        """The segment, loop and element a claim-relative place (line number, field path) was read from."""
        name = (field or "").split("[", 1)[0]
        if line is not None and 1 <= line <= len(self.lines):
            ln = self.lines[line - 1]
            key, el = _LINE_FIELDS.get(name, ("LX", None))
            if name == "place_of_service" and ln.get("SV1") is not None and ln["SV1"].el(5) == "":
                return self._loc(self.refs.get("2300.CLM"), "2300", "CLM-05", line)
            seg = ln.get(key) or ln.get("LX")
            return self._loc(seg, "2400", el if seg is ln.get(key) else None, line)
        if name == "diagnoses" and field and "[" in field:
            try:
                i = int(field.split("[", 1)[1].rstrip("]"))
            except ValueError:
                i = 0
            if 1 <= i <= len(self.dx):
                seg, pos = self.dx[i - 1]
                return self._loc(seg, "2300", f"HI-{pos:02d}", None)
        while name and name not in _CLAIM_FIELDS:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        key, el = _CLAIM_FIELDS.get(name, ("2300.CLM", None))
        while key not in self.refs and key in _FALLBACK:
            key, el = _FALLBACK[key][0], _FALLBACK[key][1] or None
        seg = self.refs.get(key)
        return self._loc(seg, key.split(".", 1)[0] if seg else None, el if seg else None, line)


@dataclass
class ParsedClaim:
    """A claim read from an 837P with the origin that locates its fields in the file."""

    claim: Claim
    origin: X12Origin
