"""Lossless 837P: parse -> export gives back every segment of every claim, for the whole corpus.

The expected segments of each claim are cut from the input file here, independently of
claimkit's loop placement: a claim is its CLM segment and everything after it up to the next
HL, CLM or SE, plus the segments of the HL loops above it (billing provider 2000A, subscriber
2000B, patient 2000C, each from its HL to the next HL).
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from claimkit.claims_io import dump_claims, loads_claims, read_837_batch
from claimkit.errors import InputError
from claimkit.rules.engine import Context
from claimkit.x12.reader import read_segments
from claimkit.x12.writer import write_837
from claimkit.xml import read_xml, write_xml

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "x12"
FILES = sorted(CORPUS.glob("*.x12"))
NOW = datetime(2025, 3, 4, 9, 30)
_LEVELS = {"20": 0, "22": 1, "23": 2}


def claims_of(text: str) -> list[tuple[str, Counter]]:
    """Each claim of an 837P text as (CLM01, multiset of its normalized segment texts).

    Normalized: elements joined with "*", components with ":", repetitions with "^" (a file's
    own separators are its business); an HL becomes "HL*<level>" because HL01/HL02 are the
    file's numbering, which an export may renumber (HL04 likewise follows the loops written).
    Excluded: the envelope (ISA/GS/ST/SE/GE/IEA), the BHT and the 1000A/1000B submitter and
    receiver loops: those belong to the interchange, not to a claim, and an export writes its
    own. A segment after SE and before the next ST (outside any set) belongs to no claim.
    """
    out: list[tuple[str, Counter]] = []
    parents: list[list[str]] = [[], [], []]
    current: list[str] | None = None  # the open claim's segments
    cid = ""
    level = -1  # the open HL's level index (0 bill, 1 sub, 2 pat), -1 before any HL

    def close() -> None:
        nonlocal current
        if current is not None:
            out.append((cid, Counter(parents[0] + parents[1] + parents[2] + current)))
        current = None

    for seg in read_segments(text):
        d = seg.delimiters
        norm = "*".join([seg.id] + ["^".join(":".join(r.split(d.component)) for r in
                                             (e.split(d.repetition) if d.repetition else [e]))
                                    for e in seg.elements])
        if seg.id in ("ISA", "GS", "ST", "SE", "GE", "IEA"):
            close()
            if seg.id == "ST":
                parents, level = [[], [], []], -1
            continue
        if seg.id == "HL":
            close()
            level = _LEVELS.get(seg.el(3), 1)
            for i in range(level, 3):
                parents[i] = []
            parents[level].append("HL*" + seg.el(3))
            continue
        if seg.id == "CLM":
            close()
            current, cid = [norm], seg.el(1)
            continue
        if current is not None:
            current.append(norm)
        elif level >= 0:
            parents[level].append(norm)
    close()
    return out


def _parsed(path: Path):
    try:
        return read_837_batch(path, ctx=Context(registry=None, today=date(2026, 1, 1)))
    except InputError:
        return None


def _expected(path: Path, parsed) -> list[tuple[str, Counter]]:
    """The input's claims that claimkit could represent (invalid ones are reported, not written)."""
    every = claims_of(path.read_bytes().decode("latin-1"))
    assert len(every) == len(parsed.all_claims), "each CLM of the file is one parsed claim"
    bad = [cid for cid, _ in parsed.invalid]
    kept = []
    for claim, (cid, segs) in zip(parsed.all_claims, every):
        assert claim.claim_id == cid.strip()
        if cid.strip() in bad:
            bad.remove(cid.strip())
        else:
            kept.append((cid, segs))
    return kept


def _key(item: tuple[str, Counter]):
    return item[0], sorted(item[1].items())


def _same_claims(got_text: str, expected: list[tuple[str, Counter]]) -> None:
    got = claims_of(got_text)
    assert len(got) == len(expected)
    for (gid, g), (eid, e) in zip(sorted(got, key=_key), sorted(expected, key=_key)):
        assert gid == eid
        missing, extra = e - g, g - e
        assert not missing and not extra, (eid, dict(missing), dict(extra))


def _corpus_cases():
    return [pytest.param(p, id=p.stem) for p in FILES]


@pytest.mark.parametrize("path", _corpus_cases())
def test_parse_export_keeps_every_claim_segment(path: Path) -> None:
    """837P -> claims -> 837P, directly, through claims JSON and through claims XML: each
    claim comes back with the same multiset of segments (see :func:`claims_of` for what is
    compared). Files that do not parse at all (no 837 transaction set) are skipped."""
    parsed = _parsed(path)
    if parsed is None or not parsed.batch.claims:
        pytest.skip("no claim of this file parses")
    expected = _expected(path, parsed)
    batch = parsed.batch
    direct = write_837(batch, isa_control=1, gs_control=1, now=NOW)
    _same_claims(direct, expected)
    via_json = loads_claims(dump_claims(batch), file="rt.json")
    assert write_837(via_json, isa_control=1, gs_control=1, now=NOW) == direct
    via_xml = read_xml(write_xml(batch).encode(), file="rt.xml")
    assert write_837(via_xml, isa_control=1, gs_control=1, now=NOW) == direct


def test_the_corpus_mostly_parses() -> None:
    """The parametrized test above skips files that do not parse: it must not skip them all."""
    parsed = [p for p in FILES if (r := _parsed(p)) is not None and r.batch.claims]
    assert len(parsed) >= len(FILES) - 5, [p.name for p in FILES if p not in parsed]
