"""The one settings object. Read once at start-up by the CLI or the app factory.

Every value can be set by an environment variable with the prefix `WALKTALK_`
(e.g. `WALKTALK_HOME=/srv/walktalk`) or in a `.env` file in the working
directory. Nothing reads the environment at import time: call `Settings()`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.resources import (
    BEHAVIOUR_SUITE,
    BROAD_DIR,
    CHALLENGE_DIR,
    DEFAULT_AREAS,
    DEFAULT_DISTRICTS,
    DEFAULT_GIVEN_NAMES,
    DEFAULT_PARKS,
    DEFAULT_PII_NER,
    DEFAULT_PIPELINE,
    DEFAULT_STATIONS,
    DEFAULT_STREETS,
    DEFAULT_TAXONOMY,
    OOD_DIR,
    SAFEGUARDING_DIR,
    SEED_DIR,
)

if TYPE_CHECKING:
    from training.corpora import Corpora


class Settings(BaseSettings):
    """Deployment configuration; each field is documented in the README."""

    model_config = SettingsConfigDict(
        env_prefix="WALKTALK_", env_file=".env", extra="ignore", frozen=True
    )

    home: Path = Field(
        default=Path("walktalk-home"),
        description="Folder for the model registry, the SQLite database and run logs.",
    )
    taxonomy_path: Path = Field(
        default=DEFAULT_TAXONOMY, description="YAML file listing the themes."
    )
    areas_path: Path = Field(
        default=DEFAULT_AREAS, description="YAML file mapping boroughs to BCUs."
    )
    seed_path: Path = Field(
        default=SEED_DIR, description="Folder of the seed corpus and its splits."
    )
    broad_path: Path = Field(
        default=BROAD_DIR,
        description="Folder of the broader training corpus (train and validation splits).",
    )
    ood_path: Path = Field(
        default=OOD_DIR,
        description="Folder of the out-of-distribution test set that models are chosen on.",
    )
    challenge_path: Path = Field(
        default=CHALLENGE_DIR, description="Folder of the challenge set (a regression check)."
    )
    behaviour_path: Path = Field(
        default=BEHAVIOUR_SUITE, description="YAML file of the behavioural test suite."
    )
    safeguarding_path: Path = Field(
        default=SAFEGUARDING_DIR,
        description="Folder of the safeguarding flag's labels and notes (data/safeguarding).",
    )
    stations_path: Path = Field(
        default=DEFAULT_STATIONS, description="YAML gazetteer of stations and their boroughs."
    )
    districts_path: Path = Field(
        default=DEFAULT_DISTRICTS, description="YAML gazetteer of districts and their boroughs."
    )
    parks_path: Path = Field(
        default=DEFAULT_PARKS,
        description="YAML gazetteer of parks and open spaces and the boroughs they lie in.",
    )
    streets_path: Path = Field(
        default=DEFAULT_STREETS,
        description="YAML gazetteer of roads, estates and waterways and their boroughs.",
    )
    given_names_path: Path = Field(
        default=DEFAULT_GIVEN_NAMES, description="Given names (one per line) used to find people."
    )
    pii_ner: bool = Field(
        default=True,
        description="Also find names with the spaCy pipeline's entity recogniser "
        "(false: patterns and rules only, several times faster, and misses more names).",
    )
    pii_ner_path: Path | None = Field(
        default=DEFAULT_PII_NER,
        description="The entity recogniser fine-tuned on notes (`walktalk pii train`); "
        "empty: the pipeline's own, whose names the rules must then vouch for.",
    )
    spacy_model: str = Field(
        default=DEFAULT_PIPELINE, description="Name of the installed spaCy pipeline."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
        "default: SQLite at $WALKTALK_HOME/walktalk.db.",
    )
    migrate_on_start: bool = Field(
        default=True, description="Apply database migrations when the API starts."
    )
    store_original_text: bool = Field(
        default=False,
        description="Also store each note's text before redaction (off: only the redacted text is kept).",
    )
    max_body_bytes: int = Field(
        default=12_000_000, gt=0, description="Largest request body the API accepts."
    )
    max_upload_bytes: int = Field(
        default=512 * 1024 * 1024,
        gt=0,
        description="Largest bulk classification upload (POST /v1/classify/jobs), spooled to "
        "a temporary file as it arrives, never held in memory.",
    )
    classify_results_hours: float = Field(
        default=24.0,
        gt=0,
        description="How long the results of a bulk classification job are kept before they "
        "are deleted with the job.",
    )
    host: str = Field(default="127.0.0.1", description="Address `walktalk serve` listens on.")
    port: int = Field(default=8000, gt=0, lt=65536, description="Port `walktalk serve` listens on.")
    workers: int = Field(
        default=1, ge=1, description="Uvicorn worker processes for `walktalk serve`."
    )
    model_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Threads the transformer model uses in each process (0: the usable cores "
        "divided by `workers`, at least 1). With replicas on one machine, set cores divided "
        "by processes.",
    )
    rate_limit_per_minute: int | None = Field(
        default=None,
        ge=1,
        description="Requests a minute each API key may make (429 with Retry-After past it), "
        "across every worker and replica when Redis is configured, else per worker process; "
        "unset: no limit.",
    )
    work_chars_per_minute: int | None = Field(
        default=None,
        ge=1000,
        description="Characters a minute each API key may send to be classified "
        "(/v1/classify, /v1/notes): the classifier's CPU time grows with them. Past it, "
        "429 with Retry-After; a request larger than a minute's worth, 413. Unset: no budget.",
    )
    rate_limit_url: str | None = Field(
        default=None,
        description="Redis URL where every process keeps the per-key rate "
        "(default: WALKTALK_QUEUE_URL when that is set).",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        description="Erase notes created more than this many days ago (and everything derived "
        "from them), once a day while `walktalk serve` runs; unset keeps notes for ever.",
    )
    worker_healthcheck_seconds: int = Field(
        default=60,
        ge=5,
        description="How long uvicorn waits for a worker to answer its health ping before "
        "killing it. A worker loading torch and spaCy on a busy 2-core machine can miss "
        "uvicorn's own 5 s and be killed and respawned over and over.",
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    queue_url: str | None = Field(
        default=None,
        description="Redis URL of the job queue, e.g. redis://127.0.0.1:6379/0. Set: training "
        "runs, re-tags and label checks go to `walktalk worker` processes. Unset (the "
        "embedded default): they run in a thread of `walktalk serve`.",
    )
    queue_heartbeat_seconds: int = Field(
        default=30,
        ge=2,
        le=3600,
        description="A worker silent on the queue this long counts as dead, and the jobs it "
        "held are delivered to another worker.",
    )
    model_store: Literal["files", "database"] = Field(
        default="files",
        description="Where model versions live: `files` (a folder per version under "
        "$WALKTALK_HOME, the embedded default) or `database` (in the database, so replicas "
        "that share only the database see the same versions).",
    )
    model_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="With the database model store: how often a process re-reads which version "
        "is active (an activation on one replica reaches the others within this time).",
    )
    review_lease_seconds: int = Field(
        default=900,
        ge=30,
        le=86_400,
        description="How long a note handed out by the review queue stays with one reviewer.",
    )
    second_review_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of reviewed notes that a second reviewer also reviews (0 = none); "
        "when two reviewers disagree the note goes to an analyst or admin to adjudicate.",
    )

    def threads_per_process(self) -> int:
        """`model_threads`, or for 0 the usable cores shared out among the workers.

        Each worker loads its own model; two workers each splitting every product
        over both cores of a 2-core machine would fight over them.
        """
        if self.model_threads:
            return self.model_threads
        return max(1, usable_cores() // self.workers)

    def corpora(self) -> Corpora:
        """The labelled sets training runs learn from and are judged on."""
        from training.corpora import Corpora  # loading data pulls in `datasets`: only when asked

        return Corpora(
            seed=self.seed_path,
            broad=self.broad_path,
            ood=self.ood_path,
            challenge=self.challenge_path,
            behaviour=self.behaviour_path,
        )

    @field_validator("pii_ner_path", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """WALKTALK_PII_NER_PATH= (empty) means the pipeline's own recogniser."""
        return None if value == "" else value


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
