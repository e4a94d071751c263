"""The count cells answer exactly as the notes do, and stay equal to a rebuild.

Every comparison runs `count` twice, from the cells and from the notes
(`use_cells=False`), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from api.counts import cells
from api.counts.service import GROUPS, CountQuery, _cells_for, as_json, count
from api.db.tables import CountCell, LightCell, Note, NoteTheme, Prediction, Review, TimeCell
from api.notes import repository
from api.notes.daylight import LIGHTS, light_at, local_hour
from api.reviews.service import record_review
from tests.api.conftest import Api
from tests.api.test_counts import NOTES, THEMES

MIGRATION = Path(__file__).resolve().parents[2] / "api/db/migrations/versions/0005_count_cells.py"
START = datetime(2026, 1, 1)
AREAS = ((None, None), ("Camden", "Central North"), ("Hackney", "Central East"), (None, "West"))
SOURCES = (None, "officer", "participant")


@pytest.fixture
def seeded(api: Api) -> Api:
    response = api.client.post("/v1/notes", json={"notes": NOTES}, headers=api.headers("tagger"))
    assert response.status_code == 201
    return api


def both_paths(session: Session, query: CountQuery) -> tuple[dict[str, Any], dict[str, Any]]:
    return as_json(count(session, query)), as_json(count(session, query, use_cells=False))


def mismatches(session: Session, queries: list[CountQuery]) -> list[CountQuery]:
    found = []
    for query in queries:
        from_cells, from_notes = both_paths(session, query)
        if from_cells != from_notes:
            found.append(query)
    return found


def assert_cells_match_a_rebuild(session: Session) -> None:
    kept = cells.snapshot(session)
    nested = session.begin_nested()
    cells.rebuild(session)
    rebuilt = cells.snapshot(session)
    nested.rollback()
    assert kept == rebuilt


def grid() -> list[CountQuery]:
    """Every set of groups, crossed with filters: none, area, source, themes, dates."""
    filters: list[dict[str, Any]] = [
        {},
        {"source": "officer"},
        {"borough": "Camden"},
        {"bcu": "West", "source": "officer"},
        {"themes": ("lighting",)},
        {"themes": ("lighting", "isolation")},
        {"start": datetime(2026, 2, 1), "end": datetime(2026, 3, 1)},
        {"start": datetime(2026, 1, 20), "themes": ("harassment",)},
        {"end": datetime(2026, 2, 3, 19, 30)},  # not a midnight: from the notes
        {"light": "dark"},
        {"hour_from": 18, "hour_to": 5, "themes": ("lighting",)},  # wraps past midnight
        {"light": "daylight", "borough": "Camden"},  # time and area at once: from the notes
    ]
    groups = [g for g in GROUPS if g != "walk"]  # walks: tests/api/test_walks.py
    subsets = [s for n in range(len(groups) + 1) for s in itertools.combinations(groups, n)]
    periods = ("day", "week", "month")
    return [
        CountQuery(group_by=groups, period=periods[i % 3], **extra)
        for i, (groups, extra) in enumerate(itertools.product(subsets, filters))
    ]


def test_every_grouping_and_filter_matches_the_notes(seeded: Api) -> None:
    with seeded.session() as session:
        assert mismatches(session, grid()) == []
        assert_cells_match_a_rebuild(session)


def test_each_query_reads_the_fewest_cells_that_answer_it() -> None:
    assert _cells_for(CountQuery(group_by=("theme",))) is LightCell
    assert _cells_for(CountQuery(group_by=("theme", "light", "period"))) is LightCell
    assert _cells_for(CountQuery(group_by=("theme",), hour_from=18)) is TimeCell
    assert _cells_for(CountQuery(group_by=("theme", "hour"))) is TimeCell
    assert _cells_for(CountQuery(group_by=("theme", "bcu"))) is CountCell
    assert _cells_for(CountQuery(group_by=("bcu",), light="dark")) is None


def test_groups_without_area_read_back_as_none(seeded: Api) -> None:
    with seeded.session() as session:
        rows = count(session, CountQuery(group_by=("bcu", "borough"))).rows
    assert any(row["borough"] is None for row in rows)
    assert all(row["bcu"] != "" and row["borough"] != "" for row in rows)


def test_a_review_moves_the_cells(seeded: Api) -> None:
    with seeded.session() as session, session.begin():
        note_ids = list(session.scalars(Note.__table__.select().with_only_columns(Note.id)))
        changes = (["isolation"], [], ["lighting", "transport"])
        for note_id, themes in zip(note_ids[:3], changes, strict=True):
            record_review(
                session, note_id=note_id, reviewer="rev", themes=themes, known_themes=THEMES
            )
    with seeded.session() as session:
        assert mismatches(session, grid()) == []
        assert_cells_match_a_rebuild(session)


def test_sending_the_same_notes_again_counts_nothing_twice(api: Api) -> None:
    notes = [{**note, "external_id": f"n{i}"} for i, note in enumerate(NOTES)]
    first = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert first.status_code == 201
    with api.session() as session:
        before = cells.snapshot(session)
    again = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert again.status_code == 200
    with api.session() as session:
        assert cells.snapshot(session) == before
        assert count(session, CountQuery(group_by=())).notes == len(NOTES)
        assert_cells_match_a_rebuild(session)


def test_rebuild_repairs_cells_and_the_migration_fills_the_same(seeded: Api) -> None:
    with seeded.session() as session, session.begin():
        good = cells.snapshot(session)
        session.execute(update(CountCell).values(notes=CountCell.notes + 5))
        assert cells.snapshot(session) != good
        cells.rebuild(session)
        assert cells.snapshot(session) == good
        session.execute(delete(CountCell))
        migration = load_migration()
        session.execute(text(migration.FILL_ALL_NOTES))
        session.execute(text(migration.FILL_THEMES))
        assert cells.snapshot(session) == good


def load_migration() -> Any:
    spec = importlib.util.spec_from_file_location("migration_0005", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- random notes and reviews

theme_sets = st.lists(st.sampled_from(THEMES), unique=True, max_size=len(THEMES))
random_notes = st.lists(
    st.tuples(
        st.integers(0, 70),  # days after START
        st.integers(0, 23),  # hour
        st.sampled_from(SOURCES),
        st.sampled_from(AREAS),
        theme_sets,
    ),
    max_size=20,
)
random_reviews = st.lists(st.tuples(st.integers(0, 100), theme_sets), max_size=10)
moments = st.one_of(st.none(), st.integers(0, 72).map(lambda d: START + timedelta(days=d)))
random_queries = st.builds(
    CountQuery,
    group_by=st.lists(st.sampled_from(GROUPS), unique=True).map(tuple),
    period=st.sampled_from(("day", "week", "month")),
    start=moments,
    end=moments,
    themes=st.lists(st.sampled_from(THEMES), unique=True, max_size=2).map(tuple),
    bcu=st.sampled_from((None, "West", "Central North")),
    borough=st.sampled_from((None, "Camden")),
    source=st.sampled_from(SOURCES),
    light=st.sampled_from((None, *LIGHTS)),
    hour_from=st.one_of(st.none(), st.integers(0, 23)),
    hour_to=st.one_of(st.none(), st.integers(0, 23)),
)


def clear(session: Session) -> None:
    for table in (CountCell, TimeCell, LightCell, NoteTheme, Review, Prediction, Note):
        session.execute(delete(table))


def store(session: Session, drawn: list[tuple[Any, ...]]) -> list[Note]:
    notes, predictions = [], []
    for i, (days, hour, source, (borough, bcu), themes) in enumerate(drawn):
        created = START + timedelta(days=days, hours=hour)
        day, week, month = repository.calendar(created)
        when = {"hour": local_hour(created), "light": light_at(created)}
        notes.append(
            Note(
                client="prop",
                external_id=f"p{i}",
                text="x",
                source=source,
                created_at=created,
                received_at=created,
                day=day,
                week=week,
                month=month,
                borough=borough,
                bcu=bcu,
                **when,
            )
        )
        predictions.append(
            Prediction(model_version="v", themes=themes, scores={}, evidence={}, created_at=created)
        )
    repository.add_new_notes(session, notes, predictions)
    return notes


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=random_notes,
    reviews=random_reviews,
    queries=st.lists(random_queries, min_size=1, max_size=6),
)
def test_random_notes_and_reviews_agree_with_a_rebuild_and_the_notes(
    api: Api,
    drawn: list[tuple[Any, ...]],
    reviews: list[tuple[int, list[str]]],
    queries: list[CountQuery],
) -> None:
    with api.session() as session, session.begin():
        clear(session)
        notes = store(session, drawn)
        for index, themes in reviews if notes else ():
            repository.set_effective_themes(session, notes[index % len(notes)], themes)
        session.flush()
        assert_cells_match_a_rebuild(session)
        valid = [q for q in queries if not (q.start and q.end and q.start >= q.end)]
        assert mismatches(session, valid) == []


def test_cells_for_a_change_cancel_out() -> None:
    note = Note(day=date(2026, 1, 5), week=date(2026, 1, 5), month=date(2026, 1, 1))
    back_and_forth = [
        cells.ThemeChange(note, ["lighting"], ["isolation"]),
        cells.ThemeChange(note, ["isolation"], ["lighting"]),
    ]
    assert cells.aggregate(back_and_forth) == {}


# ---------------------------------------------------------------- hour and light


def test_hours_across_the_clock_changes_count_exactly(api: Api) -> None:
    moments = ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"]  # London 00:30 GMT, 02:30 BST
    moments += ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00Z"]
    notes = [{"text": "The lamps on the towpath were out", "created_at": m} for m in moments]
    posted = api.client.post("/v1/notes", json={"notes": notes}, headers=api.headers("tagger"))
    assert posted.status_code == 201

    def hours(start: str, end: str) -> dict[int, int]:
        params = {"group_by": "hour", "from": start, "to": end}
        answer = api.client.get("/v1/counts", params=params, headers=api.headers("reader"))
        return {row["hour"]: row["notes"] for row in answer.json()["rows"]}

    assert hours("2026-03-29", "2026-03-30") == {0: 1, 2: 1}  # 01:xx never happened
    assert hours("2026-10-25", "2026-10-26") == {1: 2, 2: 1}  # 01:xx happened twice
    with api.session() as session:
        queries = [
            CountQuery(group_by=groups, light=light)
            for groups in (("hour",), ("theme", "light"), ("hour", "light", "period"))
            for light in (None, "dark")
        ]
        assert mismatches(session, queries) == []
        assert_cells_match_a_rebuild(session)


def test_occurred_at_decides_the_hour_and_light(api: Api) -> None:
    note = {
        "text": "A man followed me off the bus",
        "created_at": "2026-01-12T09:00:00Z",  # written up next morning
        "occurred_at": "2026-01-11T22:15:00Z",
    }
    posted = api.client.post("/v1/notes", json={"notes": [note]}, headers=api.headers("tagger"))
    stored = api.client.get(
        f"/v1/notes/{posted.json()['notes'][0]['id']}", headers=api.headers("reader")
    ).json()
    assert (stored["hour"], stored["light"]) == (22, "dark")
    params = {"group_by": "light", "light": "dark"}
    answer = api.client.get("/v1/counts", params=params, headers=api.headers("reader")).json()
    assert answer["rows"] == [{"light": "dark", "count": answer["total"]["count"], "notes": 1}]
