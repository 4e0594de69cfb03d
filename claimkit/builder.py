"""Sessions -> claims: grouping, one line per code per date, units, fees.

Diagnosis lists, pointers and claim splits are in pointers.py.

Pure: the codeset registry and the practice configuration are passed in; nothing reads the
clock or prints. Problems with the *content* of sessions are returned as Diagnostics (rule IDs
CK-U0xx, see claimkit/rules/build_rules.py); unusable input raises InputError/ConfigError.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

from claimkit.claimdata import claim_details, eob_findings, line_adjudications, session_findings
from claimkit.codesets import therapy_list
from claimkit.codesets.icd import dotted
from claimkit.config import Practice, ProviderConfig
from claimkit.diagnostics import Diagnostic, Location
from claimkit.duplicates import find_repeats
from claimkit.errors import ConfigError, InputError
from claimkit.loaders import SessionOrigin, locate
from claimkit.models import edge
from claimkit.models.claim import Claim, Party, Payer, Provider, ServiceLine
from claimkit.models.session import RenderingProvider, Service, SessionRecord
from claimkit.modifiers import MAX_MODIFIERS, too_many
from claimkit.pointers import claim_diagnoses, line_diagnoses, split_lines
from claimkit.pooling import GroupUnits, pool_units
from claimkit.rules.build_rules import finding

THERAPY_MODIFIERS = ("GP", "GO", "GN")


@dataclass
class ClaimOrigin:
    """Maps a built claim's fields and lines back to the session file rows they came from."""

    claim_id: str
    sessions: list[SessionOrigin]
    line_services: dict[int, tuple[SessionOrigin, int]] = field(default_factory=dict)

    @property
    def file(self) -> str | None:
        """The session file of the claim's first session (without locating anything in it)."""
        return self.sessions[0].file

    def locate(self, line: int | None, field: str | None) -> Location:
        """Where line ``line``'s ``field`` (or the claim's) came from in the session files."""
        # The line (and column) of the field itself when the session file has it (JSON/YAML).
        if line is not None and line in self.line_services:
            origin, idx = self.line_services[line]
            return replace(locate(origin, idx, field), claim_id=self.claim_id, line=line)
        return replace(locate(self.sessions[0], None, field), claim_id=self.claim_id, line=line)


@dataclass
class BuildResult:
    """Built claims, where each came from, and the builder's findings."""

    claims: list[Claim]
    origins: list[ClaimOrigin]
    diagnostics: list[Diagnostic]


@dataclass
class _Item:
    """One service of one session, before lines are merged."""

    service: Service
    index: int
    session: SessionRecord
    origin: SessionOrigin


def build_claims(sessions: Iterable[tuple[SessionRecord, SessionOrigin]], practice: Practice,
                 registry: Any) -> BuildResult:
    """Build claims from session records.

    Sessions of the same patient, date, payer, billing provider, rendering provider and place of
    service become one claim (office 11 and telehealth 02/10 on one day are two claims: CLM05-1
    is the claim's place of service). Under the CMS rule the day's timed minutes are pooled per
    patient, date, payer and billing provider across clinicians and places of service (Pub.
    100-04 ch. 5 sec. 20.2); how the pooled units are shared among the claims is described in
    :mod:`claimkit.pooling`. Repeated sessions and service rows are counted once and reported
    (:mod:`claimkit.duplicates`). Claim IDs (CLM01) are the first session's ID when it has at
    most 20 characters and is not taken, else a stable short ID (:func:`claim_id_for`).
    """
    repeats = find_repeats(list(sessions))
    groups: dict[tuple, list[tuple[SessionRecord, SessionOrigin, int]]] = defaultdict(list)
    pools: dict[tuple, list[tuple]] = defaultdict(list)
    for (rec, origin), pos in zip(repeats.kept, repeats.kept_from):
        pool, key = claim_keys(practice, rec, origin)
        if key not in groups:
            pools[pool].append(key)
        groups[key].append((rec, origin, pos))
    result = BuildResult([], [], [])
    claim_of: dict[int, str] = {}  # input position of a session -> the (first) claim it went to
    taken: set[str] = set()
    for keys in pools.values():
        claim_of.update(build_pool([(k, groups[k]) for k in keys], practice, registry, result,
                                   taken, repeats.skip))
    for pos, d in repeats.findings:
        cid = claim_of.get(pos)
        result.diagnostics.append(d.with_location(claim_id=cid) if cid else d)
    return result


def claim_keys(practice: Practice, rec: SessionRecord, origin: SessionOrigin) -> tuple[tuple, tuple]:
    """(pool key, claim group key) of a session: the group is patient, date, payer, billing
    provider, rendering provider and place of service; the pool is the patient-day under the
    CMS rule (Pub. 100-04 ch. 5 sec. 20.2), else the group itself."""
    rp = rec.rendering_provider
    provider_key = rp if isinstance(rp, str) else rp.npi
    place = rec.place_of_service or practice.defaults.place_of_service
    day = (rec.patient.id, rec.date_of_service, rec.payer, practice.billing_provider.npi)
    key = (*day, provider_key, place)
    return (day if _unit_rule(practice, rec, origin) == "cms" else key), key


def build_pool(groups: Sequence[tuple[tuple, list[tuple[SessionRecord, SessionOrigin, int]]]],
               practice: Practice, registry: Any, result: BuildResult, taken: Any,
               skip: dict[int, set[int]]) -> dict[int, str]:
    """Build the claims of one pool (its groups in input order) into ``result``.

    ``taken`` holds the claim IDs already used (anything with ``in`` and ``add``: the streaming
    build keeps them on disk); ``skip`` the repeated service rows per input position. Returns
    input position -> the (first) claim the session went to.
    """
    claim_of: dict[int, str] = {}
    keys = [k for k, _ in groups]
    members = [m for _, m in groups]
    items = [_items(m, skip) for m in members]
    first, first_origin, _ = members[0][0]
    rule = _unit_rule(practice, first, first_origin)
    per_group, pooled = pool_units(items, first.date_of_service, rule, registry)
    for key, m, its, gu in zip(keys, members, items, per_group):
        cid = _build_group(key, m, its, gu, pooled, practice, registry, result, taken)
        if cid is not None:
            for _, _, pos in m:
                claim_of[pos] = cid
    return claim_of


def claim_id_for(key: tuple, session_ids: Sequence[str], part: int | None, taken: Any) -> str:
    """CLM01 for a claim: the first session's ID (plus ``-k`` for part k of a split) when that
    has at most 20 characters and no other claim of the run has it; else ``CK`` + 14 hex digits
    of a SHA-256 over the claim's grouping key and session IDs (the same input gives the same
    ID). Only 20 characters of CLM01 come back on the 835 remittance (TR3 2300 CLM01 max 20 is
    what payers keep); the full session IDs stay on the claim (``session_ids``)."""
    plain = session_ids[0] + (f"-{part}" if part else "")
    if len(plain) <= 20 and plain not in taken:
        return plain
    seed = "\x1f".join([*(str(k) for k in key), *session_ids])
    n = 0
    while True:
        digest = hashlib.sha256(f"{seed}\x1e{n}".encode()).hexdigest()[:14].upper()
        cid = f"CK{digest}" + (f"-{part}" if part else "")
        if cid not in taken:
            return cid
        n += 1


def _unit_rule(practice: Practice, rec: SessionRecord, origin: SessionOrigin) -> str:
    return _payer(practice, rec, origin).unit_rule


def _items(members: list[tuple[SessionRecord, SessionOrigin, int]], skip: dict[int, set[int]]
           ) -> dict[str, list[_Item]]:
    by_code: dict[str, list[_Item]] = {}
    for rec, o, pos in members:
        for i, s in enumerate(rec.services):
            if i not in skip.get(pos, ()):
                by_code.setdefault(s.code, []).append(_Item(s, i, rec, o))
    return by_code


def _build_group(key: tuple, members: list[tuple[SessionRecord, SessionOrigin, int]],
                 by_code: dict[str, list[_Item]], gu: GroupUnits, timed: dict[str, int],
                 practice: Practice, registry: Any, out: BuildResult, taken: Any) -> str | None:
    """Build the claim(s) of one group; returns the (first) claim ID, or None if none is built."""
    first, first_origin, _ = members[0]
    first_finding = len(out.diagnostics)
    dos = first.date_of_service
    payer_cfg = _payer(practice, first, first_origin)
    rendering, modifier_default = _rendering(practice, first, first_origin)
    diagnoses: list[str] = []
    for rec, _, _ in members:
        diagnoses.extend(d for d in rec.diagnoses if d not in diagnoses)
    units = gu.units
    out.diagnostics.extend(gu.diagnostics)
    default_freq = practice.defaults.frequency_code
    for rec, o, _ in members:
        out.diagnostics.extend(session_findings(rec, o, payer_cfg, default_freq))
    details = claim_details(first, first_origin, practice)

    lines: list[tuple[ServiceLine, list[str], _Item]] = []
    for code, its in by_code.items():
        n = units.get(code, 0)
        if n <= 0:
            continue
        dx = line_diagnoses(its, out.diagnostics)
        mods = _modifiers(its, code, dos, registry, modifier_default)
        over = too_many(code, mods, its, modifier_default)
        if over is not None:  # CK-U012: reported, not dropped silently (claimkit/modifiers.py)
            out.diagnostics.append(over)
            mods = mods[:MAX_MODIFIERS]
        minutes = sum(i.service.minutes or 0 for i in its) if any(i.service.minutes is not None for i in its) else None
        overrides = [i.service.charge for i in its if i.service.charge is not None]
        if overrides:
            charge = sum(overrides, Decimal(0))
        else:
            fee = payer_cfg.fees.get(code)
            if fee is None:  # a finding, not a stop: the claim's other findings still show
                item = its[0]
                out.diagnostics.append(finding(
                    "CK-U011", Location(file=item.origin.file, row=item.origin.row_of_service(item.index),
                                        field=f"services[{item.index + 1}].code"),
                    f"payer {first.payer!r} has no fee for {code}: the line is priced 0.00 and "
                    "the claim is not written", fix=f"add {code} to [payers.{first.payer}.fees], "
                    "give the service's charge, or correct the code",
                    values={"payer": first.payer, "code": code}))
                fee = Decimal(0)
            charge = fee * n
        line = ServiceLine(number=1, code=code, modifiers=mods, charge=_money(charge), units=n,
                           pointers=[], date_of_service=dos, minutes=minutes)
        lines.append((line, dx, its[0]))

    principal = diagnoses[0]
    chunks = split_lines(lines, principal, diagnoses)
    base_id = first.session_id
    session_ids = [r.session_id for r, _, _ in members]
    ids: list[str] = []
    for k, chunk in enumerate(chunks, start=1):
        claim_id = claim_id_for(key, session_ids, k if len(chunks) > 1 else None, taken)
        taken.add(claim_id)
        ids.append(claim_id)
        used = {d for _, dx, _ in chunk for d in dx}
        claim_dx = claim_diagnoses(diagnoses, principal, used)
        left_off = [d for d in diagnoses if d not in claim_dx and d not in
                    {x for c in chunks for _, dx, _ in c for x in dx}]
        if left_off and k == 1:
            out.diagnostics.append(finding(
                "CK-U007", Location(file=first_origin.file, row=first_origin.row, claim_id=claim_id,
                                    field="diagnoses"),
                f"session {base_id} documents {len(diagnoses)} diagnoses; a claim carries 12, so "
                f"{', '.join(map(dotted, left_off))} (pointed to by no service) are left off",
                values={"session_id": base_id, "left_off": left_off}))
        origin = ClaimOrigin(claim_id, [o for _, o, _ in members])
        claim_lines = []
        controls: set[str] = set()
        for number, (line, dx, item) in enumerate(chunk, start=1):
            pointers = [claim_dx.index(d) + 1 for d in dx]
            control = _control_number(item, controls)
            controls.add(control)
            line = edge.replace(line, number=number, pointers=pointers, control_number=control)
            adj = line_adjudications(first, details["other_payers"], line)
            claim_lines.append(edge.replace(line, adjudications=adj) if adj else line)
            origin.line_services[number] = (item.origin, item.index)
        out.diagnostics.extend(eob_findings(first, first_origin, claim_id,
                                            details["other_payers"], claim_lines))
        claim = Claim(
            claim_id=claim_id,
            session_ids=session_ids,
            payer=Payer(key=first.payer, name=payer_cfg.name, payer_id=payer_cfg.payer_id,
                        filing_indicator=payer_cfg.filing_indicator, unit_rule=payer_cfg.unit_rule),
            billing_provider=_billing(practice),
            rendering_provider=rendering,
            subscriber=_subscriber(first),
            patient=_patient(first),
            relationship=first.patient.relationship,
            place_of_service=key[-1],
            frequency_code=first.frequency or practice.defaults.frequency_code,
            diagnoses=claim_dx,
            lines=claim_lines,
            codeset_releases=_releases(registry, dos),
            split=f"{k}/{len(chunks)}" if len(chunks) > 1 else None,
            documented_minutes=timed or None,
            **details,
        )
        out.claims.append(claim)
        out.origins.append(origin)
        if len(chunks) > 1:
            out.diagnostics.append(finding(
                "CK-U003", origin.locate(None, None),
                f"session {base_id} needs {len(lines)} lines and {len(diagnoses)} diagnoses: "
                f"split into {len(chunks)} claims; this is {claim_id} ({k}/{len(chunks)})",
                values={"session_id": base_id, "claims": len(chunks)}))
    if chunks:  # the builder's findings about this session belong to its (first) claim
        cid = ids[0]
        for i in range(first_finding, len(out.diagnostics)):
            d = out.diagnostics[i]
            if d.location.claim_id is None:
                out.diagnostics[i] = d.with_location(claim_id=cid)
    else:
        out.diagnostics.append(finding(
            "CK-U005", Location(file=first_origin.file, row=first_origin.row),
            f"session {base_id}: no service has a billable unit; no claim built",
            values={"session_id": base_id}))
    return ids[0] if ids else None


def _control_number(item: _Item, taken: set[str]) -> str:
    """2400 REF*6R line item control number: the service's ``line_id``, else SESSION-N (the
    service's 1-based position in its session); unique within the claim, because the 835
    returns it (REF*6R) to post each line's payment to the right service."""
    own = item.service.line_id
    if own and own not in taken:
        return own
    plain = f"{item.session.session_id}-{item.index + 1}"
    n = 1
    cid = plain
    while cid in taken:
        n += 1
        cid = f"{plain}.{n}"
    return cid


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _payer(practice: Practice, rec: SessionRecord, origin: SessionOrigin):
    try:
        return practice.payer(rec.payer)
    except ConfigError as exc:
        raise InputError(f"payer: {exc.detail}", file=origin.file, where=f"{origin.kind} {origin.row}") from None


def _rendering(practice: Practice, rec: SessionRecord, origin: SessionOrigin) -> tuple[Provider, str | None]:
    rp = rec.rendering_provider
    default = practice.defaults.therapy_modifier
    if isinstance(rp, RenderingProvider):
        return Provider(npi=rp.npi, last_name=rp.last_name, first_name=rp.first_name,
                        taxonomy=rp.taxonomy), default
    cfg: ProviderConfig | None = practice.providers.get(rp)
    if cfg is None:
        raise InputError(f"rendering_provider: unknown provider {rp!r}; configured: "
                         f"{', '.join(sorted(practice.providers)) or 'none'}",
                         file=origin.file, where=f"{origin.kind} {origin.row}")
    own = cfg.therapy_modifier
    mod = default if own is None else (None if own == "none" else own)
    return Provider(npi=cfg.npi, last_name=cfg.last_name, first_name=cfg.first_name,
                    taxonomy=cfg.taxonomy), mod


def _billing(practice: Practice) -> Provider:
    bp = practice.billing_provider
    return Provider(npi=bp.npi, last_name=bp.name, is_organization=True, taxonomy=bp.taxonomy,
                    ein=bp.ein, address=bp.address, phone=bp.phone,
                    phone_extension=bp.phone_extension)


def _person(p: Any, member_id: str | None = None, group: str | None = None) -> Party:
    return Party(last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name,
                 birth_date=p.birth_date, sex=p.sex, address=p.address, member_id=member_id,
                 group_number=group)


def _subscriber(rec: SessionRecord) -> Party:
    if rec.subscriber is None:
        return _person(rec.patient, rec.patient.member_id, rec.patient.group_number)
    s = rec.subscriber
    return _person(s, s.member_id, s.group_number)


def _patient(rec: SessionRecord) -> Party | None:
    return None if rec.subscriber is None else _person(rec.patient)


def _modifiers(its: list[_Item], code: str, dos: date, registry: Any, default: str | None) -> list[str]:
    mods: list[str] = []
    for item in its:
        mods.extend(m for m in item.service.modifiers if m not in mods)
    if default and not any(m in THERAPY_MODIFIERS for m in mods) and _therapy(registry, code, dos):
        mods.insert(0, default)  # TR3 SV1-01-3: the plan-of-care modifier first
    return mods


def _therapy(registry: Any, code: str, dos: date) -> bool:
    """A code on the CMS therapy list, always or sometimes: furnished by a provider under a plan of
    care (one with a therapy modifier), it needs GP/GO/GN (Pub. 100-04 ch. 5 sec. 20; codeset data)."""
    return therapy_list(registry.lookup("procedure", code, dos)) in ("always", "sometimes")


def _releases(registry: Any, dos: date) -> dict[str, str]:
    """The codeset releases that cover the date of service (recorded on the claim)."""
    out: dict[str, str] = {}
    for system in ("icd10cm", "procedure", "ncci-ptp", "mue"):
        for rel in registry.releases(system):
            if rel.covers(dos):
                out[system] = rel.name
    return out
