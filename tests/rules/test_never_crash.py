"""Content rules never raise on odd claims read from an 837P: random element values in the
segments the claim is built from give findings, never an exception (hypothesis)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.errors import InputError
from claimkit.models import edge
from claimkit.validation import validate_paths

REF = Path(__file__).resolve().parent / "data" / "837p_reference.x12"
SEGS = [s for s in REF.read_text().replace("\n", "").split("~") if s]
TARGETS = [i for i, s in enumerate(SEGS) if s.split("*", 1)[0] in
           ("CLM", "HI", "SV1", "DTP", "DMG", "NM1", "N3", "N4", "SBR", "PRV", "LX", "HL", "PAT")]
VALUE = st.one_of(
    st.sampled_from(["", "0", "-5", "1.5", "99999999", "20991231", "19000101", "ABC", "M54.5",
                     "1:2:3:4:5", "HC:97001", "ABK:7242", "BK:M5450", "00", "A", "9" * 40]),
    st.text(alphabet="0123456789ABCDEFXYZ.:-", max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(TARGETS), st.integers(1, 9), VALUE), min_size=1, max_size=4))
def test_mutated_reference_gives_findings_not_exceptions(edits, registry, tmp_path: Path) -> None:
    segs = list(SEGS)
    for index, element, value in edits:
        parts = segs[index].split("*")
        while len(parts) <= element:
            parts.append("")
        parts[element] = value.replace("*", "").replace("~", "")
        segs[index] = "*".join(parts)
    path = tmp_path / "mutated.x12"
    path.write_text("~\n".join(segs) + "~\n")
    try:
        result = validate_paths([path], registry=registry, today=date(2024, 2, 1), keep_claims=True)
    except InputError:
        return  # unusable input is a clear exit-2 error, not a crash
    for d in result.diagnostics:
        assert d.rule and d.message and d.location.file == str(path)


def test_codes_sent_with_spaces_or_lower_case_give_findings(gen837, registry, tmp_path: Path
                                                          ) -> None:
    """SV101-2 as sent (" 97140", "g0283"): the NCCI rules match the registry's normalised
    codes instead of raising (a generator once raised StopIteration here)."""
    segs = list(gen837.segments(1))
    sv1 = [i for i, s in enumerate(segs) if s.startswith("SV1*")]
    segs[sv1[0]] = "SV1*HC: 97140:GP*55*UN*1***1"
    segs[sv1[1]] = "SV1*HC:97124:GP*48*UN*1***1"
    segs[sv1[2]] = "SV1*HC:g0283:GP*20*UN*1***1"
    clm = next(i for i, s in enumerate(segs) if s.startswith("CLM*"))
    parts = segs[clm].split("*")
    parts[2] = str(55 + 48 + 20 + sum(int(segs[i].split("*")[2]) for i in sv1[3:]))
    segs[clm] = "*".join(parts)
    path = tmp_path / "spaced.x12"
    path.write_text("".join(s + "~\n" for s in segs))
    result = validate_paths([path], registry=registry, today=date(2024, 6, 5))
    ncci = [d for d in result.diagnostics if d.rule == "CK-T004"]
    assert [dict(d.values)["column2"] for d in ncci] == ["97124"], result.diagnostics


def test_rules_without_a_registry_give_no_code_findings_and_never_raise() -> None:
    """With no codeset registry (library use) the code-set rules have nothing to consult: no
    finding from them, and no AttributeError (CK-T007 once asked the missing registry)."""
    from claimkit.models.claim import Claim
    from claimkit.rules.catalog import load_catalog
    from claimkit.rules.engine import Context, run

    load_catalog()
    claim = edge.validate(Claim, {
        "claim_id": "NOREG-1", "payer": {"name": "P", "payer_id": "P1"},
        "billing_provider": {"npi": "1234567893", "last_name": "CLINIC", "is_organization": True,
                             "taxonomy": "225100000X"},
        "subscriber": {"last_name": "DOE", "member_id": "M1"}, "place_of_service": "11",
        "diagnoses": ["M5450"],
        "lines": [{"number": 1, "code": "97110", "charge": "40", "units": 1, "pointers": [1],
                   "date_of_service": "2024-04-02"}],  # no GP: would need the registry
    })
    found = list(run("claim", claim, Context(registry=None, today=date(2024, 6, 5))))
    assert not [d for d in found if d.rule in ("CK-T007", "CK-C002", "CK-C005")], found
