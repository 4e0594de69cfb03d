"""Claims out of 837P segments, and where each claim field came from.

:class:`ClaimAssembler` keeps the segments of the open billing provider, subscriber, patient and
claim loops and turns them into a :class:`~claimkit.models.claim.Claim` when the 2300 loop
closes. :class:`X12Origin` maps the shared field vocabulary of the content rules ("pointers",
"diagnoses[2]", "billing_provider.npi", ...) to the segment and element it was read from.
Also the envelope summaries (:class:`InterchangeInfo` ...) a 999 acknowledgment is built from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from claimkit.diagnostics import Location
from claimkit.models.claim import Claim, Party, Payer, Provider, ServiceLine
from claimkit.models.common import Address, Relationship, Sex
from claimkit.rules.x12_tr3 import DX_QUALIFIERS
from claimkit.x12.reader import Segment
from claimkit.x12.spec import RELATIONSHIP_FROM_CODE


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


_FILL: dict[type, tuple[tuple[str, Any, bool], ...]] = {}


def _make(cls: Any, **values: Any) -> Any:
    """``cls.model_construct(**values)`` without its per-call overhead.

    The parser has already checked every value against the TR3 (findings, not exceptions), so
    the claims are built unvalidated, as model_construct does; pydantic's model_construct
    inspects default factories on every call, which dominated the scan time.
    """
    fill = _FILL.get(cls)
    if fill is None:
        fill = _FILL[cls] = tuple(
            (n, f.default_factory if f.default_factory is not None else f.default,
             f.default_factory is not None)
            for n, f in cls.model_fields.items() if not f.is_required())
    explicit = set(values)
    for name, default, factory in fill:
        if name not in values:
            values[name] = default() if factory else default
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", explicit)
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


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


def to_decimal(text: str) -> Decimal | None:
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
    "minutes": ("SV1", None),
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


def _address(n3: Segment | None, n4: Segment | None) -> Address | None:
    if n3 is None and n4 is None:
        return None
    return _make(
        Address, line1=n3.el(1) if n3 else "", line2=(n3.el(2) or None) if n3 else None,
        city=n4.el(1) if n4 else "", state=n4.el(2) if n4 else "", zip=n4.el(3) if n4 else "")


def _party(refs: dict[str, Segment], loop: str, member: bool) -> Party | None:
    nm1 = refs.get(f"{loop}.NM1")
    if nm1 is None:
        return None
    dmg = refs.get(f"{loop}.DMG")
    sex = dmg.el(3) if dmg else ""
    return _make(
        Party, last_name=nm1.el(3), first_name=nm1.el(4) or None, middle_name=nm1.el(5) or None,
        birth_date=parse_d8(dmg.el(2)) if dmg else None,
        sex=Sex(sex) if sex in ("M", "F", "U") else None,
        address=_address(refs.get(f"{loop}.N3"), refs.get(f"{loop}.N4")),
        member_id=(nm1.el(9) or None) if member else None,
        group_number=(refs["2000B.SBR"].el(3) or None) if member and "2000B.SBR" in refs else None)


def _provider(refs: dict[str, Segment], loop: str, prv: str) -> Provider | None:
    nm1 = refs.get(f"{loop}.NM1")
    if nm1 is None:
        return None
    p = refs.get(prv)
    ref = refs.get(f"{loop}.REF*EI")
    per = refs.get(f"{loop}.PER")
    phone = None
    if per is not None:
        for q in (3, 5, 7):
            if per.el(q) == "TE":
                phone = per.el(q + 1)
                break
    return _make(
        Provider, npi=nm1.el(9), last_name=nm1.el(3), first_name=nm1.el(4) or None,
        is_organization=nm1.el(2) == "2", taxonomy=(p.el(3) or None) if p else None,
        ein=ref.el(2) if ref else None,
        address=_address(refs.get(f"{loop}.N3"), refs.get(f"{loop}.N4")), phone=phone)


class ClaimAssembler:
    """Collects segments per loop; ``close_claim`` builds the Claim of the 2300 just closed."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.reset()

    def reset(self) -> None:
        self.bill: dict[str, Segment] = {}
        self.sub: dict[str, Segment] = {}
        self.pat: dict[str, Segment] = {}
        self.claim: dict[str, Segment] | None = None
        self.lines: list[dict[str, Segment]] = []
        self.dx: list[tuple[Segment, int]] = []
        self.fallback_date: date | None = None

    def feed(self, seg: Segment, loop: str, sid: str) -> None:
        if sid == "HL":
            if loop == "2000A":
                self.bill, self.sub, self.pat = {}, {}, {}
            elif loop == "2000B":
                self.sub, self.pat = {}, {}
            else:
                self.pat = {}
        elif sid == "BHT":
            self.fallback_date = parse_d8(seg.el(4))
            return
        c = loop[1]
        if c == "4":  # 2400 and its sub-loops: only the line's own segments matter here
            if sid == "LX" and loop == "2400":
                self.lines.append({"LX": seg})
            elif self.lines and loop == "2400" and (sid == "SV1" or (sid == "DTP" and seg.el(1) == "472")):
                self.lines[-1].setdefault(sid, seg)
            return
        key = f"{loop}.{sid}" if sid not in ("REF", "DTP") else f"{loop}.{sid}*{seg.el(1)}"
        if c == "3":
            if sid == "CLM" and loop == "2300":
                self.claim = {key: seg}
                self.lines, self.dx = [], []
            elif self.claim is not None:
                if sid == "HI" and loop == "2300":
                    self._hi(seg)
                self.claim.setdefault(key, seg)
        elif loop[:4] == "2000" and loop[4] == "A" or loop[:5] == "2010A":
            self.bill.setdefault(key, seg)
        elif loop[:4] == "2000" and loop[4] == "C" or loop[:5] == "2010C":
            self.pat.setdefault(key, seg)
        elif loop[:2] == "20":
            self.sub.setdefault(key, seg)

    def _hi(self, seg: Segment) -> None:
        comp = seg.delimiters.component
        for pos, el in enumerate(seg.elements, start=1):
            q = el.split(comp, 1)[0]
            if q in DX_QUALIFIERS:
                self.dx.append((seg, pos))

    def close_claim(self) -> ParsedClaim | None:
        if self.claim is None:
            return None
        refs = {**self.bill, **self.sub, **self.pat, **self.claim}
        clm = refs["2300.CLM"]
        self.claim = None
        comp = clm.delimiters.component
        facility = clm.el(5).split(comp)
        dx_codes, dx_quals = [], []
        for seg, pos in self.dx:
            parts = seg.el(pos).split(comp)
            dx_quals.append(parts[0])
            dx_codes.append(parts[1] if len(parts) > 1 else "")
        lines = [self._line(i, ln, comp) for i, ln in enumerate(self.lines, start=1)]
        sbr = refs.get("2000B.SBR")
        pat = refs.get("2000C.PAT")
        if sbr is not None and sbr.el(2) == "18":
            rel = Relationship.SELF
        else:
            code = pat.el(1) if pat is not None else ""
            rel = Relationship(RELATIONSHIP_FROM_CODE.get(code, "other"))
        nm1pr = refs.get("2010BB.NM1")
        payer = _make(
            Payer, key=None, name=nm1pr.el(3) if nm1pr else "", payer_id=nm1pr.el(9) if nm1pr else "",
            filing_indicator=(sbr.el(9) if sbr else "") or "CI", unit_rule=None)
        claim = _make(
            Claim, claim_id=clm.el(1), payer=payer,
            billing_provider=_provider(refs, "2010AA", "2000A.PRV")
            or _make(Provider, npi="", last_name=""),
            rendering_provider=_provider(refs, "2310B", "2310B.PRV"),
            subscriber=_party(refs, "2010BA", True) or _make(Party, last_name=""),
            patient=_party(refs, "2010CA", False), relationship=rel,
            place_of_service=facility[0], frequency_code=facility[2] if len(facility) > 2 else "",
            diagnoses=dx_codes, diagnosis_qualifiers=dx_quals, lines=lines,
            stated_total=to_decimal(clm.el(2)))
        origin = X12Origin(self.file, clm.el(1), refs, self.lines, self.dx)
        self.lines, self.dx = [], []
        return ParsedClaim(claim, origin)

    def _line(self, n: int, ln: dict[str, Segment], comp: str) -> ServiceLine:
        sv1, dtp, lx = ln.get("SV1"), ln.get("DTP"), ln["LX"]
        # SV1 elements 1..7 padded: the hot path of claim building, so no per-element calls.
        e = (sv1.elements + _PAD)[:7] if sv1 is not None else _PAD
        proc = e[0].split(comp)
        u = e[3]
        if u.isdecimal():
            units = int(u)
        else:
            d = to_decimal(u)
            units = int(d.to_integral_value(ROUND_HALF_UP)) if d is not None else 0
        dos = parse_d8(dtp.el(3)[:8]) if dtp is not None else None
        num = lx.el(1)
        charge = to_decimal(e[1])
        return _make(
            ServiceLine, number=int(num) if num.isdecimal() else n,
            code=proc[1] if len(proc) > 1 else "", modifiers=[m for m in proc[2:6] if m],
            charge=charge if charge is not None else _ZERO, units=units,
            pointers=[int(p) for p in e[6].split(comp) if p.isdecimal()],
            date_of_service=dos or self.fallback_date or _NO_DATE,
            place_of_service=e[4] or None, minutes=None)


_PAD = [""] * 7
_ZERO = Decimal("0")
_NO_DATE = date(1900, 1, 1)  # no DTP*472 and no BHT04 either: the line still gets a date
