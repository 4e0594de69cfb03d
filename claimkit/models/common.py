"""Small value types shared by session records and claims."""
from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    """Base: unknown fields are errors (a typo must not vanish silently)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Sex(str, Enum):
    M = "M"
    F = "F"
    U = "U"


class Relationship(str, Enum):
    """Patient's relationship to the subscriber (mapped to X12 codes at the X12 edge)."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


class Address(Strict):
    line1: str = Field(min_length=1, max_length=55)
    line2: str | None = Field(default=None, max_length=55)
    city: str = Field(min_length=2, max_length=30)
    state: str = Field(pattern=r"^[A-Z]{2}$")
    zip: str = Field(pattern=r"^\d{5}(\d{4})?$", description="5 or 9 digits, no dash")

    @field_validator("zip", mode="before")
    @classmethod
    def _strip_dash(cls, v: object) -> object:
        return v.replace("-", "") if isinstance(v, str) else v
