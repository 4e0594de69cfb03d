"""The claim records, built from 837P segments (the element reading of claim assembly).

Records are built with their plain constructors, unvalidated: the parser has already reported
what is wrong, as findings (pydantic validates only input at the edges, claimkit.models.edge).
A claim file repeats itself: the billing provider of every claim, the same procedure lines.
:class:`Makers` reads those once and hands out copies (nothing mutable shared).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claimkit.models.claim import (
    OriginalSegment,
    OriginalSegments,
    Party,
    Payer,
    Provider,
    ServiceLine,
)
from claimkit.models.common import Address, Sex
from claimkit.x12.origin import parse_d8, to_decimal
from claimkit.x12.reader import Segment


def _copy_address(a: Address | None) -> Address | None:
    if a is None:
        return None
    return Address(line1=a.line1, line2=a.line2, city=a.city, state=a.state, zip=a.zip)


def _copy_provider(p: Provider) -> Provider:
    """A provider equal to ``p`` that shares nothing mutable (its address is its own)."""
    return Provider(npi=p.npi, last_name=p.last_name, first_name=p.first_name,
                    is_organization=p.is_organization, taxonomy=p.taxonomy, ein=p.ein,
                    address=_copy_address(p.address), phone=p.phone)


_SEX = {s.value: s for s in Sex}
_PAD = [""] * 7
_ZERO = Decimal("0")
_NO_DATE = date(1900, 1, 1)  # no DTP*472 and no BHT04 either: the line still gets a date
TEMPLATES_MAX = 512  # SV1 readings remembered per scan, then forgotten


def _els(seg: Segment, n: int) -> list[str]:
    """Elements 1..n of ``seg`` (element k at index k-1), padded with "" (no per-element calls)."""
    e = seg.elements
    return e if len(e) >= n else e + [""] * (n - len(e))


def _address(n3: Segment | None, n4: Segment | None) -> Address | None:
    if n3 is None and n4 is None:
        return None
    a = _els(n3, 2) if n3 else None
    b = _els(n4, 3) if n4 else None
    return Address(line1=a[0] if a else "", line2=(a[1] or None) if a else None,
                   city=b[0] if b else "", state=b[1] if b else "", zip=b[2] if b else "")


def _keys(loop: str, *sids: str) -> tuple[str, ...]:
    return tuple(f"{loop}.{s}" for s in sids)


_PARTY_KEYS = {loop: _keys(loop, "NM1", "DMG", "N3", "N4") for loop in ("2010BA", "2010CA")}
# NM1, REF*EI, PER, N3, N4 of the provider's loop, then its PRV (in the parent loop for 2010AA)
_PROVIDER_KEYS = {"2010AA": (*_keys("2010AA", "NM1", "REF*EI", "PER", "N3", "N4"), "2000A.PRV"),
                  "2310B": _keys("2310B", "NM1", "REF*EI", "PER", "N3", "N4", "PRV")}


def party(refs: dict[str, Segment], loop: str, member: bool) -> Party | None:
    """The subscriber (``member``) or patient of a claim, from its name loop."""
    k_nm1, k_dmg, k_n3, k_n4 = _PARTY_KEYS[loop]
    nm1 = refs.get(k_nm1)
    if nm1 is None:
        return None
    n = _els(nm1, 9)
    dmg = refs.get(k_dmg)
    d = _els(dmg, 3) if dmg else None
    sbr = refs.get("2000B.SBR") if member else None
    return Party(
        last_name=n[2], first_name=n[3] or None, middle_name=n[4] or None,
        birth_date=parse_d8(d[1]) if d else None, sex=_SEX.get(d[2]) if d else None,
        address=_address(refs.get(k_n3), refs.get(k_n4)),
        member_id=(n[8] or None) if member else None,
        group_number=(sbr.el(3) or None) if sbr is not None else None)


def provider(refs: dict[str, Segment], loop: str) -> Provider | None:
    """The billing (2010AA) or rendering (2310B) provider, None without its NM1."""
    k_nm1, k_ref, k_per, k_n3, k_n4, k_prv = _PROVIDER_KEYS[loop]
    nm1 = refs.get(k_nm1)
    if nm1 is None:
        return None
    n = _els(nm1, 9)
    prv, ref, per = refs.get(k_prv), refs.get(k_ref), refs.get(k_per)
    phone = extension = None
    if per is not None:
        e = _els(per, 8)
        for q in (2, 4, 6):
            if e[q] == "TE" and phone is None:
                phone = e[q + 1]
            elif e[q] == "EX" and phone is not None and extension is None:
                extension = e[q + 1]  # the TE number's extension (PER05/06 EX)
    return Provider(
        npi=n[8], last_name=n[2], first_name=n[3] or None, is_organization=n[1] == "2",
        taxonomy=(prv.el(3) or None) if prv else None, ein=ref.el(2) if ref else None,
        address=_address(refs.get(k_n3), refs.get(k_n4)), phone=phone, phone_extension=extension)


def payer(nm1pr: Segment | None, sbr: Segment | None) -> Payer:
    """The claim's payer from its 2010BB NM1*PR and 2000B SBR (SBR09 filing indicator, CI if blank)."""
    n = _els(nm1pr, 9) if nm1pr else None
    return Payer(key=None, name=n[2] if n else "", payer_id=n[8] if n else "",
                 filing_indicator=(sbr.el(9) if sbr else "") or "CI", unit_rule=None)


class Makers:
    """Builds what repeats across one scan's claims once: the billing provider of a 2000A loop
    (copied for each of its claims) and what a line reads from its SV1 text."""

    def __init__(self) -> None:
        self._procedures: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self._billing: tuple[Any, int, Provider | None] = (None, 0, None)

    def billing(self, refs: dict[str, Segment], bill: dict[str, Segment]) -> Provider | None:
        """The billing provider read from ``bill`` (the segments of the open 2000A loop).

        Those only ever grow (the first of a kind is kept), so the same dict at the same size
        means the same provider.
        """
        src, size, template = self._billing
        if src is not bill or size != len(bill):
            template = provider(refs, "2010AA")
            self._billing = (bill, len(bill), template)
        return _copy_provider(template) if template is not None else None

    def _procedure(self, sv1: Segment | None, comp: str) -> tuple[Any, ...]:
        """What a line reads from its SV1: code, modifiers, description, charge, units,
        pointers, POS."""
        key = (comp,) if sv1 is None else (comp, sv1.raw, sv1.delimiters.element)
        got = self._procedures.get(key)
        if got is None:
            e = _els(sv1, 7) if sv1 is not None else _PAD
            proc = e[0].split(comp)
            u = e[3]
            if u.isdecimal():
                units = int(u)
            else:
                d = to_decimal(u)
                units = int(d.to_integral_value(ROUND_HALF_UP)) if d is not None else 0
            charge = to_decimal(e[1])
            got = (proc[1] if len(proc) > 1 else "", [m for m in proc[2:6] if m],
                   (proc[6] or None) if len(proc) > 6 else None,  # SV101-7 description
                   charge if charge is not None else _ZERO, units,
                   [int(p) for p in e[6].split(comp) if p.isdecimal()], e[4] or None)
            if len(self._procedures) >= TEMPLATES_MAX:  # bounded: memory stays flat
                self._procedures.clear()
            self._procedures[key] = got
        return got

    def line(self, n: int, ln: dict[str, Segment], comp: str, fallback: date | None
             ) -> ServiceLine:
        """Service line ``n`` of a claim from its LX, SV1 and DTP*472."""
        sv1, dtp, lx = ln.get("SV1"), ln.get("DTP"), ln["LX"]
        code, modifiers, description, charge, units, pointers, pos = self._procedure(sv1, comp)
        d = dtp.elements if dtp is not None else None
        dos = parse_d8(d[2][:8] if len(d) > 2 else "") if d is not None else None
        e = lx.elements
        num = e[0] if e else ""
        ndc = qty = unit = None
        lin = ln.get("LIN")
        if lin is not None and lin.el(2) == "N4":  # 2410 LIN03: the national drug code
            ndc = lin.el(3) or None
            ctp = ln.get("CTP")
            if ctp is not None:
                qty = to_decimal(ctp.el(4))
                unit = ctp.el(5).split(comp)[0] or None
        return ServiceLine(
            number=int(num) if num.isdecimal() else n, code=code, modifiers=list(modifiers),
            description=description, charge=charge, units=units, pointers=list(pointers),
            date_of_service=dos or fallback or _NO_DATE, place_of_service=pos, ndc=ndc,
            ndc_quantity=qty, ndc_unit=unit)


def original_segment(loop: str, seg: Segment) -> OriginalSegment:
    """The segment as sent (its text and loop): one per segment read."""
    return OriginalSegment(loop=loop, text=seg.raw)


def originals(separators: str, segments: list[OriginalSegment]) -> OriginalSegments:
    """A claim's segments as sent, with the separators they were sent with."""
    return OriginalSegments(separators=separators, segments=segments)
