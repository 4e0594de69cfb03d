"""The claim details of issue 12 are read from an 837P, not only written (claimkit/x12/details.py).

The expected values of the third-party file come from the TR3's own example 4 (Medicare
secondary with the commercial primary's adjudication), read off its segments here; that
example balances (paid 80 + CO 25 + PR 15 = the 120 charge), so the COB balancing rule must
be silent on it and speak when an amount is changed.
"""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import claimkit
from claimkit.claims_io import dump_claims, loads_claims, read_837_batch
from claimkit.rules.engine import Context

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "x12"
EX04 = CORPUS / "tr3_ex04_medicare_secondary_cob.x12"
TODAY = date(2026, 1, 1)


def _claims(path: Path):
    return read_837_batch(path, ctx=Context(registry=None, today=TODAY)).batch.claims


def _b104(path: Path) -> list:
    result = claimkit.validate([path], today=TODAY, selection=claimkit.rule_settings(select=["CK-B104"]).selection)
    return [d for d in result.diagnostics if d.rule == "CK-B104"]


def test_tr3_example_4_secondary_claim_is_read_whole() -> None:
    (claim,) = _claims(EX04)
    assert claim.payer_responsibility == "S"  # SBR*S*18*MEDICARE*12*****MB
    assert claim.insurance_type is None  # "12" is SBR04 (group name) here, SBR05 is empty
    ref = claim.referring_provider  # NM1*DN*1*BRYHT*LEE*T (no NPI in the example)
    assert (ref.last_name, ref.first_name, ref.npi, ref.is_organization) == ("BRYHT", "LEE", "", False)
    (op,) = claim.other_payers  # SBR*P*01**COMMERCE*****CI, AMT*D*80, NM1*IL ..., NM1*PR ...59999
    assert (op.responsibility, op.relationship, op.filing_indicator, op.payer_id, op.name) == (
        "P", "01", "CI", "59999", "COMMERCE")
    assert op.paid == Decimal("80") and op.patient_responsibility is None  # AMT*A8 is not EAF
    assert (op.subscriber.last_name, op.subscriber.member_id) == ("MEDYUM", "COM188-404777")
    (adj,) = claim.lines[0].adjudications  # SVD*59999*80*HC>99203>25**1, CAS CO 42 25, PR 2 15
    assert (adj.payer_id, adj.paid, adj.units, adj.adjudication_date) == (
        "59999", Decimal("80"), 1, date(2005, 1, 28))
    assert [(a.group, a.reason, a.amount) for a in adj.adjustments] == [
        ("CO", "42", Decimal("25")), ("PR", "2", Decimal("15"))]


def test_cob_balancing_runs_on_an_837p(tmp_path: Path) -> None:
    assert _b104(EX04) == []  # the TR3's example balances
    text = EX04.read_text(encoding="latin-1")
    short = tmp_path / "short.x12"
    short.write_text(text.replace("AMT*D*80", "AMT*D*70"), encoding="latin-1")
    (d,) = _b104(short)
    assert d.severity.value == "error" and "70" in d.message and d.location.claim_id == "101KEN6055"
    assert (d.location.loop, d.location.segment_id) == ("2320", "SBR")  # the other payer's loop
    line = tmp_path / "line.x12"
    line.write_text(text.replace("CAS*PR*2*15", "CAS*PR*2*5"), encoding="latin-1")
    messages = [d.message for d in _b104(line)]
    assert any("line 1" in m for m in messages), messages


def test_parse_json_and_xml_carry_the_details(tmp_path: Path) -> None:
    out = tmp_path / "ex04.json"
    from typer.testing import CliRunner

    from claimkit.cli.app import app

    r = CliRunner().invoke(app, ["parse", str(EX04), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    (claim,) = loads_claims(out.read_text()).claims
    assert claim.payer_responsibility == "S" and claim.other_payers[0].paid == Decimal("80")
    xml = tmp_path / "ex04.xml"
    r = CliRunner().invoke(app, ["parse", str(EX04), "--to", "xml", "-o", str(xml), "-q"])
    assert r.exit_code == 0, r.output
    from claimkit.xml import read_xml

    (back,) = read_xml(xml).claims
    assert back.other_payers[0].payer_id == "59999"
    assert back.lines[0].adjudications[0].adjustments[1].reason == "2"


# Fields the writer sends only in some cases: the claim-level adjudication date is not sent
# when the payer adjudicated lines (2330B DTP*573 "required when 2430 is not used").
def _sent(op: dict, claim) -> dict:
    if any(a.payer_id == op["payer_id"] for ln in claim.lines for a in ln.adjudications):
        op = {**op, "adjudication_date": None}
    return op


DETAILS = ("referring_provider", "prior_authorization", "referral_number", "initial_treatment_date",
           "onset_date", "service_facility", "note", "attachments", "accident", "payer_claim_number",
           "payer_responsibility", "insurance_type")


def test_every_detail_of_the_demo_build_is_read_back(tmp_path: Path) -> None:
    """The demo practice exercises every issue-12 field; its 837P read back says each again."""
    sessions, config = claimkit.demo_practice()
    built = claimkit.build([sessions], settings=config, today=TODAY)
    out = tmp_path / "demo.x12"
    out.write_text(claimkit.export(built.batch, "x12"), encoding="ascii")
    back = {c.claim_id: c for c in _claims(out)}
    assert len(back) == len(built.claims)
    seen = set()
    for c in built.claims:
        b = back[c.claim_id]
        for name in DETAILS:
            want, got = getattr(c, name), getattr(b, name)
            assert got == want, (c.claim_id, name)
            if want:
                seen.add(name)
        assert [_sent(dataclasses.asdict(o) if dataclasses.is_dataclass(o) else o.model_dump(), c)
                for o in c.other_payers] == [o.model_dump() for o in b.other_payers], c.claim_id
        for ln, bl in zip(c.lines, b.lines):
            assert (bl.control_number, bl.adjudications) == (ln.control_number, ln.adjudications)
    assert seen >= set(DETAILS) - {"insurance_type"}, "the demo no longer exercises every field"


@pytest.mark.parametrize("change, field", [
    ("CLM*101KEN6055*120***11>B>1*Y*A*Y*Y*P", "accident"),  # CLM11 AA without its state
    ("NM1*DN*1*BRYHT*LEE*T", "other_payers"),  # the 2330B payer NM1 removed below
])
def test_a_detail_the_model_refuses_is_left_out_not_raised(tmp_path: Path, change: str, field: str) -> None:
    text = EX04.read_text(encoding="latin-1")
    if field == "accident":
        text = text.replace(change, change + "*AA")
    else:
        text = text.replace("NM1*PR*2*COMMERCE*****PI*59999~", "")
    bad = tmp_path / "bad.x12"
    bad.write_text(text, encoding="latin-1")
    (claim,) = _claims(bad)
    assert not getattr(claim, field)
    # the segments stay: parse -> JSON -> export gives the claim's segments back as sent
    back = loads_claims(dump_claims(read_837_batch(bad, ctx=Context(registry=None, today=TODAY)).batch))
    assert back.claims[0].original is not None


def test_a_secondary_837p_without_the_primarys_2320_loop_is_found(tmp_path: Path) -> None:
    """SBR01 S says a primary decided first; without its 2320/2330 loops (and the 2430 line
    adjudication) the secondary payer has nothing to coordinate with (CK-B103)."""
    kept = []
    in_2320 = False
    for seg in EX04.read_text(encoding="latin-1").split("~"):
        sid = seg.strip().split("*", 1)[0]
        if sid == "SBR" and seg.strip().startswith("SBR*P"):
            in_2320 = True
        elif sid == "LX":
            in_2320 = False
        if not in_2320 and sid not in ("SVD", "CAS") and not seg.strip().startswith("DTP*573"):
            kept.append(seg)
    bad = tmp_path / "no2320.x12"
    bad.write_text("~".join(kept), encoding="latin-1")
    result = claimkit.validate([bad], today=TODAY, selection=claimkit.rule_settings(select=["CK-B103"]).selection)
    (d,) = [d for d in result.diagnostics if d.rule == "CK-B103"]
    assert "no adjudication by the P payer" in d.message and d.location.claim_id == "101KEN6055"
    ok = claimkit.validate([EX04], today=TODAY, selection=claimkit.rule_settings(select=["CK-B103"]).selection)
    assert [d for d in ok.diagnostics if d.rule == "CK-B103"] == []
