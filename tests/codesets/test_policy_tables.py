"""The payer-policy code sets (claimkit.codesets.policy): answered by date of service."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

# CMS annual per-beneficiary therapy amounts (KX modifier thresholds), checked against CMS CRs
# and MAC notices (codesets/sources.json): the table must say the same.
KX = {2018: "2010", 2019: "2040", 2020: "2080", 2021: "2110", 2022: "2150", 2023: "2230",
      2024: "2330", 2025: "2410", 2026: "2480"}


@pytest.mark.parametrize("year,amount", sorted(KX.items()))
def test_kx_threshold_by_year(registry, year, amount):
    for on in (date(year, 1, 1), date(year, 12, 31)):
        [row] = registry.policy("therapy-threshold", str(year), on)
        assert Decimal(row["amount"]) == Decimal(amount)


def test_kx_threshold_is_not_carried_into_a_year_without_an_amount(registry):
    assert registry.policy("therapy-threshold", "2027", date(2027, 3, 1)) is None
    assert registry.policy("therapy-threshold", "2017", date(2017, 3, 1)) is None
    assert registry.policy("therapy-threshold", "2024", date(2025, 3, 1)) == []  # a year's row only for that year


def test_addon_primaries_by_date(registry):
    assert registry.policy("addon", "97551", date(2023, 12, 31)) == []  # 97550/97551 are 2024 codes
    [row] = registry.policy("addon", "97551", date(2024, 1, 1))
    assert row["primaries"].split() == ["97550"]
    assert registry.policy("addon", "97110", date(2024, 1, 1)) == []


def test_every_addon_code_of_the_procedure_table_names_its_primary(registry):
    """The procedure table's add-on codes (time model 'addon') and the add-on table agree."""
    from claimkit.codesets.dated import DatedTable

    on = date(2026, 6, 1)
    procedure = registry.table(registry.release_for("procedure", on))
    assert isinstance(procedure, DatedTable)
    addons = {code for code, row in procedure.rows.items() if row.get("time_model") == "addon"}
    assert addons and all(registry.policy("addon", code, on) for code in addons)


def test_telehealth_list_from_the_phe(registry):
    assert registry.policy("telehealth", "97110", date(2020, 2, 29), "procedure") == []
    assert registry.policy("telehealth", "97110", date(2020, 3, 1), "procedure")
    assert registry.policy("telehealth", "97140", date(2024, 6, 1), "procedure") == []
    assert registry.policy("telehealth", "10", date(2021, 12, 31), "pos") == []  # POS 10 from 2022
    assert registry.policy("telehealth", "10", date(2022, 1, 1), "pos")
    assert registry.policy("telehealth", "95", date(2024, 6, 1), "modifier")
    assert registry.policy("telehealth", "11", date(2024, 6, 1), "pos") == []


def test_therapy_roles(registry):
    on = date(2025, 1, 1)
    assert [r["value"] for r in registry.policy("therapy-roles", "225200000X", on, "taxonomy")] == ["CQ"]
    assert [r["value"] for r in registry.policy("therapy-roles", "224Z00000X", on, "taxonomy")] == ["CO"]
    assert registry.policy("therapy-roles", "225100000X", on, "taxonomy") == []
    roles = {r["role"]: r["value"] for r in registry.policy("therapy-roles", "99406", on, "procedure")}
    assert roles == {"minutes": "4-10", "qualified-practitioner": ""}
