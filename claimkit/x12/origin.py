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


@dataclass
class TransactionInfo:
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
        return cls(s.el(1), s.el(2), s.el(3), s.el(4), s.el(5), s.el(6), s.el(8))


@dataclass
class InterchangeInfo:
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


# field -> (segment key, element label); "subscriber.*" etc. fall back to the prefix.
_CLAIM_FIELDS = {
    "claim_id": ("2300.CLM", "CLM-01"), "total_charge": ("2300.CLM", "CLM-02"),
    "place_of_service": ("2300.CLM", "CLM-05"), "frequency_code": ("2300.CLM", "CLM-05"),
    "diagnoses": ("2300.HI", None),
    "subscriber": ("2010BA.NM1", None), "subscriber.address": ("2010BA.N3", None),
    "subscriber.address.zip": ("2010BA.N4", "N4-03"), "subscriber.member_id": ("2010BA.NM1", "NM1-09"),
    "subscriber.birth_date": ("2010BA.DMG", "DMG-02"), "subscriber.sex": ("2010BA.DMG", "DMG-03"),
    "patient": ("2010CA.NM1", None), "patient.address": ("2010CA.N3", None),
    "patient.address.zip": ("2010CA.N4", "N4-03"),
    "patient.birth_date": ("2010CA.DMG", "DMG-02"), "patient.sex": ("2010CA.DMG", "DMG-03"),
    "relationship": ("2000C.PAT", "PAT-01"),
    "billing_provider": ("2010AA.NM1", None), "billing_provider.npi": ("2010AA.NM1", "NM1-09"),
    "billing_provider.address": ("2010AA.N3", None),
    "billing_provider.address.zip": ("2010AA.N4", "N4-03"),
    "billing_provider.taxonomy": ("2000A.PRV", "PRV-03"),
    "billing_provider.ein": ("2010AA.REF*EI", "REF-02"),
    "rendering_provider": ("2310B.NM1", None), "rendering_provider.npi": ("2310B.NM1", "NM1-09"),
    "rendering_provider.taxonomy": ("2310B.PRV", "PRV-03"),
    "payer": ("2010BB.NM1", None), "payer.payer_id": ("2010BB.NM1", "NM1-09"),
}
# When the first key is absent (e.g. no patient loop because the patient is the subscriber).
_FALLBACK = {"2000C.PAT": ("2000B.SBR", "SBR-02"), "2010CA.NM1": ("2010BA.NM1", None),
             "2010CA.DMG": ("2010BA.DMG", None), "2010CA.N3": ("2010BA.N3", None),
             "2010CA.N4": ("2010BA.N4", None), "2010BA.DMG": ("2010BA.NM1", None),
             "2010BA.N3": ("2010BA.NM1", None), "2010BA.N4": ("2010BA.NM1", None),
             "2000A.PRV": ("2010AA.NM1", None), "2310B.PRV": ("2310B.NM1", None),
             "2310B.NM1": ("2300.CLM", None), "2010AA.REF*EI": ("2010AA.NM1", None)}
_LINE_FIELDS = {
    "code": ("SV1", "SV1-01"), "modifiers": ("SV1", "SV1-01"), "charge": ("SV1", "SV1-02"),
    "units": ("SV1", "SV1-04"), "place_of_service": ("SV1", "SV1-05"),
    "pointers": ("SV1", "SV1-07"), "date_of_service": ("DTP", "DTP-03"), "number": ("LX", "LX-01"),
    "minutes": ("SV1", None), "ndc": ("LIN", "LIN-03"), "ndc_quantity": ("CTP", "CTP-04"),
    "ndc_unit": ("CTP", "CTP-05"),
}


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
    claim: Claim
    origin: X12Origin
