"""Practice configuration tables for claim data beyond the simplest claim (issue 12).

``[referring_providers.KEY]``: physicians who refer or certify plans of care (2310A NM1*DN);
``[facilities.KEY]``: places of service other than the billing provider's address (2310C).
Sessions name them by key (``referring_provider = "KEY"``, ``service_facility = "KEY"``) or give
them inline. Kept apart from claimkit/config.py, which only wires them into ``Practice``.
"""
from __future__ import annotations

from pydantic import Field

from claimkit.models.claim_parts import Facility
from claimkit.models.common import Strict


class ReferringProviderConfig(Strict):
    """A referring or certifying physician (NPI, name; TR3 2310A)."""

    npi: str = Field(pattern=r"^\d{10}$")
    last_name: str = Field(min_length=1, max_length=60)
    first_name: str | None = Field(default=None, max_length=35)


class FacilityConfig(Facility):
    """A service facility location (TR3 2310C): name, optional NPI, address."""
