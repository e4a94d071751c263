"""What a walk looks like on the way in and out."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.validation import Moment, UtcTime

COLLAR = re.compile(r"^[A-Za-z]{0,4} ?\d{1,6}$")  # "2231", "PC 2231", "CX1234"


class WalkIn(BaseModel):
    """A walk: where and when, the route, the officers by collar number, how many took part."""

    model_config = ConfigDict(extra="forbid")

    bcu: str = Field(max_length=40)
    borough: str | None = Field(default=None, max_length=60)
    starts_at: Moment
    ends_at: Moment
    route: list[str] = Field(
        default_factory=list, max_length=30, description="Places walked, in order."
    )
    officers: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Collar numbers (such as '2231' or 'PC 2231'), never names.",
    )
    participants: int = Field(ge=0, le=500, description="How many took part; never who.")

    @field_validator("route")
    @classmethod
    def _places(cls, places: list[str]) -> list[str]:
        for place in places:
            if not place.strip() or len(place) > 100:
                raise ValueError("each place must be 1 to 100 characters")
            if any(unicodedata.category(ch) == "Cc" for ch in place):
                raise ValueError("must not contain control characters")
        return [place.strip() for place in places]

    @field_validator("officers")
    @classmethod
    def _collars(cls, officers: list[str]) -> list[str]:
        if any(not COLLAR.match(officer.strip()) for officer in officers):
            raise ValueError("give collar numbers (digits, optionally after a rank such as PC)")
        return [officer.strip() for officer in officers]

    @model_validator(mode="after")
    def _in_order(self) -> WalkIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class WalkOut(BaseModel):
    id: int
    bcu: str
    borough: str | None
    day: date
    starts_at: UtcTime
    ends_at: UtcTime
    route: list[str]
    officers: list[str]
    participants: int
    notes: int = Field(description="Notes attached to the walk.")
    themes: dict[str, int] = Field(description="Notes per effective theme.")


class WalkPage(BaseModel):
    walks: list[WalkOut]
