"""Claim details (issue 12): each session field becomes the right 837P segments (pyx12 and
`claimkit validate` accept the file), XML elements (valid against the XSD) and JSON fields.

The sessions are the examples of docs/sessions.md ("Claim details"), so the documentation is
what is tested; single-field variants are derived from them.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from decimal import Decimal
from importlib import resources

import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from claimkit.builder import build_claims
from claimkit.claims_io import dump_claims, loads_claims
from claimkit.cli.app import app
from claimkit.errors import InputError
from claimkit.loaders import load_sessions
from claimkit.pipeline import make_batch
from claimkit.x12.writer import write_837
from claimkit.xml.reader import read_xml
from claimkit.xml.writer import write_xml

NOW = datetime(2026, 1, 5, 9, 30)


@pytest.fixture(scope="module")
def doc_sessions(repo) -> list[dict]:
    text = (repo / "docs" / "sessions.md").read_text()
    section = text.split("## Claim details")[1].split("## Claims and claim IDs")[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 3
    return [s for b in blocks for s in yaml.safe_load(b)]


def _build(tmp_path, sessions, practice, registry, name="s.json"):
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(x) + "\n" for x in sessions))
    else:
        path.write_text(json.dumps(sessions))
    return build_claims(load_sessions(path), practice, registry)


def _x12(claims, practice) -> str:
    return write_837(make_batch(practice, claims), isa_control=1, gs_control=1, now=NOW)


def _claim_segments(text: str, claim_id: str) -> list[str]:
    """The segments of one claim: its 2000B HL .. the next HL (or SE)."""
    segs = [s.strip() for s in text.split("~") if s.strip()]
    clm = next(i for i, s in enumerate(segs) if s.startswith(f"CLM*{claim_id}*"))
    start = max(i for i in range(clm) if segs[i].startswith("HL*") and "*22*" in segs[i])
    end = next((i for i in range(clm, len(segs)) if segs[i].startswith(("HL*", "SE*"))), len(segs))
    return segs[start:end]


@pytest.fixture(scope="module")
def built(doc_sessions, tmp_path_factory, demo_practice, registry):
    tmp = tmp_path_factory.mktemp("details")
    res = _build(tmp, doc_sessions, demo_practice, registry)
    assert [d.rule for d in res.diagnostics if d.severity.value == "error"] == []
    text = _x12(res.claims, demo_practice)
    path = tmp / "out.x12"
    path.write_text(text)
    return res, text, path


def test_doc_examples_pass_pyx12(built, pyx12_check):
    _, _, path = built
    assert pyx12_check(path) == (True, [])


def test_doc_examples_pass_claimkit_validate(built, demo_dir, tmp_path):
    _, _, path = built
    res = CliRunner().invoke(app, ["validate", str(path), "-c", str(demo_dir / "claimkit.toml"),
                                   "-f", "json", "-o", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    assert res.exit_code == 0, res.stderr
    assert report["summary"]["errors"] == 0 and report["summary"]["claims"] == 4


def test_referring_provider_initial_treatment_and_onset(built):
    _, text, _ = built
    segs = _claim_segments(text, "S0101")
    assert "NM1*DN*1*PATEL*ANIKA****XX*1588667638" in segs
    assert "DTP*454*D8*20250106" in segs and "DTP*431*D8*20241220" in segs
    # 2310A comes after HI and before the rendering provider (2310B)
    assert segs.index("NM1*DN*1*PATEL*ANIKA****XX*1588667638") < next(
        i for i, s in enumerate(segs) if s.startswith("NM1*82*"))
    assert segs.index("DTP*431*D8*20241220") < segs.index("DTP*454*D8*20250106")


def test_line_item_control_numbers(built):
    res, text, _ = built
    assert "REF*6R*V101-A" in _claim_segments(text, "S0101")  # the service's own line_id
    assert "REF*6R*S0102-1" in _claim_segments(text, "S0102")  # default SESSION-N
    for claim in res.claims:
        numbers = [ln.control_number for ln in claim.lines]
        assert None not in numbers and len(set(numbers)) == len(numbers)


def test_line_control_numbers_unique_within_a_claim(doc_sessions, tmp_path, demo_practice, registry):
    """Two sessions of one claim (same day) that give the same line_id keep unique REF*6R."""
    a = copy.deepcopy(doc_sessions[0])
    b = copy.deepcopy(a)
    b["session_id"] = "S0101B"
    b["services"] = [{"code": "97112", "minutes": 15, "line_id": "V101-A"}]
    res = _build(tmp_path, [a, b], demo_practice, registry)
    (claim,) = res.claims
    numbers = [ln.control_number for ln in claim.lines]
    assert "V101-A" in numbers and "S0101B-1" in numbers and len(set(numbers)) == 2


def test_service_facility_for_a_home_visit(built):
    _, text, _ = built
    segs = _claim_segments(text, "S0102")
    assert "CLM*S0102*" in segs[next(i for i, s in enumerate(segs) if s.startswith("CLM"))]
    assert any(s.startswith("CLM*S0102*") and "*12:B:1*" in s for s in segs)
    i = segs.index("NM1*77*2*PATIENT HOME")
    assert segs[i + 1] == "N3*12 ELM STREET" and segs[i + 2] == "N4*SPRINGFIELD*IL*62704"
    assert "NM1*DN*1*PATEL*ANIKA****XX*1588667638" in segs  # referring provider given inline


def test_prior_authorization_replacement_note_attachment_and_employment(built):
    _, text, _ = built
    segs = _claim_segments(text, "S0103")
    clm = next(s for s in segs if s.startswith("CLM*"))
    assert clm.split("*")[5] == "11:B:7" and clm.split("*")[11] == "EM"
    assert "DTP*439*D8*20250301" in segs
    assert "PWK*PN*FX***AC*PN0319A" in segs
    assert "REF*G1*LKA2025031901" in segs and "REF*F8*LKS2025031900042" in segs
    assert "NTE*ADD*CORRECTED UNITS" in segs
    # TR3 2300 order: DTP, PWK, REF (G1 before F8), NTE, then HI
    order = [segs.index(s) for s in ("DTP*439*D8*20250301", "PWK*PN*FX***AC*PN0319A",
                                     "REF*G1*LKA2025031901", "REF*F8*LKS2025031900042",
                                     "NTE*ADD*CORRECTED UNITS")]
    assert order == sorted(order) and order[-1] < next(i for i, s in enumerate(segs) if s.startswith("HI*"))


def test_auto_accident_and_referral_number(doc_sessions, tmp_path, demo_practice, registry):
    s = copy.deepcopy(doc_sessions[2])
    s.update(frequency="1", accident={"related_causes": ["AA", "OA"], "state": "IL",
                                      "accident_date": "2025-03-01"}, referral_number="R77")
    s.pop("payer_claim_number")
    res = _build(tmp_path, [s], demo_practice, registry)
    segs = _claim_segments(_x12(res.claims, demo_practice), "S0103")
    clm = next(x for x in segs if x.startswith("CLM*"))
    assert clm.split("*")[11] == "AA:OA::IL" and "REF*9F*R77" in segs


@pytest.mark.parametrize("accident,problem", [
    ({"related_causes": ["AA"], "accident_date": "2025-03-01"}, "state"),
    ({"related_causes": ["OA"]}, "accident_date"),
])
def test_accident_needs_state_and_date(doc_sessions, tmp_path, demo_practice, registry,
                                       accident, problem):
    s = copy.deepcopy(doc_sessions[2])
    s["accident"] = accident
    with pytest.raises(InputError, match=f"accident.*{problem}"):
        _build(tmp_path, [s], demo_practice, registry)


def test_secondary_claim_after_medicare(built):
    res, text, _ = built
    segs = _claim_segments(text, "S0104")
    assert segs[1].startswith("SBR*S*18*GRP7781*")  # 2000B: this claim's payer is secondary
    i = next(k for k, s in enumerate(segs) if s.startswith("SBR*P*"))  # 2320: Medicare primary
    assert segs[i] == "SBR*P*18*******MB"
    assert segs[i + 1:i + 6] == ["AMT*D*103.14", "AMT*EAF*25.78", "OI***Y***Y",
                                 "NM1*IL*1*MBEKI*GRACE****MI*2HT7PK3MW11",
                                 "NM1*PR*2*MEDICARE PART B DEMO*****PI*MCRDEMO"]
    assert i > next(k for k, s in enumerate(segs) if s.startswith("HI*"))
    lx = segs.index("LX*1")
    assert i < lx  # 2320/2330 come before the lines
    assert segs[lx + 4:lx + 8] == ["SVD*MCRDEMO*103.14*HC:97530:GP**4", "CAS*CO*45*31.08",
                                   "CAS*PR*2*25.78", "DTP*573*D8*20250304"]
    claim = next(c for c in res.claims if c.claim_id == "S0104")
    assert claim.payer_responsibility == "S" and claim.other_payers[0].paid == Decimal("103.14")


def test_claim_level_eob_writes_cas_and_adjudication_date(doc_sessions, tmp_path, demo_practice,
                                                          registry, pyx12_check):
    s = copy.deepcopy(doc_sessions[3])
    op = s["other_payers"][0]
    op.pop("lines")
    op["adjustments"] = [{"group": "CO", "reason": "45", "amount": "31.08"},
                         {"group": "PR", "reason": "2", "amount": "25.78"}]
    res = _build(tmp_path, [s], demo_practice, registry)
    assert [d.rule for d in res.diagnostics if d.severity.value == "error"] == []
    text = _x12(res.claims, demo_practice)
    segs = _claim_segments(text, "S0104")
    i = segs.index("SBR*P*18*******MB")
    assert segs[i + 1:i + 4] == ["CAS*CO*45*31.08", "CAS*PR*2*25.78", "AMT*D*103.14"]
    assert "DTP*573*D8*20250304" in segs and not any(x.startswith("SVD*") for x in segs)
    (tmp_path / "o.x12").write_text(text)
    assert pyx12_check(tmp_path / "o.x12") == (True, [])


def test_primary_claim_sends_sbr01_p(built):
    _, text, _ = built
    assert _claim_segments(text, "S0101")[1].startswith("SBR*P*18*")


def test_medicare_dependent_is_a_build_finding(doc_sessions, tmp_path, demo_practice, registry):
    s = copy.deepcopy(doc_sessions[0])
    s["patient"]["relationship"] = "spouse"
    s["patient"].pop("member_id")
    s["subscriber"] = {"last_name": "HALVORSEN", "first_name": "INGRID", "birth_date": "1950-02-02",
                       "sex": "F", "member_id": "1EG4TE5MK73",
                       "address": s["patient"]["address"]}
    res = _build(tmp_path, [s], demo_practice, registry)
    (d,) = [d for d in res.diagnostics if d.rule == "CK-B102"]
    assert d.location.row == 1 and d.location.field == "patient.relationship"


def test_replacement_without_payer_claim_number_names_the_row(doc_sessions, tmp_path,
                                                              demo_practice, registry):
    sessions = copy.deepcopy(doc_sessions)
    sessions[2].pop("payer_claim_number")
    res = _build(tmp_path, sessions, demo_practice, registry, "s.jsonl")
    (d,) = [d for d in res.diagnostics if d.rule == "CK-B101"]
    assert d.location.file.endswith("s.jsonl") and d.location.row == 3
    assert d.location.field == "payer_claim_number" and d.location.claim_id == "S0103"


def test_unknown_referring_provider_key_is_unusable_input(doc_sessions, tmp_path, demo_practice,
                                                          registry):
    s = copy.deepcopy(doc_sessions[0])
    s["referring_provider"] = "nobody"
    with pytest.raises(InputError) as exc:
        _build(tmp_path, [s], demo_practice, registry)
    assert "unknown referring provider 'nobody'" in str(exc.value) and "line 1" in str(exc.value)


def test_xml_validates_and_reads_back_every_detail(built, demo_practice):
    res, _, _ = built
    batch = make_batch(demo_practice, res.claims)
    text = write_xml(batch)
    path = resources.files("claimkit.xml") / "schema" / "claimkit-claims-1.0.xsd"
    xsd = etree.XMLSchema(etree.parse(str(path)))
    doc = etree.fromstring(text.encode())
    assert xsd.validate(doc), xsd.error_log
    ns = {"ck": "urn:claimkit:claims:1.0"}
    assert doc.findall(".//ck:claim/ck:referringProvider/ck:npi", ns)[0].text == "1588667638"
    assert doc.find(".//ck:otherPayer/ck:adjustments", ns) is None  # claim-level CAS: none here
    assert doc.find(".//ck:line/ck:adjudications/ck:adjudication/ck:paid", ns).text == "103.14"
    assert read_xml(text.encode(), file="x.xml").claims == batch.claims


def test_json_round_trip_keeps_every_detail(built, demo_practice):
    res, _, _ = built
    batch = make_batch(demo_practice, res.claims)
    data = json.loads(dump_claims(batch))
    c = {c["claim_id"]: c for c in data["claims"]}
    assert c["S0103"]["prior_authorization"] == "LKA2025031901"
    assert c["S0103"]["accident"]["related_causes"] == ["EM"]
    assert c["S0104"]["other_payers"][0]["subscriber"]["member_id"] == "2HT7PK3MW11"
    again = loads_claims(dump_claims(batch), file="c.json")
    assert again.claims == batch.claims
    (s0102,) = [x for x in again.claims if x.claim_id == "S0102"]
    assert s0102.service_facility.name == "PATIENT HOME"
    assert s0102.referring_provider.npi == "1588667638"
    assert (s0102.initial_treatment_date, s0102.onset_date) == (None, None)


def test_csv_carries_the_details(doc_sessions, tmp_path, demo_practice, registry):
    """The CSV columns give the same session as the nested form (JSON cells for lists)."""
    import csv

    s = doc_sessions[3]
    p = s["patient"]
    row = {"session_id": s["session_id"], "date_of_service": s["date_of_service"],
           "payer": s["payer"], "rendering_provider": s["rendering_provider"],
           "diagnoses": " ".join(s["diagnoses"]), "patient_id": p["id"],
           "patient_last_name": p["last_name"], "patient_first_name": p["first_name"],
           "patient_birth_date": p["birth_date"], "patient_sex": p["sex"],
           "patient_member_id": p["member_id"], "patient_group_number": p["group_number"],
           "patient_address_line1": p["address"]["line1"], "patient_city": p["address"]["city"],
           "patient_state": p["address"]["state"], "patient_zip": p["address"]["zip"],
           "payer_sequence": "S", "other_payers": json.dumps(s["other_payers"]),
           "service_code": "97530", "service_minutes": "60", "service_charge": "160.00"}
    with open(tmp_path / "s.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    (tmp_path / "s.json").write_text(json.dumps([s]))
    a = load_sessions(tmp_path / "s.csv")[0][0]
    b = load_sessions(tmp_path / "s.json")[0][0]
    assert a.other_payers == b.other_payers and a.payer_sequence == "S"


def test_demo_output_has_every_construct(repo):
    """The golden demo 837P carries each construct issue 12 asks the demo to show."""
    text = (repo / "tests" / "golden" / "demo-837p.x12").read_text()
    segs = [s.strip() for s in text.split("~")]
    assert any(s.startswith("NM1*DN*") for s in segs) and any(s.startswith("DTP*454*") for s in segs)
    assert any(s.startswith("REF*G1*") for s in segs)
    assert any(s.startswith("CLM*") and "*12:B:" in s for s in segs) and "NM1*77*2*PATIENT HOME" in segs
    # one patient and day with an office claim (11) and a telehealth claim (02)
    assert any("*11:B:1*" in s and s.startswith("CLM*S0035*") for s in segs)
    assert any("*02:B:1*" in s and s.startswith("CLM*S0036*") for s in segs)
    assert any(s.startswith("SBR*S*") for s in segs) and any(s.startswith("SVD*") for s in segs)
    assert any(s.startswith("CLM*") and "*11:B:7*" in s for s in segs)
    assert any(s.startswith("REF*F8*") for s in segs)
    assert any(s.startswith("SV1*HC:92507:GN*") for s in segs)
    assert any(s.startswith("CLM*") and s.endswith("*AA:::IL") for s in segs)
    assert any(s.startswith("PWK*") for s in segs) and any(s.startswith("NTE*ADD*") for s in segs)


def test_primary_claim_lists_the_secondary_coverage(doc_sessions, tmp_path, demo_practice,
                                                    registry, pyx12_check):
    """A primary claim may name the patient's other coverage (2320 SBR*S, 2330A/B, no AMT)."""
    s = copy.deepcopy(doc_sessions[0])
    s["other_payers"] = [{"payer": "lakeshore", "responsibility": "S", "member_id": "LKS400112",
                          "group_number": "GRP7781"}]
    res = _build(tmp_path, [s], demo_practice, registry)
    assert [d.rule for d in res.diagnostics if d.severity.value == "error"] == []
    text = _x12(res.claims, demo_practice)
    segs = _claim_segments(text, "S0101")
    assert segs[1].startswith("SBR*P*18*")
    i = segs.index("SBR*S*18*GRP7781******CI")
    assert segs[i + 1:i + 4] == ["OI***Y***Y", "NM1*IL*1*HALVORSEN*ERIK****MI*LKS400112",
                                 "NM1*PR*2*LAKESHORE HEALTH PLAN*****PI*LKSH01"]
    assert not any(x.startswith(("AMT*", "CAS*", "SVD*")) for x in segs)
    (tmp_path / "o.x12").write_text(text)
    assert pyx12_check(tmp_path / "o.x12") == (True, [])


def test_repeated_line_id_in_a_session_is_refused(doc_sessions, tmp_path, demo_practice, registry):
    s = copy.deepcopy(doc_sessions[0])
    s["services"] = [{"code": "97110", "minutes": 30, "line_id": "X1"},
                     {"code": "97112", "minutes": 15, "line_id": "X1"}]
    with pytest.raises(InputError, match="same line_id"):
        _build(tmp_path, [s], demo_practice, registry)


def test_medicare_secondary_sends_the_msp_type(doc_sessions, tmp_path, demo_practice, registry,
                                               pyx12_check):
    """Medicare after an employer plan: 2000B SBR*S with SBR05 12; 2320 names the primary."""
    s = copy.deepcopy(doc_sessions[0])
    s.update(payer_sequence="S", insurance_type="12", other_payers=[{
        "payer": "lakeshore", "responsibility": "P", "member_id": "LKS400112",
        "paid": "50.00", "adjudication_date": "2025-01-20",
        "adjustments": [{"group": "PR", "reason": "2", "amount": "15.00"}]}])
    res = _build(tmp_path, [s], demo_practice, registry)
    assert [d.rule for d in res.diagnostics if d.severity.value == "error"] == []
    text = _x12(res.claims, demo_practice)
    segs = _claim_segments(text, "S0101")
    assert segs[1] == "SBR*S*18***12****MB"
    assert "CAS*PR*2*15" in segs and "AMT*D*50" in segs and "DTP*573*D8*20250120" in segs
    (tmp_path / "o.x12").write_text(text)
    assert pyx12_check(tmp_path / "o.x12") == (True, [])
