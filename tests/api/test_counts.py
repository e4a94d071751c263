"""Counts add up: every grouping sums to the stored effective labels."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from api.db.tables import Note, Prediction
from api.reviews.service import record_review
from tests.api.conftest import Api

THEMES = ("lighting", "harassment", "isolation", "transport")
NOTES: list[dict[str, Any]] = [
    {
        "text": "Pitch black canal path and nobody ever about",
        "source": "participant",
        "borough": "Camden",
        "created_at": "2026-01-05T21:00:00",
    },
    {
        "text": "A man followed me off the night bus and shouted at me",
        "source": "participant",
        "borough": "Hackney",
        "created_at": "2026-01-20T23:10:00",
    },
    {
        "text": "Street lamps broken all along the high road",
        "source": "officer",
        "borough": "Camden",
        "created_at": "2026-02-02T20:00:00",
    },
    {
        "text": "Lovely walk, thanks to the team",
        "source": "participant",
        "borough": "Ealing",
        "created_at": "2026-02-03T19:00:00",
    },
    {
        "text": "Station platform deserted late at night, no staff, no cameras",
        "source": "officer",
        "bcu": "West",
        "created_at": "2026-02-14T23:45:00",
    },
    {
        "text": "Lads on bikes threaten girls outside the chicken shop",
        "source": "officer",
        "created_at": "2026-03-01T18:00:00",
    },
]


@pytest.fixture
def seeded(api: Api) -> Api:
    response = api.client.post("/v1/notes", json={"notes": NOTES}, headers=api.headers("tagger"))
    assert response.status_code == 201
    return api


def counts(api: Api, **params: Any) -> Any:
    response = api.client.get("/v1/counts", params=params, headers=api.headers("reader"))
    assert response.status_code == 200, response.text
    return response.json()


def stored_labels(api: Api) -> dict[int, list[str]]:
    with api.session() as session:
        rows = session.execute(
            select(Note.id, Prediction.themes).join(Prediction, Prediction.id == Note.prediction_id)
        )
        return {int(note_id): list(themes) for note_id, themes in rows}


@pytest.mark.parametrize(
    "group_by",
    [
        "theme",
        "bcu",
        "borough",
        "source",
        "period",
        "theme,bcu",
        "theme,period,source",
        "bcu,borough,source,period,theme",
    ],
)
def test_every_grouping_adds_up_to_the_stored_predictions(seeded: Api, group_by: str) -> None:
    labels = stored_labels(seeded)
    pairs = sum(len(themes) for themes in labels.values())
    result = counts(seeded, group_by=group_by)
    assert sum(row["count"] for row in result["rows"]) == result["total"]["count"] == pairs
    assert result["total"]["notes"] == len(NOTES)
    assert result["total"]["notes_with_theme"] == sum(bool(t) for t in labels.values())


def test_count_by_theme_matches_a_recount(seeded: Api) -> None:
    expected = Counter(theme for themes in stored_labels(seeded).values() for theme in themes)
    rows = counts(seeded, group_by="theme")["rows"]
    assert {row["theme"]: row["count"] for row in rows} == dict(expected)
    assert all(row["count"] == row["notes"] for row in rows)


def test_bcu_comes_from_borough_and_the_city_has_none(seeded: Api) -> None:
    rows = counts(seeded, group_by="bcu")["rows"]
    assert {row["bcu"] for row in rows} >= {"Central North", "Central East", "West"}


def test_periods_are_calendar_buckets(seeded: Api) -> None:
    months = {row["period"] for row in counts(seeded, group_by="period", period="month")["rows"]}
    assert months <= {"2026-01-01", "2026-02-01", "2026-03-01"}
    weeks = {row["period"] for row in counts(seeded, group_by="period", period="week")["rows"]}
    assert "2026-01-05" in weeks  # a Monday
    days = {row["period"] for row in counts(seeded, group_by="period", period="day")["rows"]}
    assert "2026-02-14" in days


def test_filters_narrow_rows_and_totals(seeded: Api) -> None:
    officer = counts(seeded, source="officer")
    assert officer["total"]["notes"] == 3
    feb = counts(seeded, **{"from": "2026-02-01T00:00:00", "to": "2026-03-01T00:00:00"})
    assert feb["total"]["notes"] == 3
    camden_lighting = counts(seeded, borough="Camden", theme="lighting")
    assert camden_lighting["total"] == {"count": 2, "notes_with_theme": 2, "notes": 2}


def test_csv_by_parameter_or_accept_header(seeded: Api) -> None:
    as_json = counts(seeded, group_by="theme,source")
    by_param = seeded.client.get(
        "/v1/counts",
        params={"group_by": "theme,source", "format": "csv"},
        headers=seeded.headers("reader"),
    )
    by_accept = seeded.client.get(
        "/v1/counts",
        params={"group_by": "theme,source"},
        headers={**seeded.headers("reader"), "Accept": "text/csv"},
    )
    assert by_param.text == by_accept.text
    assert by_param.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(by_param.text)))
    assert [(r["theme"], r["source"], int(r["count"])) for r in rows] == [
        (r["theme"], r["source"], r["count"]) for r in as_json["rows"]
    ]


def test_counts_use_reviewed_label_over_prediction(seeded: Api) -> None:
    before = {row["theme"]: row["count"] for row in counts(seeded)["rows"]}
    labels = stored_labels(seeded)
    thanks = next(note_id for note_id, themes in labels.items() if not themes)
    with seeded.session() as session, session.begin():
        record_review(
            session, note_id=thanks, reviewer="rev", themes=["isolation"], known_themes=THEMES
        )
    after = {row["theme"]: row["count"] for row in counts(seeded)["rows"]}
    assert after["isolation"] == before.get("isolation", 0) + 1
    note = seeded.client.get(f"/v1/notes/{thanks}", headers=seeded.headers("reader")).json()
    assert note["themes"] == ["isolation"]
    assert note["labels_from"] == "review"
    assert note["prediction"]["themes"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"group_by": "colour"},
            "group_by: use each of theme, bcu, borough, source, period, hour, light, walk at most once",
        ),
        ({"group_by": "theme,theme"}, "at most once"),
        ({"theme": "litter"}, "theme: 1 value(s) are not themes"),
        ({"bcu": "Mars"}, "bcu: is not known"),
        ({"borough": "Gotham"}, "borough: is not known"),
        ({"period": "year"}, "period: Input should be 'day', 'week' or 'month'"),
        ({"source": "victim"}, "source: Input should be 'officer' or 'participant'"),
        ({"from": "2026-03-01", "to": "2026-01-01"}, "from: must be before 'to'"),
        ({"from": "last week"}, "from: Input should be a valid datetime"),
        ({"light": "dusk"}, "light: Input should be 'daylight', 'twilight' or 'dark'"),
        ({"hour_from": "24"}, "hour_from: Input should be less than or equal to 23"),
        ({"hour_to": "-1"}, "hour_to: Input should be greater than or equal to 0"),
    ],
)
def test_bad_count_parameters(api: Api, params: dict[str, Any], message: str) -> None:
    response = api.client.get("/v1/counts", params=params, headers=api.headers("reader"))
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_empty_store_counts_zero(api: Api) -> None:
    assert counts(api)["total"] == {"count": 0, "notes_with_theme": 0, "notes": 0}
