"""scan_837: claims and their origins, envelopes for the 999, variants, selection, robustness."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from claimkit.models import edge
from claimkit.models.common import Relationship

ERR = "error"


def test_reference_is_clean_and_yields_two_claims(scan, reference_text) -> None:
    diags, claims, s = scan(reference_text)
    assert [d for d in diags if d.severity.value == ERR] == []
    assert diags == []
    assert [pc.claim.claim_id for pc in claims] == ["PT0001-20240110", "PT0002-20240111"]


def test_claim_fields_are_read_from_their_segments(scan, reference_text) -> None:
    _, claims, _ = scan(reference_text)
    c = claims[0].claim
    assert c.payer.key is None and c.payer.payer_id == "EHP01" and c.payer.name == "EXAMPLE HEALTH PLAN"
    assert c.payer.filing_indicator == "CI"
    bp = c.billing_provider
    assert (bp.npi, bp.taxonomy, bp.ein, bp.is_organization) == ("1234567893", "225100000X", "371234567", True)
    assert bp.address.zip == "627011234" and bp.phone == "2175550111"
    assert c.rendering_provider.npi == "1679576722" and c.rendering_provider.taxonomy == "225100000X"
    assert c.subscriber.member_id == "W123456789" and c.subscriber.birth_date == dt.date(1980, 3, 15)
    assert c.subscriber.group_number == "GRP12345" and c.subscriber.address.city == "SPRINGFIELD"
    assert c.patient is None and c.relationship is Relationship.SELF
    assert (c.place_of_service, c.frequency_code) == ("11", "1")
    assert c.diagnoses == ["M5450", "M6281", "S39012A"]
    assert c.diagnosis_qualifiers == ["ABK", "ABF", "ABF"]
    assert [(ln.number, ln.code, ln.modifiers, ln.charge, ln.units, ln.pointers) for ln in c.lines] == [
        (1, "97110", ["GP"], Decimal("120"), 2, [1, 2]),
        (2, "97140", ["GP"], Decimal("55"), 1, [1, 3]),
        (3, "97112", ["GP"], Decimal("130"), 2, [2]),
    ]
    assert c.stated_total == c.total_charge == Decimal("305")
    c2 = claims[1].claim
    assert c2.rendering_provider is None and c2.subscriber.member_id == "X987654321"
    assert c2.lines[3].date_of_service == dt.date(2024, 1, 18) and c2.stated_total == Decimal("287.5")


@pytest.mark.parametrize("line,field,where", [
    (None, "claim_id", (22, "CLM", "2300", "CLM-01")),
    (None, "total_charge", (22, "CLM", "2300", "CLM-02")),
    (None, "place_of_service", (22, "CLM", "2300", "CLM-05")),
    (None, "diagnoses", (23, "HI", "2300", None)),
    (None, "diagnoses[3]", (23, "HI", "2300", "HI-03")),
    (None, "subscriber", (17, "NM1", "2010BA", None)),
    (None, "subscriber.birth_date", (20, "DMG", "2010BA", "DMG-02")),
    (None, "patient.birth_date", (20, "DMG", "2010BA", None)),  # no 2010CA: the subscriber is the patient
    (None, "relationship", (16, "SBR", "2000B", "SBR-02")),
    (None, "billing_provider.npi", (10, "NM1", "2010AA", "NM1-09")),
    (None, "billing_provider.address.zip", (12, "N4", "2010AA", "N4-03")),
    (None, "billing_provider.taxonomy", (9, "PRV", "2000A", "PRV-03")),
    (None, "rendering_provider.npi", (24, "NM1", "2310B", "NM1-09")),
    (None, "rendering_provider.taxonomy", (25, "PRV", "2310B", "PRV-03")),
    (None, "payer", (21, "NM1", "2010BB", None)),
    (None, "no-such-field", (22, "CLM", "2300", None)),
    (2, "code", (30, "SV1", "2400", "SV1-01")),
    (2, "charge", (30, "SV1", "2400", "SV1-02")),
    (2, "units", (30, "SV1", "2400", "SV1-04")),
    (2, "pointers", (30, "SV1", "2400", "SV1-07")),
    (2, "pointers[1]", (30, "SV1", "2400", "SV1-07")),
    (3, "date_of_service", (34, "DTP", "2400", "DTP-03")),
    (3, "number", (32, "LX", "2400", "LX-01")),
    (3, "place_of_service", (22, "CLM", "2300", "CLM-05")),  # not on the line: the claim's
    (3, None, (32, "LX", "2400", None)),
])
def test_origin_locates_fields(scan, reference_text, line, field, where) -> None:
    _, claims, _ = scan(reference_text)
    loc = claims[0].origin.locate(line, field)
    assert (loc.segment_index, loc.segment_id, loc.loop, loc.element) == where
    assert loc.file == "in.x12" and loc.claim_id == "PT0001-20240110" and loc.line == line


def test_patient_loop_and_relationship(scan, ref_segments) -> None:
    segs = list(ref_segments)
    i = segs.index("HL*3*1*22*0")
    segs[i] = "HL*3*1*22*1"
    segs[i + 1] = "SBR*P**GRP67890******CI"
    segs[i + 7:i + 7] = ["HL*4*3*23*0", "PAT*19", "NM1*QC*1*NGUYEN*TIM", "N3*789 PINE ROAD",
                         "N4*CHAMPAIGN*IL*61820", "DMG*D8*20100101*M"]
    del segs[i + 3:i + 6]  # the subscriber's N3/N4/DMG: not sent for a dependent (TR3 2010BA)
    se = next(k for k, s in enumerate(segs) if s.startswith("SE*"))
    segs[se] = f"SE*{se - 1}*0001"
    diags, claims, _ = scan("~".join(segs) + "~")
    assert [d.message for d in diags] == []
    c = claims[1].claim
    assert c.relationship is Relationship.CHILD and c.patient.birth_date == dt.date(2010, 1, 1)
    loc = claims[1].origin.locate(None, "relationship")
    assert (loc.segment_id, loc.loop, loc.element) == ("PAT", "2000C", "PAT-01")
    assert claims[1].origin.locate(None, "patient.birth_date").loop == "2010CA"


@pytest.mark.parametrize("layout", ["~\r\n", "~", "\n", "~\n\n"])
def test_layout_variants_are_clean(scan, ref_segments, layout) -> None:
    diags, claims, _ = scan(layout.join(ref_segments) + layout)
    assert diags == [] and len(claims) == 2


def test_other_delimiters_are_clean(scan, ref_segments) -> None:
    conv = str.maketrans({"*": "|", ":": ">"})
    diags, claims, _ = scan("!\n".join(s.translate(conv) for s in ref_segments) + "!\n")
    assert diags == []
    assert claims[0].claim.lines[0].pointers == [1, 2]


def _two_groups(ref_segments) -> str:
    st = ref_segments[2:56]  # ST..SE
    st2 = [s.replace("*0001", "*0002") if s.startswith(("ST*", "SE*")) else s for s in st]
    isa = ref_segments[0].replace("*000000101*", "*000000102*")
    return "~\n".join([isa, ref_segments[1], *st, *st2, "GE*2*101",
                       ref_segments[1].replace("*101*", "*102*"), *st, "GE*1*102",
                       "IEA*2*000000102"]) + "~\n"


def test_two_groups_and_two_transactions(scan, ref_segments) -> None:
    diags, claims, s = scan(_two_groups(ref_segments))
    assert diags == [] and len(claims) == 6
    (ix,) = s.interchanges
    assert (ix.sender_qualifier, ix.sender_id, ix.receiver_id, ix.control) == (
        "ZZ", "CLAIMKITSUB", "ACMECLEARING", "000000102")
    assert [(g.control, g.version, [(t.st_control, t.segment_count, t.findings) for t in g.transactions])
            for g in ix.groups] == [("101", "005010X222A1", [("0001", 54, 0), ("0002", 54, 0)]),
                                    ("102", "005010X222A1", [("0001", 54, 0)])]


def test_two_interchanges_with_junk_between(scan, reference_text) -> None:
    second = reference_text.replace("000000101", "000000102")  # its own ISA13 (else CK-X027)
    diags, claims, s = scan(reference_text + "\n\nxx\n" + second)
    assert [d.rule for d in diags] == ["CK-X017"] and len(claims) == 4 and len(s.interchanges) == 2


def test_transaction_findings_are_counted_for_the_999(scan, ref_segments) -> None:
    segs = list(ref_segments)
    segs[55] = "SE*53*0001"
    diags, _, s = scan("~".join(segs) + "~")
    t = s.interchanges[0].groups[0].transactions[0]
    assert (t.findings, t.errors, t.segment_count, t.closed) == (1, 1, 54, True)
    assert dict(diags[0].values)["ik5_code"] == "4"


def test_selection_is_honoured(scan, ref_segments) -> None:
    from claimkit.diagnostics import Severity
    from claimkit.rules.engine import Selection

    segs = list(ref_segments)
    segs[9] = segs[9].replace("1234567893", "1234567890")
    segs[11] = segs[11].replace("627011234", "62701")
    text = "~".join(segs) + "~"
    assert {d.rule for d in scan(text)[0]} == {"CK-G010", "CK-G011"}
    assert {d.rule for d in scan(text, selection=Selection(ignore=frozenset({"x12.npi-invalid"})))[0]} == {"CK-G011"}
    assert {d.rule for d in scan(text, selection=Selection(select=frozenset({"CK-G01"})))[0]} == {"CK-G010", "CK-G011"}
    sev = scan(text, selection=Selection(severity={"CK-G011": Severity.WARNING}))[0]
    assert {d.rule: d.severity for d in sev}["CK-G011"] is Severity.WARNING


def test_five_pointers_and_bad_values_do_not_crash(scan, ref_segments) -> None:
    segs = list(ref_segments)
    segs[26] = "SV1*HC:97110:GP*12X*UN*two***1:2:3:4:5"
    segs[27] = "DTP*472*D8*2024"
    diags, claims, _ = scan("~".join(segs) + "~")
    ln = claims[0].claim.lines[0]
    assert ln.pointers == [1, 2, 3, 4, 5] and ln.units == 0 and ln.charge == Decimal("0")
    assert ln.date_of_service == dt.date(2024, 1, 15)  # BHT04 stands in for the bad date
    assert {"CK-X019", "CK-X018", "CK-X006"} <= {d.rule for d in diags}


def test_missing_and_out_of_order_structure(scan, ref_segments) -> None:
    segs = [s for s in ref_segments if not s.startswith(("NM1*PR", "HI*"))]
    segs.insert(30, "CLM*X*1***11:B:1*Y*A*Y*Y")  # a claim with no lines
    segs.insert(5, "SV1*HC:97110*1*UN*1***1")  # a line before any claim
    diags, claims, _ = scan("~".join(segs))
    rules = {d.rule for d in diags}
    assert {"CK-G001", "CK-X004", "CK-X011"} <= rules
    missing = {(dict(d.values).get("missing_loop"), dict(d.values).get("missing"))
               for d in diags if d.rule == "CK-G001"}
    # a missing loop is named by its trigger segment (999 IK301), with the loop beside it
    assert {("2010BB", "NM1"), (None, "HI"), ("2400", "LX")} <= missing
    assert len(claims) == 3


def test_no_phi_in_messages(scan, ref_segments) -> None:
    segs = list(ref_segments)
    segs[19] = "DMG*D8*19800230*M"
    segs[16] = "NM1*IL*1*DOE*JOHN*A***MI*W123456789*EXTRA*X*Y*Z"
    diags, _, _ = scan("~".join(segs) + "~")
    assert diags
    for d in diags:
        assert "19800230" not in d.message and "DOE" not in d.message and "W123456789" not in d.message


def test_path_and_bytes_inputs_agree(scan, tmp_path, reference_text) -> None:
    p = tmp_path / "r.x12"
    p.write_text(reference_text)
    a = [pc.claim for pc in scan(str(p))[1]]
    b = [pc.claim for pc in scan(reference_text.encode())[1]]
    assert a == b and scan(p, file=None)[0] == []


def test_parsed_claims_pass_model_validation(scan, reference_text) -> None:
    """Claims are built without validation for speed; every value must still be what the
    model would accept (same claim after a full validation round)."""
    from claimkit.models.claim import Claim

    for pc in scan(reference_text)[1]:
        again = edge.validate(Claim, edge.dump(pc.claim, exclude={"total_charge"}))
        assert again == pc.claim


def test_findings_carry_the_documented_fix(scan, ref_segments) -> None:
    segs = list(ref_segments)
    segs[11] = segs[11].replace("627011234", "62701")
    (d,) = scan("~".join(segs) + "~")[0]
    assert d.rule == "CK-G011" and d.fix.startswith("send the 9 digits") and "Reference" not in d.fix
