"""London hour and light: the clock changes, and the sun at known moments."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.notes.daylight import LIGHTS, light_at, local_hour


@pytest.mark.parametrize(
    ("utc", "hour"),
    [
        ("2026-01-15T18:30", 18),  # GMT: London's clock is UTC
        ("2026-07-15T18:30", 19),  # BST: an hour ahead
        ("2026-03-29T00:30", 0),  # the spring change is at 01:00 UTC ...
        ("2026-03-29T01:30", 2),  # ... after which 01:xx London never happens
        ("2026-10-25T00:30", 1),  # the autumn change: 01:xx London happens twice,
        ("2026-10-25T01:30", 1),  # first in BST, then in GMT
        ("2026-10-25T02:30", 2),
    ],
)
def test_the_hour_follows_londons_clock_across_the_changes(utc: str, hour: int) -> None:
    assert local_hour(datetime.fromisoformat(utc)) == hour


@pytest.mark.parametrize(
    ("utc", "light"),
    [
        ("2026-06-21T12:00", "daylight"),  # midsummer noon
        ("2026-12-21T12:00", "daylight"),  # midwinter noon, low sun
        ("2026-12-21T16:10", "twilight"),  # sunset is about 15:54 UTC that day
        ("2026-12-21T17:00", "dark"),  # civil dusk is about 16:35
        ("2026-06-21T21:00", "twilight"),  # 22:00 BST: long summer dusk
        ("2026-06-21T23:30", "dark"),
        ("2026-03-29T00:30", "dark"),
    ],
)
def test_light_from_the_suns_elevation_over_london(utc: str, light: str) -> None:
    assert light_at(datetime.fromisoformat(utc)) == light


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)))
def test_every_moment_has_an_hour_and_a_light(moment: datetime) -> None:
    assert 0 <= local_hour(moment) <= 23
    assert light_at(moment) in LIGHTS
