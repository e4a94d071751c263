"""When a note's concern happened, as the scheme thinks about it: the local hour and the light.

The hour is London's clock hour (Europe/London: GMT in winter, BST in summer,
so 00:30 UTC on a summer night is hour 1). The light comes from the sun's
elevation over central London at that moment, computed by astral (refraction
included): daylight while the sun's upper edge is above the horizon (elevation
above -0.833 degrees, the usual sunrise and sunset definition), civil twilight
down to 6 degrees below it, dark beyond. Times are UTC without a zone, as the
store keeps them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Light = Literal["daylight", "twilight", "dark"]
LIGHTS: tuple[str, ...] = get_args(Light)
HOURS = range(24)
LONDON_LATITUDE, LONDON_LONGITUDE = 51.5074, -0.1278  # Charing Cross
SUNRISE_ELEVATION = -0.833  # degrees: the sun's upper limb on the horizon, with refraction
CIVIL_TWILIGHT_ELEVATION = -6.0


@lru_cache(maxsize=1)
def _london() -> ZoneInfo:
    return ZoneInfo("Europe/London")


def local_hour(moment: datetime) -> int:
    """London's clock hour (0-23) at a UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(_london()).hour


def local_date(moment: datetime) -> date:
    """London's calendar date at a UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(_london()).date()


def light_at(moment: datetime) -> Light:
    """Daylight, civil twilight or dark over London at a UTC moment."""
    from astral import Observer  # a small library, loaded on first use
    from astral.sun import elevation

    sun = elevation(Observer(LONDON_LATITUDE, LONDON_LONGITUDE), moment.replace(tzinfo=UTC))
    if sun > SUNRISE_ELEVATION:
        return "daylight"
    if sun > CIVIL_TWILIGHT_ELEVATION:
        return "twilight"
    return "dark"
