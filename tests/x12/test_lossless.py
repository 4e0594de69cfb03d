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
from claimkit.models import edge
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


# Corpus files with no claim the model can hold (no complete CLM loop, or only malformed ones):
# such claims are reported as invalid and none is written back.
NO_VALID_CLAIM = {"hccinfhir_sample_837p_malformed.x12", "imsweb_x12_segment_errors.x12"}


def _corpus_cases():
    return [pytest.param(p, id=p.stem) for p in FILES]


@pytest.mark.parametrize("path", _corpus_cases())
def test_parse_export_keeps_every_claim_segment(path: Path) -> None:
    """837P -> claims -> 837P, directly, through claims JSON and through claims XML: each
    claim comes back with the same multiset of segments (see :func:`claims_of` for what is
    compared). A file none of whose claims fits the claim model exports nothing: that is
    asserted too (each such claim is reported as invalid), not skipped."""
    parsed = _parsed(path)
    assert parsed is not None, "every corpus file is an 837P the parser reads"
    if not parsed.batch.claims:
        assert len(parsed.invalid) == len(parsed.all_claims), path.name  # none valid, maybe none at all
        assert path.name in NO_VALID_CLAIM, path.name
        return
    expected = _expected(path, parsed)
    batch = parsed.batch
    direct = write_837(batch, isa_control=1, gs_control=1, now=NOW)
    _same_claims(direct, expected)
    via_json = loads_claims(dump_claims(batch), file="rt.json")
    assert write_837(via_json, isa_control=1, gs_control=1, now=NOW) == direct
    via_xml = read_xml(write_xml(batch).encode(), file="rt.xml")
    assert write_837(via_xml, isa_control=1, gs_control=1, now=NOW) == direct


def test_the_corpus_mostly_parses() -> None:
    """Nearly every corpus file has claims that parse (the round trip above is not vacuous)."""
    parsed = [p for p in FILES if (r := _parsed(p)) is not None and r.batch.claims]
    assert len(parsed) >= len(FILES) - 5, [p.name for p in FILES if p not in parsed]


# -- explicit cases, through the CLI: parse --to json, then export --to x12 ----------------------
# (file, segment as the export writes it: "*" elements, ":" components) for each thing that
# claimkit used to drop or rewrite.
SURVIVORS = [
    ("tr3_ex01_commercial", "HI*BK:0340*BF:V7389"),  # ICD-9 qualifiers (were rewritten to ABK/ABF)
    ("tr3_ex09_anesthesia", "SV1*HC:00142:QK:QS:P1*827*MJ*61***1"),  # SV103 minutes (became UN)
    ("tr3_ex07_oxygen", "DTP*472*RD8*20050321-20050321"),  # a date range (lost its end)
    ("tr3_ex04_medicare_secondary_cob", "CLM*101KEN6055*120***11:B:1*Y*A*Y*Y*P"),  # CLM10
    ("v_sv101_7_description", "SV1*HC:99213:::::OFFICE VISIT*40*UN*1***1"),  # SV101-7
    ("tr3_ex04_medicare_secondary_cob", "NM1*DN*1*BRYHT*LEE*T"),  # 2310A referring provider
    ("tr3_ex02_encounter", "NM1*77*2*KILDARE ASSOCIATES*****XX*5812345679"),  # 2310C facility
    ("tr3_ex01_commercial", "NM1*87*2"),  # 2010AB pay-to address
    ("tr3_ex04_medicare_secondary_cob", "SBR*P*01**COMMERCE*****CI"),  # 2320 other subscriber
    ("tr3_ex04_medicare_secondary_cob", "AMT*D*80"),  # 2320 payer paid amount
    ("tr3_ex04_medicare_secondary_cob", "NM1*PR*2*COMMERCE*****PI*59999"),  # 2330B other payer
    ("tr3_ex04_medicare_secondary_cob", "SVD*59999*80*HC:99203:25**1"),  # 2430 line adjudication
    ("tr3_ex10a_drug_admin_office", "LIN**N4*00026063512"),  # 2410 NDC
    ("tr3_ex10a_drug_admin_office", "CTP****10*ML"),
    ("tr3_ex10a_drug_admin_office", "AMT*T*3.37"),  # 2400 sales tax
    ("tr3_ex05_ambulance", "NTE*ADD*CARDIAC EMERGENCY"),
    ("tr3_ex05_ambulance", "REF*6R*1001"),  # line item control number
    ("tr3_ex07_oxygen", "PWK*CT*AD"),
    ("oopfactory_5010_st1309_newline_terminated", "K3*0"),
    ("tr3_ex01_commercial", "REF*D9*17312345600006351"),  # claim identifier for transmission
]


@pytest.fixture(scope="module")
def cli_roundtrip(tmp_path_factory):
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    runner, done = CliRunner(), {}

    def run(stem: str) -> list[str]:
        if stem not in done:
            tmp = tmp_path_factory.mktemp(stem)
            js, out = tmp / "c.json", tmp / "out.x12"
            res = runner.invoke(app, ["parse", str(CORPUS / f"{stem}.x12"), "-o", str(js)])
            assert res.exit_code in (0, 1) and js.is_file(), res.stderr
            res = runner.invoke(app, ["export", str(js), "--to", "x12", "-o", str(out),
                                      "--timestamp", "2025-03-04T09:30"])
            assert res.exit_code == 0, res.stderr
            done[stem] = [s.strip() for s in out.read_text().split("~") if s.strip()]
        return done[stem]

    return run


@pytest.mark.parametrize("stem,segment", SURVIVORS, ids=[s for _, s in SURVIVORS])
def test_what_claimkit_does_not_model_survives_parse_and_export(cli_roundtrip, stem, segment):
    assert segment in cli_roundtrip(stem)


def test_an_edited_typed_field_is_not_silently_overwritten_by_the_original(tmp_path) -> None:
    """A parsed claim whose JSON was edited no longer matches its original segments: the
    writer refuses it, naming the field, rather than send the segments as first parsed."""
    parsed = _parsed(CORPUS / "tr3_ex04_medicare_secondary_cob.x12")
    data = json.loads(dump_claims(parsed.batch))
    data["claims"][0]["lines"][0]["charge"] = "99"
    edited = loads_claims(json.dumps(data))
    with pytest.raises(InputError, match=r"lines\[0\]\.charge"):
        write_837(edited, isa_control=1, gs_control=1, now=NOW)
    del data["claims"][0]["original"]  # without its originals it is written from its fields
    text = write_837(loads_claims(json.dumps(data)), isa_control=1, gs_control=1, now=NOW)
    assert "SV1*HC:99203:25*99*UN*1***1:2~" in text


def test_claims_built_from_sessions_have_no_original_in_json() -> None:
    """JSON of claims without original segments is written exactly as before (no new key)."""
    from claimkit.models.claim import ClaimBatch

    batch = _parsed(CORPUS / "tr3_ex01_commercial.x12").batch
    plain = edge.validate(ClaimBatch, {**edge.dump(batch), "claims": [
        {**edge.dump(c, exclude={"total_charge"}), "original": None} for c in batch.claims]})
    assert '"original"' not in dump_claims(plain)
    assert "<original>" not in write_xml(plain)


# -- the independent oracle on what the export writes ---------------------------------------------
def _pyx12_accepted() -> list[Path]:
    expected = json.loads((CORPUS.parent / "expected.json").read_text())
    return [p for p in FILES if expected.get(p.name, {}).get("accepted")]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in _pyx12_accepted()])
def test_export_of_a_file_pyx12_accepts_is_accepted_too(path, tmp_path, pyx12_check) -> None:
    out = tmp_path / "out.x12"
    out.write_text(write_837(_parsed(path).batch, isa_control=1, gs_control=1, now=NOW))
    assert pyx12_check(out) == (True, [])


# -- pass-through split: validate --accepted --------------------------------------------------------
def test_accepted_claims_pass_through_unchanged(tmp_path, pyx12_check) -> None:
    """mimilabs_sample_837_0: five transaction sets on one line, HL IDs from 63 (pyx12 refuses
    the file for that numbering). Two claims have a CK-C008 finding (made an error here): the
    accepted 837P holds the other three with every segment as sent, in one re-enveloped set
    with HLs renumbered, and pyx12 accepts it; the rejects report states CLM02 as sent."""
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    src = CORPUS / "mimilabs_sample_837_0.x12"
    ok, rej = tmp_path / "ok.x12", tmp_path / "rej.json"
    res = CliRunner().invoke(app, [
        "validate", str(src), "--select", "CK-C008", "--severity", "CK-C008=error",
        "--accepted", str(ok), "--rejects", str(rej), "-f", "json", "-o", str(tmp_path / "r.json")])
    assert "5 claim(s): 3 accepted, 2 rejected" in res.stderr, res.stderr
    report = json.loads(rej.read_text())
    rejected = {r["claim_id"]: r["total_charge"] for r in report["rejected"]}
    assert rejected == {"1805080AV3648347": "50.1", "1805080AV3648340": "11.64"}  # CLM02s
    want = [c for c in claims_of(src.read_text(encoding="latin-1")) if c[0] not in rejected]
    _same_claims(ok.read_text(), want)
    assert pyx12_check(ok) == (True, [])


def test_rejects_and_277ca_state_the_submitted_clm02(tmp_path) -> None:
    """v_clm02_unbalanced: CLM02 says 120, the lines add up to 100. The rejects report and the
    277CA answer the claim that was sent (120), not a total recomputed from its lines."""
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    src = CORPUS / "v_clm02_unbalanced.x12"
    rej, ack = tmp_path / "rej.json", tmp_path / "ack.x12"
    runner = CliRunner()
    runner.invoke(app, ["validate", str(src), "--rejects", str(rej), "-f", "json",
                        "-o", str(tmp_path / "r.json")])
    assert [r["total_charge"] for r in json.loads(rej.read_text())["rejected"]] == ["120"]
    runner.invoke(app, ["validate", str(src), "--ack", "277ca", "-o", str(ack)])
    stc = [s.strip() for s in ack.read_text().split("~") if s.strip().startswith(("STC", "AMT"))]
    assert stc and all("*100" not in s for s in stc), stc
    assert any(s.split("*")[4] == "120" for s in stc if s.startswith("STC")), stc
