"""The tables walktalk stores notes, labels and keys in.

- `notes`: one row per note: its redacted text (the original only where a
  deployment asks for it), the PII types found (never the values), metadata and calendar buckets (day, week
  start, month start) computed once at ingest so counts group on plain columns
  in SQLite and PostgreSQL alike; also when the concern happened as London
  sees it (local hour, and daylight, twilight or dark), from `occurred_at`
  when the note gives it, else `created_at` (api/notes/daylight.py).
- `predictions`: the model's answer for a note (themes, scores, version); one row
  per note per model version, the note pointing at its current one.
- `reviews`: append-only human corrections: who, when, themes before and after,
  the model's themes and version at the time, a comment.
- `review_leases`: which reviewer holds which note, until when.
- `jobs`: background training runs and re-tags, with progress, a log and the
  lease of the worker running it.
- `model_versions`, `model_files`, `model_activations`: the model registry,
  where a deployment keeps it in the database (`WALKTALK_MODEL_STORE=database`).
- `note_themes`: the *effective* themes of each note (latest review, else the
  current prediction), with the note's filter columns copied in, so that counts
  are one scan of one indexed table. Rewritten in the same transaction as the
  prediction or review that changes it.
- `count_cells`: note and (note, theme) counts pre-aggregated per day, theme
  ('' for all notes), source, borough and BCU ('' for none: NULLs never collide
  in a unique key, so upserts could not merge them), updated in the same
  transaction as `note_themes`, so that /v1/counts reads a few hundred thousand
  small rows instead of every note.
- `time_cells`: the same counts per day, theme, London hour and light.
- `light_cells`: the same counts per day, theme and light, the fewest rows of
  the three, for counts by theme, period and light.
- `walks`: each walk and talk (area, times, route, officers' collar numbers, how
  many took part); notes point at the walk they came from.
- `api_keys`: hashed API keys and their roles.
- `idempotency`: responses already given to a client for an Idempotency-Key.
- `classify_items`: the lines of a bulk classification job and their results,
  deleted with the job when its results expire.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.notes.daylight import light_at, local_hour


class Base(DeclarativeBase):
    """Declarative base with a naming convention Alembic can diff."""


def _moment_of(context: Any) -> datetime:
    """When the concern happened, from the row being inserted (for column defaults)."""
    row = context.get_current_parameters()
    moment: datetime = row.get("occurred_at") or row["created_at"]
    return moment


def _hour_of_note(context: Any) -> int:
    return local_hour(_moment_of(context))


def _light_of_note(context: Any) -> str:
    return light_at(_moment_of(context))


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        UniqueConstraint("client", "external_id", name="uq_notes_client_external_id"),
        Index("ix_notes_created_at", "created_at"),
        Index("ix_notes_review_queue", "review_status", "review_priority"),
        # The review queue's two big tiers, each read in priority order by index.
        Index(
            "ix_notes_unreviewed",
            "review_priority",
            "id",
            postgresql_where=text("review_status IS NULL"),
            sqlite_where=text("review_status IS NULL"),
        ),
        Index(
            "ix_notes_safeguarding_open",
            "urgent_score",
            "id",
            postgresql_where=text("urgent AND safeguarding_read_at IS NULL"),
            sqlite_where=text("urgent AND safeguarding_read_at IS NULL"),
        ),
        Index(
            "ix_notes_suspect",
            "review_priority",
            "id",
            postgresql_where=text("suspect_label"),
            sqlite_where=text("suspect_label"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    original_text: Mapped[str | None] = mapped_column(Text)
    pii_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    day: Mapped[date] = mapped_column(Date)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # London clock hour (0-23) and light; nullable only because migration 0009 added
    # them to existing rows (and filled every one).
    hour: Mapped[int] = mapped_column(SmallInteger, nullable=True, default=_hour_of_note)
    light: Mapped[str] = mapped_column(String(9), nullable=True, default=_light_of_note)
    borough: Mapped[str | None] = mapped_column(String(60))
    bcu: Mapped[str | None] = mapped_column(String(40))
    location: Mapped[str | None] = mapped_column(String(300))
    walk_id: Mapped[str | None] = mapped_column(String(100))  # a client's own reference
    walk: Mapped[int | None] = mapped_column(ForeignKey("walks.id"), index=True)
    places: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    area_inferred: Mapped[bool] = mapped_column(default=False)
    theme_count: Mapped[int] = mapped_column(Integer, default=0)
    prediction_id: Mapped[int | None] = mapped_column(Integer)
    # Where the note stands in review: None (not reviewed), "reviewed",
    # "awaiting_second", "agreed", "disputed" or "adjudicated".
    review_status: Mapped[str | None] = mapped_column(String(20))
    # How much a review would help (higher first in the queue): near a threshold,
    # or two model versions disagree.
    review_priority: Mapped[float] = mapped_column(default=0.0)
    # A label check (cleanlab over the reviewed notes) found its labels suspect.
    suspect_label: Mapped[bool] = mapped_column(default=False)
    # The safeguarding flag (api/safeguarding): its score and version, whether it
    # flagged the note for urgent reading, and who read it, when, with what outcome.
    # It never changes themes or counts.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    urgent_score: Mapped[float | None] = mapped_column(Float)
    flag_version: Mapped[str | None] = mapped_column(String(64))
    safeguarding_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    safeguarding_read_by: Mapped[str | None] = mapped_column(String(100))
    safeguarding_outcome: Mapped[str | None] = mapped_column(String(20))

    @hybrid_property
    def reviewed(self) -> bool:
        """Whether anyone has reviewed the note (its status says so; not stored twice)."""
        return self.review_status is not None

    @reviewed.inplace.expression
    @classmethod
    def _reviewed_expression(cls) -> ColumnElement[bool]:
        return cls.review_status.is_not(None)


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (Index("uq_predictions_job_note", "job_id", "note_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    themes: Mapped[list[str]] = mapped_column(JSON)
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    evidence: Mapped[dict[str, list[list[int]]]] = mapped_column(JSON)
    # "cues" (the lexicon, on the bulk path) until a person reads the note; then
    # "model" (occlusion by the version that made the prediction), cached here.
    evidence_source: Mapped[str] = mapped_column(String(10), default="cues", server_default="cues")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    # The re-tag job that stored it, so a retried job resumes instead of repeating.
    job_id: Mapped[int | None] = mapped_column(Integer)


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    themes_before: Mapped[list[str]] = mapped_column(JSON)
    themes: Mapped[list[str]] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64))
    predicted_themes: Mapped[list[str] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20), default="review")
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ReviewLease(Base):
    """A note handed to one reviewer until `expires_at`; nobody else gets it meanwhile."""

    __tablename__ = "review_leases"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), index=True)


class Job(Base):
    """A background job (a training run or a re-tag) and how far it has got."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(String(300), default="")
    log: Mapped[list[str]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, object] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    # A worker holds a running job until `lease_until` and renews it; a job whose
    # lease ran out was left by a worker that died, and may be taken over.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class NoteTheme(Base):
    __tablename__ = "note_themes"
    __table_args__ = (
        Index("ix_note_themes_theme_created", "theme", "created_at"),
        Index("ix_note_themes_created", "created_at"),
    )

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    day: Mapped[date] = mapped_column(Date)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(SmallInteger, nullable=True)
    light: Mapped[str] = mapped_column(String(9), nullable=True)
    walk: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(20))
    borough: Mapped[str | None] = mapped_column(String(60))
    bcu: Mapped[str | None] = mapped_column(String(40))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))


class Idempotency(Base):
    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("client", "key", name="uq_idempotency_client_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class Erasure(Base):
    """An audit line for each note erased: what, why, who and when; never its text."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[int] = mapped_column(Integer, index=True)
    client: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(20))  # "request" or "retention"
    requested_by: Mapped[str] = mapped_column(String(100))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class CountCell(Base):
    """One cell of counts; see api/counts/cells.py for how it is kept up to date."""

    __tablename__ = "count_cells"
    __table_args__ = (
        PrimaryKeyConstraint("day", "theme", "source", "borough", "bcu", name="pk_count_cells"),
        Index("ix_count_cells_theme_day", "theme", "day"),
    )

    day: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    borough: Mapped[str] = mapped_column(String(60))
    bcu: Mapped[str] = mapped_column(String(40))
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    notes: Mapped[int] = mapped_column(Integer, default=0)
    notes_with_theme: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class TimeCell(Base):
    """Counts per day, theme, London hour and light; see api/counts/cells.py.

    A second aggregate beside `count_cells` rather than two more columns of its
    key: hour and light there would split every area cell up to 72 ways, while
    here a day holds at most 24 hours times the lights they span, for any area.
    Counts by hour or light filtered by area or source come from the notes.
    """

    __tablename__ = "time_cells"
    __table_args__ = (
        PrimaryKeyConstraint("day", "theme", "hour", "light", name="pk_time_cells"),
        Index("ix_time_cells_theme_day", "theme", "day"),
    )

    day: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(40))
    hour: Mapped[int] = mapped_column(SmallInteger)
    light: Mapped[str] = mapped_column(String(9))
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    notes: Mapped[int] = mapped_column(Integer, default=0)
    notes_with_theme: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class LightCell(Base):
    """Counts per day, theme and light; see api/counts/cells.py.

    The time cells' hours make them about nine times as many rows as a day's
    themes and lights; counts by theme, period or light that need no hour (the
    dashboard's totals and trends) read these instead.
    """

    __tablename__ = "light_cells"
    __table_args__ = (
        PrimaryKeyConstraint("day", "theme", "light", name="pk_light_cells"),
        Index("ix_light_cells_theme_day", "theme", "day"),
    )

    day: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(40))
    light: Mapped[str] = mapped_column(String(9))
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    notes: Mapped[int] = mapped_column(Integer, default=0)
    notes_with_theme: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class Walk(Base):
    """One walk and talk: where, when, the route, the officers by collar number, how many
    took part. Participants stay anonymous: a walk holds a count, never a name."""

    __tablename__ = "walks"
    __table_args__ = (Index("ix_walks_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bcu: Mapped[str] = mapped_column(String(40))
    borough: Mapped[str | None] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)  # London date of the start
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    route: Mapped[list[str]] = mapped_column(JSON, default=list)
    officers: Mapped[list[str]] = mapped_column(JSON, default=list)
    participants: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ModelVersion(Base):
    """A model version in the database registry: its card; its files are in `model_files`."""

    __tablename__ = "model_versions"
    __table_args__ = (PrimaryKeyConstraint("registry", "version", name="pk_model_versions"),)

    # "models" (themes) or "safeguarding"; `registry` is reserved on declarative classes.
    registry_name: Mapped[str] = mapped_column("registry", String(20))
    version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ModelFile(Base):
    """One file of a stored model version, with its content hash."""

    __tablename__ = "model_files"
    __table_args__ = (
        PrimaryKeyConstraint("registry", "version", "path", name="pk_model_files"),
        ForeignKeyConstraint(
            ["registry", "version"],
            ["model_versions.registry", "model_versions.version"],
            name="fk_model_files_version",
            ondelete="CASCADE",
        ),
    )

    registry_name: Mapped[str] = mapped_column("registry", String(20))
    version: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ModelActivation(Base):
    """An activation or rollback; the newest row per registry is the active version."""

    __tablename__ = "model_activations"
    __table_args__ = (Index("ix_model_activations_registry", "registry", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_name: Mapped[str] = mapped_column("registry", String(20))
    version: Mapped[str] = mapped_column(String(64))
    previous: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    rollback: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=False))


class ClassifyItem(Base):
    """One line of a bulk classification upload: its text until classified, then its result."""

    __tablename__ = "classify_items"
    __table_args__ = (
        PrimaryKeyConstraint("job_id", "line", name="pk_classify_items"),
        UniqueConstraint("job_id", "item_id", name="uq_classify_items_job_item"),
        ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_classify_items_job_id_jobs", ondelete="CASCADE"
        ),
    )

    job_id: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)  # the line number in the upload, from 1
    item_id: Mapped[str] = mapped_column(String(200))  # the client's id for the line
    text: Mapped[str | None] = mapped_column(Text)  # cleared once classified
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class JobChunk(Base):
    """A range of note ids of a re-tag, claimed by one worker at a time under a lease."""

    __tablename__ = "job_chunks"
    __table_args__ = (
        PrimaryKeyConstraint("job_id", "chunk", name="pk_job_chunks"),
        ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_chunks_job_id_jobs", ondelete="CASCADE"
        ),
    )

    job_id: Mapped[int] = mapped_column(Integer)
    chunk: Mapped[int] = mapped_column(Integer)
    first_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # todo, running, done
    owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
