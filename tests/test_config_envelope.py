"""The configuration's envelope IDs and contact phones (issue 12: a 17-character sender ID made
a 108-character ISA; the submitter PER phone was copied verbatim)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claimkit.cli.app import app
from claimkit.config import phone_number

runner = CliRunner()


def _config(tmp_path, demo_dir, *swaps: tuple[str, str]):
    text = (demo_dir / "claimkit.toml").read_text()
    for old, new in swaps:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "claimkit.toml"
    path.write_text(text)
    return path


def _sessions(tmp_path, demo_dir):
    src = tmp_path / "s.jsonl"
    src.write_text("".join((demo_dir / "sessions.jsonl").read_text().splitlines(True)[:2]))
    return src


def _build(tmp_path, demo_dir, cfg):
    out = tmp_path / "out.x12"
    res = runner.invoke(app, ["build", str(_sessions(tmp_path, demo_dir)), "-c", str(cfg),
                              "-o", str(out), "--timestamp", "2026-01-05T09:30"])
    return res, out


@pytest.mark.parametrize("text, want", [
    ("2175550100", ("2175550100", None)),
    ("(217) 555-0100 x12", ("2175550100", "12")),
    ("217.555.0100 ext. 7", ("2175550100", "7")),
    ("+1 217 555 0100", ("2175550100", None)),
    ("217-555-0100 extension 345", ("2175550100", "345")),
    ("555-0100", None),  # no area code
    ("call the office", None),
    ("2175550100x", None),
    ("1175550100", None),  # NANP: no area code starts with 1
    ("217５550100", None),  # a full-width digit is no ASCII digit
    ("billing@riverbend.example", None),
])
def test_phone_number(text, want):
    assert phone_number(text) == want


def test_submitter_phone_is_digits_with_the_extension_in_ex(tmp_path, demo_dir, pyx12_check):
    cfg = _config(tmp_path, demo_dir, ('phone = "2175550100"', 'phone = "(217) 555-0100 x12"'),
                  ('phone = "2175550111"', 'phone = "217.555.0111 ext 7"'))
    res, out = _build(tmp_path, demo_dir, cfg)
    assert res.exit_code == 0, res.stderr
    pers = [s.strip() for s in out.read_text().split("~") if s.strip().startswith("PER")]
    assert pers == ["PER*IC*BILLING OFFICE*TE*2175550100*EX*12*EM*billing@riverbend.example",
                    "PER*IC*RIVERBEND MASSAGE AND PT*TE*2175550111*EX*7"]
    assert pyx12_check(out) == (True, [])
    assert runner.invoke(app, ["validate", str(out), "-c", str(cfg)]).exit_code == 0
    # the claims JSON and XML keep the extension too
    res = runner.invoke(app, ["build", str(_sessions(tmp_path, demo_dir)), "-c", str(cfg), "--to", "json"])
    data = json.loads(res.stdout)
    assert data["submitter"]["phone"] == "2175550100" and data["submitter"]["phone_extension"] == "12"
    assert data["claims"][0]["billing_provider"]["phone_extension"] == "7"


def test_xml_carries_the_extension_and_validates(tmp_path, demo_dir):
    from pathlib import Path

    from lxml import etree

    import claimkit.xml as ckxml

    cfg = _config(tmp_path, demo_dir, ('phone = "2175550100"', 'phone = "(217) 555-0100 x12"'))
    out = tmp_path / "c.xml"
    res = runner.invoke(app, ["build", str(_sessions(tmp_path, demo_dir)), "-c", str(cfg),
                              "--to", "xml", "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    schema = etree.XMLSchema(etree.parse(str(next(Path(ckxml.__file__).parent.glob("schema/*.xsd")))))
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log
    assert doc.xpath("//*[local-name()='phoneExtension']/text()") == ["12"]


@pytest.mark.parametrize("key, old, new", [
    ("submitter.phone", 'phone = "2175550100"', 'phone = "call the office"'),
    ("billing_provider.phone", 'phone = "2175550111"', 'phone = "555-0111"'),
])
def test_a_phone_that_is_no_phone_is_a_config_error(tmp_path, demo_dir, key, old, new):
    res, out = _build(tmp_path, demo_dir, _config(tmp_path, demo_dir, (old, new)))
    assert res.exit_code == 2 and not out.exists()
    assert f"{key}: " in res.stderr and "is not a phone number" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("old, new, message", [
    ('sender_id = "RBMPT0001"', 'sender_id = "RBMPT0001ABCDEFGH"',
     "envelope.sender_id: 'RBMPT0001ABCDEFGH' has 17 characters; ISA06 (Interchange Sender ID) takes at most 15"),
    ('receiver_id = "DEMOCH01"', 'receiver_id = "DEMOCLEARINGHOUSE"',
     "envelope.receiver_id: 'DEMOCLEARINGHOUSE' has 17 characters; ISA08 (Interchange Receiver ID) takes at most 15"),
    ('receiver_id = "DEMOCH01"', 'receiver_id = "DEMOCH01"\ngs_receiver = "D"',
     "envelope.gs_receiver: 'D' has 1 characters; GS03 (Application Receiver's Code) takes 2 to 15"),
    ('receiver_id = "DEMOCH01"', 'receiver_id = "DEMOCH01"\nsender_qualifier = "99"',
     "envelope.sender_qualifier: '99' is not an ISA05 qualifier"),
])
def test_envelope_ids_that_do_not_fit_are_config_errors(tmp_path, demo_dir, old, new, message):
    res, out = _build(tmp_path, demo_dir, _config(tmp_path, demo_dir, (old, new)))
    assert res.exit_code == 2 and not out.exists(), res.stderr
    assert message in res.stderr.replace("\n", " "), res.stderr


def test_a_15_character_sender_id_makes_a_106_character_isa(tmp_path, demo_dir, pyx12_check):
    cfg = _config(tmp_path, demo_dir, ('sender_id = "RBMPT0001"', 'sender_id = "RBMPT0001ABCDEF"'))
    res, out = _build(tmp_path, demo_dir, cfg)
    assert res.exit_code == 0, res.stderr
    text = out.read_text()
    assert text.index("~") + 1 == 106 and "*RBMPT0001ABCDEF*" in text
    assert pyx12_check(out) == (True, [])


def test_an_npi_of_non_ascii_digits_is_a_config_error(tmp_path, demo_dir):
    """Unicode digits match a regex's \\d; an NPI is ten ASCII digits (NM1-09)."""
    res, out = _build(tmp_path, demo_dir, _config(
        tmp_path, demo_dir, ('npi = "1234567893"', 'npi = "123456789\u0663"')))
    assert res.exit_code == 2 and not out.exists()
    assert "billing_provider.npi" in res.stderr
