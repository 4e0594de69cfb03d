"""XML export: every document validates against the shipped XSD and reads back to the same claims."""
from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

import pytest
from lxml import etree

from claimkit.models import edge
from claimkit.xml import NAMESPACE, read_xml, write_xml
from claimkit.xml.layout import LAYOUTS

NS = {"ck": NAMESPACE}
XS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.mark.parametrize("name", ["sessions.jsonl", "sessions.csv"])
def test_every_demo_fixture_validates_and_reads_back(name, demo_batches, xsd) -> None:
    batch = demo_batches[name]
    assert len(batch.claims) >= 30
    doc = etree.fromstring(write_xml(batch).encode())
    assert xsd.validate(doc), xsd.error_log
    assert len(doc.findall("ck:claims/ck:claim", NS)) == len(batch.claims)
    assert read_xml(write_xml(batch).encode(), file=name) == batch


def test_sample_batch_keeps_everything(sample_batch, xsd) -> None:
    text = write_xml(sample_batch)
    doc = etree.fromstring(text.encode())
    assert xsd.validate(doc), xsd.error_log
    first, second = doc.findall("ck:claims/ck:claim", NS)
    assert [d.text for d in first.findall("ck:diagnoses/ck:diagnosis", NS)] == ["M5450", "M6281", "S39012A"]
    line2 = first.findall("ck:lines/ck:line", NS)[1]
    assert [m.text for m in line2.findall("ck:modifiers/ck:modifier", NS)] == ["GP", "59"]
    assert [p.text for p in line2.findall("ck:pointers/ck:pointer", NS)] == ["1", "3"]
    assert line2.findtext("ck:placeOfService", namespaces=NS) == "02"
    assert first.findtext("ck:totalCharge", namespaces=NS) == "175.50"
    assert {r.get("system"): r.text for r in first.findall("ck:codesetReleases/ck:release", NS)} == {
        "icd10cm": "FY2025", "procedure": "2025"}
    assert second.findtext("ck:patient/ck:firstName", namespaces=NS) == "JANE"
    assert second.findtext("ck:relationship", namespaces=NS) == "child"
    assert second.findtext("ck:statedTotal", namespaces=NS) == "100"
    assert doc.findtext("ck:envelope/ck:gsSender", namespaces=NS) == "CKGS"
    assert read_xml(text.encode()) == sample_batch


def test_output_is_reproducible(sample_batch) -> None:
    assert write_xml(sample_batch) == write_xml(copy.deepcopy(sample_batch))


def test_decimal_never_uses_an_exponent(sample_batch, xsd) -> None:
    line = edge.replace(sample_batch.claims[1].lines[0], charge=Decimal("1E+2"))
    claim = edge.replace(sample_batch.claims[1], lines=[line])
    batch = edge.replace(sample_batch, claims=[claim])
    doc = etree.fromstring(write_xml(batch).encode())
    assert xsd.validate(doc), xsd.error_log
    assert doc.findtext("ck:claims/ck:claim/ck:lines/ck:line/ck:charge", namespaces=NS) == "100"


def test_control_characters_are_refused_naming_the_field(sample_batch) -> None:
    from claimkit.errors import InputError

    claim = edge.replace(sample_batch.claims[0], claim_id="PT\x01")
    with pytest.raises(InputError, match=r"claims\[0\]\.claim_id"):
        write_xml(edge.replace(sample_batch, claims=[claim]))


def _sequence(xsd_doc, type_name: str) -> list[str]:
    ctype = xsd_doc.find(f"{XS}complexType[@name='{type_name}']")
    return [e.get("name") for e in ctype.find(f"{XS}sequence").findall(f"{XS}element")]


@pytest.mark.parametrize("layout,type_name", [
    ("batch", "ClaimBatch"), ("party837", "Party837"), ("envelope", "Envelope"), ("claim", "Claim"),
    ("payer", "Payer"), ("provider", "Provider"), ("party", "Party"), ("address", "Address"),
    ("line", "ServiceLine"), ("original", "OriginalSegments"), ("segment", "OriginalSegment"),
])
def test_layout_order_is_the_xsd_order(layout, type_name) -> None:
    """The writer's element table and the XSD state one order; a change to one must reach both."""
    from importlib import resources

    path = resources.files("claimkit.xml") / "schema" / "claimkit-claims-1.0.xsd"
    xsd_doc = etree.parse(str(path)).getroot()
    assert [tag for tag, _, _ in LAYOUTS[layout]] == _sequence(xsd_doc, type_name)


def test_every_model_field_has_an_element() -> None:
    """Nothing the models hold is lost on export: each field is in the layout (or computed)."""
    from pydantic.fields import ComputedFieldInfo

    from claimkit.models.claim import (
        Claim,
        ClaimBatch,
        Envelope,
        OriginalSegment,
        OriginalSegments,
        Party,
        Party837,
        Payer,
        Provider,
        ServiceLine,
    )
    from claimkit.models.common import Address

    models = {"batch": ClaimBatch, "party837": Party837, "envelope": Envelope, "claim": Claim,
              "payer": Payer, "provider": Provider, "party": Party, "address": Address,
              "line": ServiceLine, "original": OriginalSegments, "segment": OriginalSegment}
    for layout, model in models.items():
        computed = {name for name, attr in vars(model).items()
                    if isinstance(getattr(attr, "decorator_info", None), ComputedFieldInfo)}
        fields = {f.name for f in dataclasses.fields(model)} | computed
        assert {attr for _, attr, _ in LAYOUTS[layout]} == fields, layout


def test_edited_line_charge_keeps_written_total_for_the_balancing_rule(sample_batch) -> None:
    """A total that no longer matches the lines is kept as stated_total, and CK-B001 reports it."""
    import json
    from datetime import date

    from claimkit.claims_io import dump_claims, loads_claims
    from claimkit.rules.catalog import load_catalog
    from claimkit.rules.engine import Context, run

    load_catalog()
    xml_text = write_xml(sample_batch).replace("<charge>120.00</charge>", "<charge>100.00</charge>", 1)
    data = json.loads(dump_claims(sample_batch))
    data["claims"][0]["lines"][0]["charge"] = "100.00"
    for batch in (read_xml(xml_text.encode()), loads_claims(json.dumps(data))):
        claim = batch.claims[0]
        assert claim.total_charge == Decimal("155.50") and claim.stated_total == Decimal("175.50")
        found = list(run("claim", claim, Context(registry=None, today=date(2025, 2, 1))))
        assert "CK-B001" in {d.rule for d in found}
        assert batch.claims[1] == sample_batch.claims[1]  # untouched claims stay equal


def test_origins_point_findings_at_xml_lines(sample_batch) -> None:
    from claimkit.xml import read_xml_with_origins

    text = write_xml(sample_batch)
    batch, origins = read_xml_with_origins(text.encode(), file="c.xml")
    assert batch == sample_batch and len(origins) == 2
    src = text.splitlines()
    loc = origins[0].locate(2, "charge")
    assert (loc.file, loc.claim_id, loc.line, loc.field) == ("c.xml", "PT0001-20250110", 2, "charge")
    assert src[loc.row - 1].strip() == "<line>"
    assert "<number>2</number>" in src[loc.row]
    claim_loc = origins[1].locate(None, "diagnoses")
    assert src[claim_loc.row - 1].strip() == "<claim>" and "PT0002-20250110" in src[claim_loc.row]
