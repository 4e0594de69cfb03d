"""Small value types shared by session records and claims, and the two model styles.

Input records (session files, the practice configuration) are pydantic models on
:class:`Strict`: they are an edge, validated when read. Domain records (claims and what they
hold, see :mod:`claimkit.models.claim`) are plain slotted dataclasses that pydantic validates
and dumps only at the edges (:mod:`claimkit.models.edge`), with :data:`DOMAIN_CONFIG`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from claimkit.models.x12_limits import N301_MAX, N302_MAX, N401_MAX

# Unknown fields are errors (a typo must not vanish silently); text is trimmed.
DOMAIN_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Strict(BaseModel):
    """Base of the pydantic input models: unknown fields are errors."""

    model_config = DOMAIN_CONFIG


class Sex(str, Enum):
    """Administrative sex as claims carry it (M, F, U unknown)."""

    M = "M"
    F = "F"
    U = "U"


class Relationship(str, Enum):
    """Patient's relationship to the subscriber (mapped to X12 codes at the X12 edge)."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


def _strip_dash(v: object) -> object:
    return v.replace("-", "") if isinstance(v, str) else v


@dataclass(slots=True, kw_only=True)
class Address:
    """A postal address (N3/N4): street lines, city, state and 5- or 9-digit ZIP."""

    __pydantic_config__ = DOMAIN_CONFIG

    line1: Annotated[str, Field(min_length=1, max_length=N301_MAX)]
    line2: Annotated[str | None, Field(max_length=N302_MAX)] = None
    city: Annotated[str, Field(min_length=2, max_length=N401_MAX)]
    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    # 5 or 9 digits, no dash (a dash is taken out on input)
    zip: Annotated[str, BeforeValidator(_strip_dash), Field(pattern=r"^\d{5}(\d{4})?$")]
