"""Content rules never raise on odd claims read from an 837P: random element values in the
segments the claim is built from give findings, never an exception (hypothesis)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimkit.errors import InputError
from claimkit.validate import validate_paths

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
