"""Property: a file `claimkit build` writes never fails `claimkit validate` (issue 12, d.3).

Generated practices and sessions include wrong NPI check digits (billing and rendering),
5-digit ZIPs, long session IDs, many lines and modifiers. For every input:

* if `build --clean-only` writes a file, `validate out.x12` reports no error-level finding;
* per claim, the error rules `validate sessions` reports equal those `validate out.x12`
  reports for the same claim written to an 837P, except the rules only the session record can
  show (the builder's own CK-U rules: repeats, units from minutes, fees), which the 837P does
  not carry.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from claimkit.cli.app import app

runner = CliRunner()

GOOD_NPIS = ("1679576722", "1245319599", "1003000126")
BAD_NPIS = ("1679576723", "1245319590", "1003000127")
CODES = ("97110", "97112", "97116", "97140", "97530", "97035", "97161", "G0283", "97124", "97016")
MODIFIERS = ("59", "KX", "XU", "76", "GP", "CQ", "XS", "25")
TAXONOMIES = ("225100000X", "225X00000X", "225700000X")


# Rules that judge the documented minutes, which sessions carry and an 837P does not (SV1 has
# units only): validate sees them from sessions, never from the X12.
MINUTES_RULES = frozenset({"CK-T011", "CK-T017"})

def _with_check_digit(body9: str) -> str:
    """A 10-digit NPI with its Luhn check digit (prefix 80840, as NPPES computes it)."""
    digits = [int(c) for c in "80840" + body9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body9 + str((10 - total % 10) % 10)


npis = st.one_of(st.sampled_from(GOOD_NPIS + BAD_NPIS),
                 st.from_regex(r"^[12][0-9]{8}$", fullmatch=True).map(_with_check_digit))
zips = st.sampled_from(["62704", "627041234", "62704-1234", "60601"])
ids = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=28)


@st.composite
def services(draw):
    code = draw(st.sampled_from(CODES))
    svc = {"code": code}
    if draw(st.booleans()):
        svc["minutes"] = draw(st.integers(0, 75))
    else:
        svc["units"] = draw(st.integers(1, 4))
    svc["modifiers"] = draw(st.lists(st.sampled_from(MODIFIERS), max_size=4, unique=True))
    return svc


@st.composite
def sessions(draw):
    n = draw(st.integers(1, 4))
    out = []
    for k in range(n):
        rp = draw(st.one_of(st.sampled_from(["rivera", "okafor", "lind"]), st.fixed_dictionaries({
            "npi": npis, "last_name": st.just("DOE"), "first_name": st.just("JO"),
            "taxonomy": st.sampled_from(TAXONOMIES)})))
        out.append({
            "session_id": draw(ids) + f"{k}",
            "date_of_service": (date(2025, 1, 6) + timedelta(days=draw(st.integers(0, 300)))).isoformat(),
            "payer": draw(st.sampled_from(["medicare", "lakeshore"])),
            "rendering_provider": rp,
            "patient": {"id": f"P{draw(st.integers(1, 3))}", "last_name": "TESTER",
                        "first_name": "ANA", "birth_date": "1950-01-01", "sex": "F",
                        "member_id": "1EG4TE5MK72",
                        "address": {"line1": "1 A ST", "city": "SPRINGFIELD", "state": "IL",
                                    "zip": draw(zips)}},
            "diagnoses": draw(st.lists(st.sampled_from(["M54.50", "M62.81", "M25.561", "S83.511D"]),
                                       min_size=1, max_size=3, unique=True)),
            "services": draw(st.lists(services(), min_size=1, max_size=8)),
        })
    return out


@st.composite
def practices(draw):
    # the billing NPI is never a rendering provider's: a claim whose rendering NPI is the
    # billing NPI has no 2310B, so the 837P cannot show that provider's taxonomy
    billing = draw(st.sampled_from(["1234567893", "1234567894"]))
    return {"billing_npi": billing, "billing_zip": draw(st.sampled_from(["62701-1234", "62701"])),
            "rivera_npi": draw(npis)}


def _config(tmp, demo_dir, p) -> str:
    text = (demo_dir / "claimkit.toml").read_text()
    text = text.replace('npi = "1234567893"', f'npi = "{p["billing_npi"]}"', 1)
    text = text.replace('zip = "62701-1234"', f'zip = "{p["billing_zip"]}"', 1)
    text = text.replace('npi = "1679576722"', f'npi = "{p["rivera_npi"]}"', 1)
    path = tmp / "claimkit.toml"
    path.write_text(text)
    return str(path)


def _errors_by_claim(res) -> dict[str | None, set[str]]:
    out: dict[str | None, set[str]] = {}
    for f in json.loads(res.stdout)["findings"]:
        if f["severity"] == "error":
            out.setdefault(f.get("location", {}).get("claim_id"), set()).add(f["rule"])
    return out


# No shrinking phase: each example runs four commands, and shrinking one took minutes; the
# failing input is printed whole instead.
@settings(max_examples=50, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recs=sessions(), p=practices())
def test_a_built_file_never_fails_validate(tmp_path_factory, demo_dir, recs, p):
    from claimkit.builder import build_claims
    from claimkit.codesets import default_registry
    from claimkit.config import load_practice
    from claimkit.loaders import load_sessions
    from claimkit.models.claim import ClaimBatch
    from claimkit.x12.writer import write_837

    tmp = tmp_path_factory.mktemp("prop")
    cfg = _config(tmp, demo_dir, p)
    src = tmp / "s.json"
    src.write_text(json.dumps(recs))
    out = tmp / "out.x12"
    build = runner.invoke(app, ["build", str(src), "-c", cfg, "-o", str(out), "--clean-only",
                                "--timestamp", "2026-01-05T09:30"])
    assert build.exit_code in (0, 1), build.stderr
    assert "Traceback" not in build.stderr
    if out.exists():
        res = runner.invoke(app, ["validate", str(out), "-c", cfg, "-f", "json"])
        errors = {r for rules in _errors_by_claim(res).values() for r in rules}
        assert not errors, (errors, build.stderr)
    else:
        assert build.exit_code == 1

    # every built claim, written whether clean or not: what validate says of it as an 837P
    # equals what validate says of the sessions, the session-only (builder) rules aside
    sessions_res = runner.invoke(app, ["validate", str(src), "-c", cfg, "-f", "json"])
    by_sessions = _errors_by_claim(sessions_res)
    practice = load_practice(cfg)
    built = build_claims(load_sessions(src), practice, default_registry())
    if not built.claims:  # an 837P without claims is not a valid 837P: there is nothing to compare
        return
    every = tmp / "every.x12"
    every.write_text(write_837(ClaimBatch(submitter=practice.submitter, receiver=practice.receiver,
                                          envelope=practice.envelope, claims=built.claims),
                               isa_control=1, gs_control=1, now=datetime(2026, 1, 5, 9, 30)))
    by_x12 = _errors_by_claim(runner.invoke(app, ["validate", str(every), "-c", cfg, "-f", "json"]))
    for claim in built.claims:
        cid = claim.claim_id
        from_sessions = {r for r in by_sessions.get(cid, set())
                         if not r.startswith("CK-U") and r not in MINUTES_RULES}
        assert from_sessions == by_x12.get(cid, set()), (cid, from_sessions, by_x12.get(cid))
    # outside every claim (envelope, billing provider): the same rules both ways
    x12_outside = by_x12.get(None, set())
    sessions_outside = {r for r in by_sessions.get(None, set())
                        if not r.startswith("CK-U") and r not in MINUTES_RULES}
    assert sessions_outside == x12_outside
