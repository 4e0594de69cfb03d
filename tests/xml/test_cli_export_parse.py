"""`claimkit export` and `claimkit parse` end to end: formats agree, bad input exits 2, no leftovers."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from claimkit.claims_io import dump_claims
from claimkit.cli.app import app

runner = CliRunner()
TS = "2026-01-05T09:30"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def claims_json(tmp_path, demo_batches):
    path = tmp_path / "claims.json"
    path.write_text(dump_claims(demo_batches["sessions.jsonl"]))
    return path


def test_json_to_xml_to_x12_agree(tmp_path, claims_json, xsd, pyx12_check) -> None:
    xml_out, x12_a, x12_b = tmp_path / "c.xml", tmp_path / "a.x12", tmp_path / "b.x12"
    res = invoke("export", claims_json, "--to", "xml", "-o", xml_out)
    assert res.exit_code == 0, res.stderr
    assert xsd.validate(etree.parse(str(xml_out))), xsd.error_log
    for src, out in ((claims_json, x12_a), (xml_out, x12_b)):
        res = invoke("export", src, "--to", "x12", "-o", out, "--timestamp", TS, "--control-number", 17)
        assert res.exit_code == 0, res.stderr
    assert x12_a.read_bytes() == x12_b.read_bytes()
    assert pyx12_check(x12_a) == (True, [])
    res = invoke("export", xml_out, "--to", "json")
    assert json.loads(res.stdout) == json.loads(claims_json.read_text())


def test_837_to_claims_to_837_same_bytes_via_cli(tmp_path, claims_json) -> None:
    first, parsed, again = tmp_path / "1.x12", tmp_path / "p.xml", tmp_path / "2.x12"
    assert invoke("export", claims_json, "--to", "x12", "-o", first, "--timestamp", TS,
                  "--control-number", 321).exit_code == 0
    res = invoke("parse", first, "--to", "xml", "-o", parsed)
    assert res.exit_code == 0, res.stderr
    assert "parsed 40 claim(s)" in res.stderr
    assert invoke("export", parsed, "--to", "x12", "-o", again, "--timestamp", TS,
                  "--control-number", 321).exit_code == 0
    assert again.read_bytes() == first.read_bytes()


def test_reference_837_exports_to_valid_xml(public_data, xsd) -> None:
    res = invoke("export", public_data / "x12" / "837p_reference.x12", "--to", "xml")
    assert res.exit_code == 0, res.stderr
    doc = etree.fromstring(res.stdout.encode())
    assert xsd.validate(doc), xsd.error_log
    ns = {"ck": "urn:claimkit:claims:1.0"}
    assert [e.text for e in doc.findall("ck:claims/ck:claim/ck:claimId", ns)] == [
        "PT0001-20240110", "PT0002-20240111"]


def test_control_file_gives_each_export_new_numbers(tmp_path, claims_json) -> None:
    control = tmp_path / "control.json"
    isa13 = []
    for _ in range(3):
        res = invoke("export", claims_json, "--to", "x12", "--control-file", control, "--timestamp", TS)
        assert res.exit_code == 0, res.stderr
        isa = res.stdout.split("~")[0].split("*")
        gs = res.stdout.split("~")[1].strip().split("*")
        isa13.append((isa[13], gs[6]))
    assert isa13 == [("000000001", "1"), ("000000002", "2"), ("000000003", "3")]


def test_two_concurrent_exports_never_share_isa13(tmp_path, claims_json) -> None:
    control = tmp_path / "control.json"
    script = Path(sys.executable).parent / "claimkit"  # the installed console script
    cmd = [str(script), "export", str(claims_json), "--to", "x12", "--control-file", str(control), "--timestamp", TS]
    procs = [subprocess.Popen(cmd + ["-o", str(tmp_path / f"{i}.x12")], stderr=subprocess.PIPE, cwd=tmp_path)
             for i in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    isa13 = {(tmp_path / f"{i}.x12").read_text().split("~")[0].split("*")[13] for i in range(2)}
    assert isa13 == {"000000001", "000000002"}


def test_envelope_from_config_when_the_claims_file_has_none(tmp_path, claims_json, demo_dir) -> None:
    data = json.loads(claims_json.read_text())
    for key in ("submitter", "receiver", "envelope"):
        del data[key]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data))
    res = invoke("export", bare, "--to", "xml")
    assert res.exit_code == 2 and str(bare) in res.stderr and "submitter" in res.stderr
    res = invoke("export", bare, "--to", "x12", "--config", demo_dir / "claimkit.toml", "--timestamp", TS)
    assert res.exit_code == 0, res.stderr
    isa = res.stdout.split("~")[0].split("*")
    assert (isa[5], isa[6].strip(), isa[8].strip()) == ("ZZ", "RBMPT0001", "DEMOCH01")  # ISA06/ISA08 from config


def test_hostile_xml_exits_2_and_writes_nothing(tmp_path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                    '<claimBatch xmlns="urn:claimkit:claims:1.0" version="1.0">&e;</claimBatch>')
    out = tmp_path / "out.x12"
    res = invoke("export", evil, "--to", "x12", "-o", out)
    assert res.exit_code == 2
    assert "evil.xml" in res.stderr and "DOCTYPE" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["evil.xml"]


def test_bad_claims_json_names_file_and_field(tmp_path, claims_json) -> None:
    data = json.loads(claims_json.read_text())
    data["claims"][2]["lines"][0]["units"] = "many"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    res = invoke("export", bad, "--to", "xml")
    assert res.exit_code == 2
    assert "bad.json" in res.stderr and "claims[3].lines[1].units: expected a whole number of units" in res.stderr
    assert data["claims"][2]["claim_id"] in res.stderr


def test_parse_reports_unrepresentable_claims_and_keeps_the_rest(tmp_path, public_data) -> None:
    src = (public_data / "x12" / "837p_reference.x12").read_text()
    broken = tmp_path / "broken.x12"
    broken.write_text(src.replace("N4*CHAMPAIGN*IL*61820~", "N4**IL*61820~"))  # 2nd subscriber: no city
    res = invoke("parse", broken, "--to", "json")
    assert res.exit_code == 1
    assert "claim PT0002-20240111 not written" in res.stderr and "city" in res.stderr
    assert [c["claim_id"] for c in json.loads(res.stdout)["claims"]] == ["PT0001-20240110"]


def test_parse_refuses_non_x12(tmp_path, claims_json) -> None:
    res = invoke("parse", claims_json)
    assert res.exit_code == 2 and "not an X12 file" in res.stderr
