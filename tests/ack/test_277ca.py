"""277CA (005010X214): per claim accepted (A1:20) or rejected (A3 + status), checked with pyx12."""
from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from claimkit.ack import build_277ca
from claimkit.ack.status import TABLE, status_for
from claimkit.diagnostics import Diagnostic, Location, Severity
from claimkit.x12.reader import read_segments

NOW = datetime(2024, 1, 16, 9, 0)


def rows(text: str) -> list[list[str]]:
    return [[s.id, *s.elements] for s in read_segments(text.encode())]


def per_claim(text: str) -> dict[str, list[list[str]]]:
    """2200D STC and DTP segments keyed by the claim's TRN*2 (its CLM01) under an HL*..*PT."""
    out: dict[str, list[list[str]]] = {}
    level, current = "", None
    for r in rows(text):
        if r[0] == "HL":
            level, current = r[3], None
        elif r[0] == "TRN" and level == "PT":
            current = r[2]
            out[current] = []
        elif current is not None and r[0] in ("STC", "DTP"):
            out[current].append(r)
    return out


@pytest.fixture()
def reference_batch(public_data, tmp_path):
    from claimkit.claims_io import read_837_batch
    from claimkit.rules.engine import Context

    return read_837_batch(public_data / "x12" / "837p_reference.x12",
                          ctx=Context(registry=None, today=date(2024, 2, 1)))


def test_all_accepted(reference_batch, pyx12_text) -> None:
    text = build_277ca(reference_batch.ack_batch(), [], control=77, now=NOW, trace="000000101")
    ok, _ = pyx12_text(text)
    assert ok
    r = rows(text)
    assert r[1][1] == "HN" and r[1][8] == "005010X214"
    assert r[0][6].strip() == "ACMECLEARING" and r[0][8].strip() == "CLAIMKITSUB"
    claims = per_claim(text)
    assert list(claims) == ["PT0001-20240110", "PT0002-20240111"]
    assert claims["PT0001-20240110"][0][1:5] == ["A1:20", "20240116", "WQ", "305"]
    assert claims["PT0002-20240111"][1] == ["DTP", "472", "RD8", "20240111-20240118"]
    assert ["QTY", "90", "2"] in r and ["AMT", "YU", "592.5"] in r
    assert not any(x[0] == "QTY" and x[1] == "AA" for x in r)


def test_content_findings_reject_with_status_and_message(public_data, tmp_path, pyx12_text) -> None:
    """The full path: a balancing defect found by the validator rejects that claim only."""
    from claimkit.claims_io import read_837_batch
    from claimkit.codesets import default_registry
    from claimkit.rules.engine import Context
    from claimkit.validation import ClaimResult, Validator

    src = (public_data / "x12" / "837p_reference.x12").read_text()
    path = tmp_path / "unbalanced.x12"
    path.write_text(src.replace("CLM*PT0001-20240110*305*", "CLM*PT0001-20240110*300*"))
    registry = default_registry()
    diags = []
    for item in Validator(registry=registry, today=date(2024, 2, 1)).iter_file(path):
        diags.extend(item.diagnostics if isinstance(item, ClaimResult) else [item])
    batch = read_837_batch(path, ctx=Context(registry=registry, today=date(2024, 2, 1))).ack_batch()
    text = build_277ca(batch, diags, control=78, now=NOW)
    assert pyx12_text(text)[0]
    claims = per_claim(text)
    (stc,) = [s for s in claims["PT0001-20240110"] if s[0] == "STC"]
    assert stc[1] == "A3:400" and stc[3] == "U"  # 400: claim is out of balance
    assert stc[12].startswith("CK-B001 ") and "300" in stc[12]
    assert claims["PT0002-20240111"][0][1] == "A1:20"
    r = rows(text)
    assert ["QTY", "AA", "1"] in r and ["QTY", "90", "1"] in r


def test_several_findings_give_several_stc_and_no_phi(reference_batch, pyx12_text) -> None:
    batch = reference_batch.ack_batch()
    cid = batch.claims[1].claim_id
    member = batch.claims[1].subscriber.member_id
    diags = [
        Diagnostic("CK-D001", Severity.ERROR, "line 2 pointer 5 is past the 2 diagnoses: fix *pointer*~",
                   Location(claim_id=cid, line=2), slug="dx.pointer-out-of-range", level=2),
        Diagnostic("CK-C002", Severity.ERROR, "M545 is not billable on 2024-01-11",
                   Location(claim_id=cid), slug="dx.not-billable-on-dos", level=5),
        Diagnostic("CK-S002", Severity.ERROR, "subscriber address is missing",
                   Location(claim_id=cid), slug="party.subscriber-address", level=4),
        Diagnostic("CK-T014", Severity.WARNING, "duplicate line", Location(claim_id=cid),
                   slug="line.duplicate", level=6),
    ]
    text = build_277ca(batch, diags, control=79, now=NOW)
    assert pyx12_text(text)[0]
    stcs = [s for s in per_claim(text)[cid] if s[0] == "STC"]
    assert [s[1] for s in stcs] == ["A3:477", "A3:255", "A3:126:IL"]
    assert stcs[0][12] == "CK-D001 line 2 pointer 5 is past the 2 diagnoses fix pointer"
    stc12 = " ".join(s[12] for s in stcs)
    for person in (batch.claims[1].subscriber,):
        assert person.last_name not in stc12 and member not in stc12


def test_pyx12_is_a_real_oracle_for_277(reference_batch, pyx12_text) -> None:
    good = build_277ca(reference_batch.ack_batch(), [], control=80, now=NOW)
    assert pyx12_text(good)[0]
    assert not pyx12_text(good.replace("*TH~", "*XX~"))[0]  # BHT06 must be TH
    assert not pyx12_text(good.replace("STC*A1:20*20240116*WQ", "STC*A1:20*20240116*ZZ", 1))[0]


@pytest.mark.parametrize("rule,slug,level,expected", [
    ("CK-B001", "balance.claim-total", 3, ("A3", "400", None)),
    ("CK-D003", "dx.duplicate-pointer", 2, ("A3", "477", None)),
    ("CK-C001", "dx.format", 5, ("A3", "255", None)),
    ("CK-G010", "x12.npi-invalid", 2, ("A3", "562", "85")),
    ("CK-ZZZZ", "no.such-family", 3, ("A3", "400", None)),  # by SNIP level
    ("CK-ZZZZ", "no.such-family", 6, ("A3", "21", None)),  # default
])
def test_status_mapping(rule, slug, level, expected) -> None:
    s = status_for(Diagnostic(rule, Severity.ERROR, "m", slug=slug, level=level))
    assert (s.category, s.code, s.entity) == expected


def test_status_table_matches_the_rule_catalog() -> None:
    """Every rule ID and slug prefix in claim_status.csv names real rules (no dead rows)."""
    from claimkit.rules.catalog import load_catalog
    from claimkit.rules.engine import CATALOG

    load_catalog()
    with open(TABLE, newline="") as fh:
        table = list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))
    for row in table:
        kind, _, value = row["match"].partition(":")
        assert row["category"] == "A3" and row["status"].isdigit(), row
        if kind == "rule":
            assert value in CATALOG, row
        elif kind == "slug":
            assert any(r.slug.startswith(value) for r in CATALOG.values()), row
        elif kind == "level":
            assert value in {"1", "2", "3", "4", "5", "6", "7"}
        else:
            assert row["match"] == "default"


def test_acknowledge_from_a_file(public_data, tmp_path, pyx12_text) -> None:
    """One call per kind, as the validate command uses it; findings of other files are ignored."""
    from claimkit.ack import acknowledge

    src = public_data / "x12" / "837p_reference.x12"
    other = Diagnostic("CK-B001", Severity.ERROR, "x", Location(file="other.x12", claim_id="PT0001-20240110"),
                       slug="balance.claim-total", level=3)
    mine = Diagnostic("CK-B001", Severity.ERROR, "claim charge differs",
                      Location(file=str(src), claim_id="PT0002-20240111"), slug="balance.claim-total", level=3)
    ca = acknowledge(src, [other, mine], "277ca", control=5, now=NOW)
    assert pyx12_text(ca)[0]
    claims = per_claim(ca)
    assert claims["PT0001-20240110"][0][1] == "A1:20" and claims["PT0002-20240111"][0][1] == "A3:400"
    fa = acknowledge(src, [other, mine], "999", control=6, now=NOW)
    assert "IK5*A~" in fa and pyx12_text(fa)[0]  # content findings are not 999 business
    with pytest.raises(ValueError):
        acknowledge(src, [], "997", control=1, now=NOW)


def _variant(public_data, tmp_path, edit) -> tuple[object, list]:
    """The reference 837P changed by ``edit(lines) -> lines`` (SE01 recounted): its ack batch
    and the scan's findings."""
    from claimkit.claims_io import read_837_batch
    from claimkit.rules.engine import Context

    lines = edit((public_data / "x12" / "837p_reference.x12").read_text().splitlines())
    st = next(i for i, ln in enumerate(lines) if ln.startswith("ST*"))
    se = next(i for i, ln in enumerate(lines) if ln.startswith("SE*"))
    lines[se] = f"SE*{se - st + 1}*0001~"
    path = tmp_path / "variant.x12"
    path.write_text("\n".join(lines) + "\n")
    parsed = read_837_batch(path, ctx=Context(registry=None, today=date(2024, 2, 1)))
    return parsed.ack_batch(), parsed.diagnostics


def _no_lines_on_second_claim(lines: list[str]) -> list[str]:
    clm = next(i for i, ln in enumerate(lines) if ln.startswith("CLM*PT0002"))
    se = next(i for i, ln in enumerate(lines) if ln.startswith("SE*"))
    return lines[:clm + 2] + lines[se:]


@pytest.mark.parametrize("edit, claim, nm1, dtp", [
    # NM1*IL with an empty NM103 (last name): X214 2100D NM103 is Required
    (lambda ls: [ln.replace("NM1*IL*1*DOE*", "NM1*IL*1**") for ln in ls],
     "PT0001-20240110", ["NM1", "QC", "1", "UNKNOWN", "JOHN", "A", "", "", "MI", "W123456789"],
     None),
    # no member ID (NM108/NM109): both are Required in 2100D
    (lambda ls: [ln.replace("*A***MI*W123456789", "*A") for ln in ls],
     "PT0001-20240110", ["NM1", "QC", "1", "DOE", "JOHN", "A", "", "", "MI", "UNKNOWN"], None),
    # no DTP*472 anywhere: the BHT04 date stands in for the lines' dates (as the parser does)
    (lambda ls: [ln for ln in ls if not ln.startswith("DTP*472")],
     "PT0002-20240111", None, ["DTP", "472", "D8", "20240115"]),
    # a claim without lines: 2200D DTP*472 is Required, the received date stands in
    (_no_lines_on_second_claim, "PT0002-20240111", None, ["DTP", "472", "D8", "20240116"]),
], ids=["no-last-name", "no-member-id", "no-service-dates", "no-lines"])
def test_277ca_is_valid_without_names_or_dates(edit, claim, nm1, dtp, public_data, tmp_path,
                                               pyx12_text) -> None:
    batch, diags = _variant(public_data, tmp_path, edit)
    text = build_277ca(batch, diags, control=80, now=NOW, received=NOW.date())
    ok, theirs = pyx12_text(text)
    assert ok, [s for s in theirs.split("~") if s.strip().startswith(("IK3", "IK4"))]
    r = rows(text)
    if nm1 is not None:
        assert nm1 in r
    if dtp is not None:
        assert dtp in per_claim(text)[claim]
