"""Repeated sessions and service rows in the build's input (rules CK-U008, CK-U009, CK-U010).

A session ID is the claim's patient control number, so it must name one session across every
file of a run. The builder counts an exact repeat once (a session given twice, a service row
given twice) and reports every repeat as an error finding that names both places.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from claimkit.diagnostics import Diagnostic, Location
from claimkit.loaders import SessionOrigin
from claimkit.models.session import SessionRecord
from claimkit.rules.build_rules import finding


@dataclass
class Repeats:
    """What the builder keeps and what it reports."""

    kept: list[tuple[SessionRecord, SessionOrigin]] = field(default_factory=list)
    kept_from: list[int] = field(default_factory=list)  # input position of each kept session
    skip: dict[int, set[int]] = field(default_factory=dict)  # input position -> service indexes
    # (input position of the session whose claim the finding belongs to, finding)
    findings: list[tuple[int, Diagnostic]] = field(default_factory=list)


def place(origin: SessionOrigin, service: int | None = None) -> str:
    """'a.csv line 3', 'b.jsonl line 2', 's.yaml line 40, services[2]': the file line where the
    session (or service) starts; positions count from 1, as in every message."""
    if service is not None and origin.service_rows:
        return f"{origin.file} line {origin.row_of_service(service)}"
    where = f"{origin.file} line {origin.row}"
    return where if service is None else f"{where}, services[{service + 1}]"


def _differing(a: SessionRecord, b: SessionRecord) -> list[str]:
    """Names (never values: they may be a person's data) of the top-level fields that differ."""
    da, db = a.model_dump(exclude={"session_id"}), b.model_dump(exclude={"session_id"})
    return [k for k in da if da[k] != db[k]]


def find_repeats(sessions: Sequence[tuple[SessionRecord, SessionOrigin]]) -> Repeats:
    """The exact repeats to count once and the repeat findings of sessions held in memory."""
    out = Repeats()
    dropped, found = id_repeats([(pos, rec, origin) for pos, (rec, origin) in enumerate(sessions)])
    for pos, (rec, origin) in enumerate(sessions):
        if pos in dropped:
            continue
        out.kept.append((rec, origin))
        out.kept_from.append(pos)
    services: list[tuple[int, int, int, Diagnostic]] = []
    for pos, rec, origin in ((p, r, o) for p, (r, o) in enumerate(sessions) if p not in dropped):
        skip, svc = service_repeats(pos, rec, origin)
        if skip:
            out.skip[pos] = skip
        services.extend((pos, 1, at, d) for at, d in svc)
    for _, _, at, d in sorted([*((s, 0, at, d) for s, at, d in found), *services],
                              key=lambda t: (t[0], t[1])):
        out.findings.append((at, d))
    return out


def id_repeats(rows: Sequence[tuple[int, SessionRecord, SessionOrigin]]
               ) -> tuple[set[int], list[tuple[int, int, Diagnostic]]]:
    """Repeats among sessions given with their input positions, in input order (the build's
    on-disk index passes the sessions of one session ID at a time: a repeat always shares its
    session ID, whatever patient-day it names).

    Returns the positions to drop (exact repeats, CK-U008) and the findings as (input position
    of the session that showed the repeat, position of the session whose claim the finding
    belongs to, finding), in the order they were found.
    """
    dropped: set[int] = set()
    found: list[tuple[int, int, Diagnostic]] = []
    first_of: dict[str, list[tuple[int, SessionRecord, SessionOrigin]]] = {}
    for pos, rec, origin in rows:
        variants = first_of.setdefault(rec.session_id, [])
        same = next((v for v in variants if v[1] == rec), None)
        if same is not None:
            o = same[2]
            dropped.add(pos)
            found.append((pos, same[0], finding(
                "CK-U008", Location(file=origin.file, row=origin.row),
                f"session {rec.session_id} at {place(origin)} repeats {place(o)} exactly"
                + (" (the file is given twice)" if place(o) == place(origin) else "")
                + "; counted once", values={"session_id": rec.session_id, "first": place(o)})))
            continue
        for v_pos, v_rec, o in variants[:1]:  # a different session under a used ID: name both places, twice
            fields = ", ".join(_differing(v_rec, rec)) or "services"
            for at, other, where in ((pos, o, origin), (v_pos, origin, o)):
                here, there = (place(where), place(other))
                found.append((pos, at, finding(
                    "CK-U009", Location(file=where.file, row=where.row, field="session_id"),
                    f"session ID {rec.session_id} names two different sessions, at {here} and "
                    f"{there} ({fields} differ); a claim ID must name one session",
                    values={"session_id": rec.session_id, "other": there, "differs": fields})))
        variants.append((pos, rec, origin))
    return dropped, found


def service_repeats(pos: int, rec: SessionRecord, origin: SessionOrigin
                    ) -> tuple[set[int], list[tuple[int, Diagnostic]]]:
    """Service rows of one session that repeat an earlier row exactly (CK-U010): the indexes to
    skip and the findings, each with the session's input position."""
    out = Repeats()
    _repeated_services(pos, rec, origin, out)
    return out.skip.get(pos, set()), out.findings


def _repeated_services(pos: int, rec: SessionRecord, origin: SessionOrigin, out: Repeats) -> None:
    for j, svc in enumerate(rec.services):
        i = next((i for i in range(j) if rec.services[i] == svc), None)
        if i is None:
            continue
        out.skip.setdefault(pos, set()).add(j)
        out.findings.append((pos, finding(
            "CK-U010", Location(file=origin.file, row=origin.row_of_service(j),
                                field=f"services[{j + 1}]"),
            f"session {rec.session_id}: {place(origin, j)} repeats {place(origin, i)} "
            f"({svc.code}) exactly; counted once",
            values={"session_id": rec.session_id, "code": svc.code, "first": place(origin, i)})))


def across_files(earlier: Sequence[tuple[SessionRecord, SessionOrigin]],
                 current: Sequence[tuple[SessionRecord, SessionOrigin]], built: Any) -> None:
    """Add to ``built`` (the BuildResult of ``current``, one session file) the CK-U008/CK-U009
    findings that only show with the session files validated before it: the same session, or
    one session ID for two sessions, in two files. ``claimkit build a.csv b.csv`` reads the
    files as one input and finds these itself; ``claimkit validate a.csv b.csv`` checks one
    file at a time, so it asks here. A finding placed in this file goes with the claim built
    from that session; its twin placed in an earlier file goes with no claim of this one.
    Findings within one file are the builder's and are not repeated.
    """
    if not earlier or not current:
        return
    within = find_repeats(earlier).findings + find_repeats(current).findings
    seen = [d for _, d in within]
    claim_at = {(o.file, o.row): c.claim_id for c in built.origins for o in c.sessions}
    for _, d in find_repeats([*earlier, *current]).findings:
        if d in seen:
            continue
        cid = claim_at.get((d.location.file, d.location.row))
        built.diagnostics.append(d.with_location(claim_id=cid) if cid else d)
