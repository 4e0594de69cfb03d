"""Sessions -> claims: grouping, one line per code per date, units, fees.

Diagnosis lists, pointers and claim splits are in pointers.py.

Pure: the codeset registry and the practice configuration are passed in; nothing reads the
clock or prints. Problems with the *content* of sessions are returned as Diagnostics (rule IDs
CK-U0xx, see claimkit/rules/build_rules.py); unusable input raises InputError/ConfigError.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

from claimkit.codesets import therapy_list
from claimkit.codesets.icd import dotted
from claimkit.config import Practice, ProviderConfig
from claimkit.diagnostics import Diagnostic, Location
from claimkit.errors import ConfigError, InputError
from claimkit.loaders import SessionOrigin
from claimkit.models.claim import Claim, Party, Payer, Provider, ServiceLine
from claimkit.models.session import RenderingProvider, Service, SessionRecord
from claimkit.pointers import claim_diagnoses, line_diagnoses, split_lines
from claimkit.rules.build_rules import finding
from claimkit.units import explicit_units_reason, get_policy

THERAPY_MODIFIERS = ("GP", "GO", "GN")


@dataclass
class ClaimOrigin:
    """Maps a built claim's fields and lines back to the session file rows they came from."""

    claim_id: str
    sessions: list[SessionOrigin]
    line_services: dict[int, tuple[SessionOrigin, int]] = field(default_factory=dict)

    def locate(self, line: int | None, field: str | None) -> Location:
        if line is not None and line in self.line_services:
            origin, idx = self.line_services[line]
            return Location(file=origin.file, row=origin.row_of_service(idx), field=field,
                            claim_id=self.claim_id, line=line)
        first = self.sessions[0]
        return Location(file=first.file, row=first.row, field=field, claim_id=self.claim_id, line=line)


@dataclass
class BuildResult:
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

    Sessions of the same patient, date, payer and rendering provider become one claim, so the
    day's timed minutes are pooled as the CMS rule requires (Pub. 100-04 ch. 5 sec. 20.2).
    """
    groups: dict[tuple, list[tuple[SessionRecord, SessionOrigin]]] = defaultdict(list)
    for rec, origin in sessions:
        provider_key = rec.rendering_provider if isinstance(rec.rendering_provider, str) else rec.rendering_provider.npi
        groups[(rec.patient.id, rec.date_of_service, rec.payer, provider_key)].append((rec, origin))
    result = BuildResult([], [], [])
    for members in groups.values():
        _build_group(members, practice, registry, result)
    return result


def _build_group(members: list[tuple[SessionRecord, SessionOrigin]], practice: Practice,
                 registry: Any, out: BuildResult) -> None:
    first, first_origin = members[0]
    first_finding = len(out.diagnostics)
    dos = first.date_of_service
    payer_cfg = _payer(practice, first, first_origin)
    rendering, modifier_default = _rendering(practice, first, first_origin)
    diagnoses: list[str] = []
    for rec, _ in members:
        diagnoses.extend(d for d in rec.diagnoses if d not in diagnoses)
    items = [_Item(s, i, rec, o) for rec, o in members for i, s in enumerate(rec.services)]

    by_code: dict[str, list[_Item]] = {}
    for item in items:
        by_code.setdefault(item.service.code, []).append(item)
    units, diags, timed = _units(by_code, dos, payer_cfg.unit_rule, registry)
    out.diagnostics.extend(diags)

    lines: list[tuple[ServiceLine, list[str], _Item]] = []
    for code, its in by_code.items():
        n = units.get(code, 0)
        if n <= 0:
            continue
        dx = line_diagnoses(its, out.diagnostics)
        mods = _modifiers(its, code, dos, registry, modifier_default)
        minutes = sum(i.service.minutes or 0 for i in its) if any(i.service.minutes is not None for i in its) else None
        overrides = [i.service.charge for i in its if i.service.charge is not None]
        if overrides:
            charge = sum(overrides, Decimal(0))
        else:
            fee = payer_cfg.fees.get(code)
            if fee is None:
                raise ConfigError(f"payer {first.payer!r} has no fee for {code} "
                                  f"(add it to [payers.{first.payer}.fees])")
            charge = fee * n
        line = ServiceLine(number=1, code=code, modifiers=mods, charge=_money(charge), units=n,
                           pointers=[], date_of_service=dos, minutes=minutes)
        lines.append((line, dx, its[0]))

    principal = diagnoses[0]
    chunks = split_lines(lines, principal, diagnoses)
    base_id = first.session_id
    for k, chunk in enumerate(chunks, start=1):
        claim_id = base_id if len(chunks) == 1 else f"{base_id}-{k}"
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
        origin = ClaimOrigin(claim_id, [o for _, o in members])
        claim_lines = []
        for number, (line, dx, item) in enumerate(chunk, start=1):
            pointers = [claim_dx.index(d) + 1 for d in dx]
            claim_lines.append(line.model_copy(update={"number": number, "pointers": pointers}))
            origin.line_services[number] = (item.origin, item.index)
        claim = Claim(
            claim_id=claim_id,
            session_ids=[r.session_id for r, _ in members],
            payer=Payer(key=first.payer, name=payer_cfg.name, payer_id=payer_cfg.payer_id,
                        filing_indicator=payer_cfg.filing_indicator, unit_rule=payer_cfg.unit_rule),
            billing_provider=_billing(practice),
            rendering_provider=rendering,
            subscriber=_subscriber(first),
            patient=_patient(first),
            relationship=first.patient.relationship,
            place_of_service=first.place_of_service or practice.defaults.place_of_service,
            frequency_code=practice.defaults.frequency_code,
            diagnoses=claim_dx,
            lines=claim_lines,
            codeset_releases=_releases(registry, dos),
            split=f"{k}/{len(chunks)}" if len(chunks) > 1 else None,
            documented_minutes=timed or None,
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
        cid = base_id if len(chunks) == 1 else f"{base_id}-1"
        for i in range(first_finding, len(out.diagnostics)):
            d = out.diagnostics[i]
            if d.location.claim_id is None:
                out.diagnostics[i] = d.with_location(claim_id=cid)
    else:
        out.diagnostics.append(finding(
            "CK-U005", Location(file=first_origin.file, row=first_origin.row),
            f"session {base_id}: no service has a billable unit; no claim built",
            values={"session_id": base_id}))


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
    mod = default if cfg.therapy_modifier is None else (None if cfg.therapy_modifier == "none" else cfg.therapy_modifier)
    return Provider(npi=cfg.npi, last_name=cfg.last_name, first_name=cfg.first_name,
                    taxonomy=cfg.taxonomy), mod


def _billing(practice: Practice) -> Provider:
    bp = practice.billing_provider
    return Provider(npi=bp.npi, last_name=bp.name, is_organization=True, taxonomy=bp.taxonomy,
                    ein=bp.ein, address=bp.address, phone=bp.phone)


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


def _units(by_code: dict[str, list[_Item]], dos: date, rule: str, registry: Any):
    """Units per code: timed codes by the payer's rule; untimed 1 a day; explicit units kept."""
    units: dict[str, int] = {}
    timed: dict[str, int] = {}
    diags: list[Diagnostic] = []
    for code, its in by_code.items():
        explicit = [i.service.units for i in its if i.service.units is not None]
        if explicit and len(explicit) == len(its):
            units[code] = sum(explicit)  # the clinician's count; the validator audits it
            continue
        model = registry.time_model(code, dos)
        item = its[0]
        loc = Location(file=item.origin.file, row=item.origin.row_of_service(item.index),
                       field=f"services[{item.index}].code")
        if model == "per15":
            timed[code] = sum(i.service.minutes or 0 for i in its)
        elif model == "untimed":
            units[code] = 1  # service-based codes bill once per day whatever the time
        elif model in ("initial", "addon", "unlisted"):
            diags.append(finding("CK-U002", loc, explicit_units_reason(code, model),
                values={"code": code, "time_model": model}))
        else:
            diags.append(finding("CK-U002", loc,
                f"{code} is not a known procedure code on {dos.isoformat()}: cannot derive units from minutes",
                values={"code": code}))
    if timed:
        alloc = get_policy(rule).allocate(timed)
        for ln in alloc.lines:
            units[ln.code] = ln.units
            if ln.units == 0:
                item = by_code[ln.code][0]
                diags.append(finding("CK-U001", Location(
                    file=item.origin.file, row=item.origin.row_of_service(item.index),
                    field=f"services[{item.index}].minutes"),
                    f"{ln.code}: {ln.minutes} documented minutes earn no unit under the {rule} rule "
                    f"(day total {alloc.total_minutes} min = {alloc.total_units} units); no line billed",
                    values={"code": ln.code, "minutes": ln.minutes, "rule": rule}))
        if alloc.alternatives:
            item = next(iter(by_code.values()))[0]
            diags.append(finding("CK-U004", Location(file=item.origin.file, row=item.origin.row),
                f"tie under the CMS rule: units went to {_fmt(alloc.lines)}; also allowed: "
                + " | ".join(_fmt(a) for a in alloc.alternatives),
                values={"alternatives": len(alloc.alternatives)}))
    return units, diags, timed


def _fmt(lines: Sequence[Any]) -> str:
    return ", ".join(f"{ln.code}x{ln.units}" for ln in lines if ln.units)


def _modifiers(its: list[_Item], code: str, dos: date, registry: Any, default: str | None) -> list[str]:
    mods: list[str] = []
    for item in its:
        mods.extend(m for m in item.service.modifiers if m not in mods)
    if default and not any(m in THERAPY_MODIFIERS for m in mods) and _therapy(registry, code, dos):
        mods.insert(0, default)  # TR3 SV1-01-3: the plan-of-care modifier first
    return mods[:4]


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
