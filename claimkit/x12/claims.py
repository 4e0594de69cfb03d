"""Claims out of 837P segments: :class:`ClaimAssembler` keeps the segments of the open billing
provider, subscriber, patient and claim loops and builds the Claim when the 2300 loop closes.

Building the pydantic models is most of what a clean claim costs, so it is done unvalidated
(:func:`_make`) with the values read straight from the segments; where each one came from is
what :class:`~claimkit.x12.origin.X12Origin` answers.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claimkit.models.claim import Claim, Party, Payer, Provider, ServiceLine
from claimkit.models.common import Address, Relationship, Sex
from claimkit.rules.x12_tr3 import DX_QUALIFIERS, LEVEL
from claimkit.x12.origin import ParsedClaim, X12Origin, parse_d8, to_decimal
from claimkit.x12.reader import Segment
from claimkit.x12.spec import RELATIONSHIP_FROM_CODE

_FILL: dict[type, tuple[int, tuple[tuple[str, Any, bool], ...]]] = {}
_new = object.__new__  # pydantic models have no __new__ of their own
_set = object.__setattr__


def _make(cls: Any, **values: Any) -> Any:
    """``cls.model_construct(**values)`` without its per-call overhead.

    The parser has already checked every value against the TR3 (findings, not exceptions), so
    the claims are built unvalidated, as model_construct does; pydantic's model_construct
    inspects default factories on every call, which dominated the scan time. Fields not given
    get their defaults, after the given ones (model_construct's order).
    """
    spec = _FILL.get(cls)
    if spec is None:
        spec = _FILL[cls] = (len(cls.model_fields), tuple(
            (n, f.default_factory if f.default_factory is not None else f.default,
             f.default_factory is not None)
            for n, f in cls.model_fields.items() if not f.is_required()))
    explicit = set(values)
    if len(values) != spec[0]:  # (the builders below name every field but Claim's extras)
        for name, default, factory in spec[1]:
            if name not in values:
                values[name] = default() if factory else default
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", explicit)
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


_SEX = {s.value: s for s in Sex}
_RELATIONSHIP = {code: Relationship(name) for code, name in RELATIONSHIP_FROM_CODE.items()}
_PAD = [""] * 7
_ZERO = Decimal("0")
_NO_DATE = date(1900, 1, 1)  # no DTP*472 and no BHT04 either: the line still gets a date


def _address(n3: Segment | None, n4: Segment | None) -> Address | None:
    if n3 is None and n4 is None:
        return None
    return _make(
        Address, line1=n3.el(1) if n3 else "", line2=(n3.el(2) or None) if n3 else None,
        city=n4.el(1) if n4 else "", state=n4.el(2) if n4 else "", zip=n4.el(3) if n4 else "")


def _keys(loop: str, *sids: str) -> tuple[str, ...]:
    return tuple(f"{loop}.{s}" for s in sids)


_PARTY_KEYS = {loop: _keys(loop, "NM1", "DMG", "N3", "N4") for loop in ("2010BA", "2010CA")}
_PROVIDER_KEYS = {loop: _keys(loop, "NM1", "REF*EI", "PER", "N3", "N4")
                  for loop in ("2010AA", "2310B")}


def _party(refs: dict[str, Segment], loop: str, member: bool) -> Party | None:
    k_nm1, k_dmg, k_n3, k_n4 = _PARTY_KEYS[loop]
    nm1 = refs.get(k_nm1)
    if nm1 is None:
        return None
    dmg = refs.get(k_dmg)
    sbr = refs.get("2000B.SBR") if member else None
    return _make(
        Party, last_name=nm1.el(3), first_name=nm1.el(4) or None, middle_name=nm1.el(5) or None,
        birth_date=parse_d8(dmg.el(2)) if dmg else None,
        sex=_SEX.get(dmg.el(3)) if dmg else None,
        address=_address(refs.get(k_n3), refs.get(k_n4)),
        member_id=(nm1.el(9) or None) if member else None,
        group_number=(sbr.el(3) or None) if sbr is not None else None)


def _provider(refs: dict[str, Segment], loop: str, prv: str) -> Provider | None:
    k_nm1, k_ref, k_per, k_n3, k_n4 = _PROVIDER_KEYS[loop]
    nm1 = refs.get(k_nm1)
    if nm1 is None:
        return None
    p = refs.get(prv)
    ref = refs.get(k_ref)
    per = refs.get(k_per)
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
        address=_address(refs.get(k_n3), refs.get(k_n4)), phone=phone)


# Which segments the assembler keeps, by the loop they were placed in (None: none of them).
_BUCKET = {loop: ("line" if loop[1] == "4" else "claim" if loop[1] == "3"
                  else "bill" if loop[:5] in ("2000A", "2010A")
                  else "pat" if loop[:5] in ("2000C", "2010C")
                  else "sub" if loop[:2] == "20" else None) for loop in LEVEL}


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
        """Keep ``seg`` (placed in ``loop``) when a claim reads it; the first of a kind wins."""
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
        bucket = _BUCKET[loop]
        if bucket is None:
            return
        if bucket == "line":  # 2400 and its sub-loops: only the line's own segments matter here
            if loop == "2400":
                if sid == "LX":
                    self.lines.append({"LX": seg})
                elif self.lines and (sid == "SV1" or (sid == "DTP" and seg.el(1) == "472")):
                    self.lines[-1].setdefault(sid, seg)
            return
        key = f"{loop}.{sid}" if sid != "REF" and sid != "DTP" else f"{loop}.{sid}*{seg.el(1)}"
        if bucket == "claim":
            if sid == "CLM" and loop == "2300":
                self.claim = {key: seg}
                self.lines, self.dx = [], []
            elif self.claim is not None:
                if sid == "HI" and loop == "2300":
                    self._hi(seg)
                self.claim.setdefault(key, seg)
        elif bucket == "bill":
            self.bill.setdefault(key, seg)
        elif bucket == "pat":
            self.pat.setdefault(key, seg)
        else:
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
            parts = seg.elements[pos - 1].split(comp)
            dx_quals.append(parts[0])
            dx_codes.append(parts[1] if len(parts) > 1 else "")
        fallback = self.fallback_date or _NO_DATE
        lines = [self._line(i, ln, comp, fallback) for i, ln in enumerate(self.lines, start=1)]
        sbr = refs.get("2000B.SBR")
        if sbr is not None and sbr.el(2) == "18":
            rel = Relationship.SELF
        else:
            pat = refs.get("2000C.PAT")
            rel = _RELATIONSHIP.get(pat.el(1) if pat is not None else "", Relationship.OTHER)
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

    @staticmethod
    def _line(n: int, ln: dict[str, Segment], comp: str, fallback: date) -> ServiceLine:
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
            date_of_service=dos or fallback, place_of_service=e[4] or None, minutes=None)
