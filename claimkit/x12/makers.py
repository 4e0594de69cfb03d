"""The claim's models, built from 837P segments (the element reading of claim assembly).

Building pydantic models is most of what a clean claim costs, so they are built unvalidated
(:func:`_make`; the parser has already reported what is wrong, as findings). A claim file
repeats itself: the billing provider of every claim, a few rendering providers and payers,
the same procedure lines. :class:`Makers` remembers what it built from a segment text and hands
out copies (:func:`_copy`, nothing mutable shared) instead of reading the elements again.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claimkit.models.claim import Party, Payer, Provider, ServiceLine
from claimkit.models.common import Address, Sex
from claimkit.x12.origin import parse_d8, to_decimal
from claimkit.x12.reader import Segment

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
    if len(values) != spec[0]:  # (the builders here name every field; Claim has extras)
        for name, default, factory in spec[1]:
            if name not in values:
                values[name] = default() if factory else default
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", explicit)
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m


# Fields that hold a nested model or a list: a copy gets its own (consumers may change them).
_NESTED = {Provider: ("address",), Party: ("address",)}
_LISTS = {ServiceLine: ("modifiers", "pointers")}


def _copy(m: Any) -> Any:
    """A model equal to ``m`` (same field order and fields_set) that shares nothing mutable."""
    cls = type(m)
    values = dict(m.__dict__)
    for name in _NESTED.get(cls, ()):
        if values[name] is not None:
            values[name] = _copy(values[name])
    for name in _LISTS.get(cls, ()):
        values[name] = list(values[name])
    c = _new(cls)
    _set(c, "__dict__", values)
    _set(c, "__pydantic_fields_set__", set(m.__pydantic_fields_set__))
    _set(c, "__pydantic_extra__", None)
    _set(c, "__pydantic_private__", None)
    return c


_SEX = {s.value: s for s in Sex}
_PAD = [""] * 7
_ZERO = Decimal("0")
_NO_DATE = date(1900, 1, 1)  # no DTP*472 and no BHT04 either: the line still gets a date
TEMPLATES_MAX = 512  # models remembered per scan by the text they came from, then forgotten


def _address(n3: Segment | None, n4: Segment | None) -> Address | None:
    if n3 is None and n4 is None:
        return None
    return _make(
        Address, line1=n3.el(1) if n3 else "", line2=(n3.el(2) or None) if n3 else None,
        city=n4.el(1) if n4 else "", state=n4.el(2) if n4 else "", zip=n4.el(3) if n4 else "")


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
    dmg = refs.get(k_dmg)
    sbr = refs.get("2000B.SBR") if member else None
    return _make(
        Party, last_name=nm1.el(3), first_name=nm1.el(4) or None, middle_name=nm1.el(5) or None,
        birth_date=parse_d8(dmg.el(2)) if dmg else None,
        sex=_SEX.get(dmg.el(3)) if dmg else None,
        address=_address(refs.get(k_n3), refs.get(k_n4)),
        member_id=(nm1.el(9) or None) if member else None,
        group_number=(sbr.el(3) or None) if sbr is not None else None)


def _provider(nm1: Segment, ref: Segment | None, per: Segment | None, n3: Segment | None,
              n4: Segment | None, prv: Segment | None) -> Provider:
    phone = None
    if per is not None:
        for q in (3, 5, 7):
            if per.el(q) == "TE":
                phone = per.el(q + 1)
                break
    return _make(
        Provider, npi=nm1.el(9), last_name=nm1.el(3), first_name=nm1.el(4) or None,
        is_organization=nm1.el(2) == "2", taxonomy=(prv.el(3) or None) if prv else None,
        ein=ref.el(2) if ref else None, address=_address(n3, n4), phone=phone)


class Makers:
    """Builds the sub-models of one scan's claims, copying those built from the same text."""

    def __init__(self) -> None:
        self._templates: dict[tuple[Any, ...], Any] = {}

    def _remember(self, key: tuple[Any, ...], model: Any) -> None:
        if len(self._templates) >= TEMPLATES_MAX:  # bounded: memory stays flat
            self._templates.clear()
        self._templates[key] = model

    def provider(self, refs: dict[str, Segment], loop: str) -> Provider | None:
        """The billing (2010AA) or rendering (2310B) provider, None without its NM1."""
        segs = [refs.get(k) for k in _PROVIDER_KEYS[loop]]
        nm1 = segs[0]
        if nm1 is None:
            return None
        # (one transaction set, one set of delimiters: the text says what the elements are)
        key = (loop, nm1.delimiters.element, *[None if s is None else s.raw for s in segs])
        template = self._templates.get(key)
        if template is None:
            template = _provider(*segs)
            self._remember(key, template)
        return _copy(template)

    def payer(self, nm1pr: Segment | None, sbr: Segment | None) -> Payer:
        filing = (sbr.el(9) if sbr else "") or "CI"
        key = ("payer", filing, None) if nm1pr is None else (
            "payer", filing, nm1pr.raw, nm1pr.delimiters.element)
        template = self._templates.get(key)
        if template is None:
            template = _make(Payer, key=None, name=nm1pr.el(3) if nm1pr else "",
                             payer_id=nm1pr.el(9) if nm1pr else "", filing_indicator=filing,
                             unit_rule=None)
            self._remember(key, template)
        return _copy(template)

    def _procedure(self, sv1: Segment | None, comp: str) -> tuple[Any, ...]:
        """What a line reads from its SV1: code, modifiers, charge, units, pointers, POS."""
        key = ("SV1", comp) if sv1 is None else ("SV1", comp, sv1.raw, sv1.delimiters.element)
        got = self._templates.get(key)
        if got is None:
            # SV1 elements 1..7 padded: no per-element calls.
            e = (sv1.elements + _PAD)[:7] if sv1 is not None else _PAD
            proc = e[0].split(comp)
            u = e[3]
            if u.isdecimal():
                units = int(u)
            else:
                d = to_decimal(u)
                units = int(d.to_integral_value(ROUND_HALF_UP)) if d is not None else 0
            charge = to_decimal(e[1])
            got = (proc[1] if len(proc) > 1 else "", [m for m in proc[2:6] if m],
                   charge if charge is not None else _ZERO, units,
                   [int(p) for p in e[6].split(comp) if p.isdecimal()], e[4] or None)
            self._remember(key, got)
        return got

    def line(self, n: int, ln: dict[str, Segment], comp: str, fallback: date | None
             ) -> ServiceLine:
        """Service line ``n`` of a claim from its LX, SV1 and DTP*472."""
        sv1, dtp, lx = ln.get("SV1"), ln.get("DTP"), ln["LX"]
        code, modifiers, charge, units, pointers, pos = self._procedure(sv1, comp)
        dos = parse_d8(dtp.el(3)[:8]) if dtp is not None else None
        num = lx.el(1)
        return _make(
            ServiceLine, number=int(num) if num.isdecimal() else n, code=code,
            modifiers=list(modifiers), charge=charge, units=units, pointers=list(pointers),
            date_of_service=dos or fallback or _NO_DATE, place_of_service=pos, minutes=None)
