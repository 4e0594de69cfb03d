"""Fixtures for the XML tests: the shipped XSD loaded by lxml directly, demo and sample batches."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from lxml import etree


@pytest.fixture(scope="session")
def xsd() -> etree.XMLSchema:
    """The XSD as shipped inside the installed package, compiled by lxml (not via claimkit)."""
    path = resources.files("claimkit.xml") / "schema" / "claimkit-claims-1.0.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="session")
def demo_batches(demo_dir, registry, demo_practice):
    """One batch per demo session file (every demo fixture)."""
    from claimkit.builder import build_claims
    from claimkit.loaders import load_sessions
    from claimkit.pipeline import make_batch

    out = {}
    for name in ("sessions.jsonl", "sessions.csv"):
        res = build_claims(load_sessions(demo_dir / name), demo_practice, registry)
        out[name] = make_batch(demo_practice, res.claims)
    return out


@pytest.fixture()
def sample_batch():
    """A small hand-made batch: a self-pay claim and a dependent's claim with every field set."""
    from claimkit.models.claim import Claim, ClaimBatch, Envelope, Party, Party837, Payer, Provider, ServiceLine
    from claimkit.models.common import Address, Relationship, Sex

    home = Address(line1="456 OAK AVENUE", line2="APT 2", city="SPRINGFIELD", state="IL", zip="62704")
    bp = Provider(npi="1234567893", last_name="WELLNESS THERAPY GROUP", is_organization=True,
                  taxonomy="225100000X", ein="371234567", phone="2175550111",
                  address=Address(line1="123 MAIN STREET", city="SPRINGFIELD", state="IL", zip="627011234"))
    sub = Party(last_name="DOE", first_name="JOHN", middle_name="A", birth_date=date(1980, 3, 15),
                sex=Sex.M, address=home, member_id="W123456789", group_number="GRP12345")
    kid = Party(last_name="DOE", first_name="JANE", birth_date=date(2012, 6, 1), sex=Sex.F, address=home)
    line = lambda n, code, mods, charge, units, ptr, **kw: ServiceLine(  # noqa: E731
        number=n, code=code, modifiers=mods, charge=Decimal(charge), units=units, pointers=ptr,
        date_of_service=date(2025, 1, 10), **kw)
    payer = Payer(key="ehp", name="EXAMPLE HEALTH PLAN", payer_id="EHP01", unit_rule="cms")
    claims = [
        Claim(claim_id="PT0001-20250110", session_ids=["S1"], payer=payer, billing_provider=bp,
              rendering_provider=Provider(npi="1679576722", last_name="RIVERA", first_name="MARIA",
                                          taxonomy="225100000X"),
              subscriber=sub, place_of_service="11", diagnoses=["M5450", "M6281", "S39012A"],
              lines=[line(1, "97110", ["GP"], "120.00", 2, [1, 2], minutes=30),
                     line(2, "97140", ["GP", "59"], "55.5", 1, [1, 3], minutes=10, place_of_service="02")],
              codeset_releases={"icd10cm": "FY2025", "procedure": "2025"},
              documented_minutes={"97110": 30, "97140": 10}),
        Claim(claim_id="PT0002-20250110", payer=payer, billing_provider=bp, subscriber=sub,
              patient=kid, relationship=Relationship.CHILD, place_of_service="11",
              diagnoses=["M25511"], lines=[line(1, "97124", [], "95", 2, [1])],
              stated_total=Decimal("100"), diagnosis_qualifiers=["ABK"], split="1/2"),
    ]
    return ClaimBatch(
        submitter=Party837(name="CLAIMKIT BILLING SERVICE", id="CKSUB001", contact_name="JANE SMITH",
                           phone="2175550100", email="BILLING@EXAMPLE.COM"),
        receiver=Party837(name="ACME CLEARINGHOUSE", id="ACMECLEARING"),
        envelope=Envelope(sender_id="CLAIMKITSUB", receiver_id="ACMECLEARING", usage_indicator="P",
                          gs_sender="CKGS", ack_requested="1"),
        claims=claims)
