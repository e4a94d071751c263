"""What each kind of job does, rebuilt from its stored kind and parameters.

A job is a row in `jobs` (kind, parameters); its body is built from that row by
whichever process runs it: a thread of `walktalk serve` in the embedded
default, or a `walktalk worker` process when jobs go through a queue. So a job
carries nothing that lives only in the memory of the process that accepted it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.jobs.context import Work
from api.settings import Settings
from models.kind_names import ENCODER_LAYERS
from models.registry import ModelRegistry
from nlp.areas import Areas
from nlp.cues import CueLexicon
from nlp.redact import Redactor
from nlp.taxonomy import Taxonomy

if TYPE_CHECKING:  # the predictor pulls in the model kinds (torch): loaded in the job
    from models.predict import Predictor


@dataclass(frozen=True)
class JobEnv:
    """What a job body may use: the database, the registry, the settings and tables."""

    sessions: sessionmaker[Session]
    settings: Settings
    registry: ModelRegistry
    lexicon: CueLexicon
    taxonomy: Taxonomy
    areas: Areas
    redactor: Redactor  # bulk classification prepares text as /v1/classify does
    # Where jobs go through a queue: ask idle workers to help with a job's chunks.
    ask_for_help: Callable[[int], None] | None = None


class UnknownJobKindError(ValueError):
    """A job row names a kind this version of walktalk does not run."""


def build_work(job_id: int, kind: str, params: dict[str, Any], env: JobEnv, owner: str) -> Work:
    """The body of a job, from its kind and parameters; `owner` names the process running it."""
    if kind == "retag":
        from api.jobs.retag import retag_work

        return retag_work(
            sessions=env.sessions,
            predictor=_predictor(env, params),
            job_id=job_id,
            owner=owner,
            ask_for_help=env.ask_for_help,
        )
    if kind == "train":
        from api.jobs.training import training_work

        return training_work(
            sessions=env.sessions,
            registry=env.registry,
            taxonomy=env.taxonomy,
            areas=env.areas,
            corpora=env.settings.corpora(),
            kind=params["kind"],
            include_reviewed=bool(params.get("include_reviewed", True)),
            name=params.get("name"),
            layers=int(params.get("layers", ENCODER_LAYERS)),
            precision=str(params.get("precision", "auto")),
        )
    if kind == "classify":
        from api.classify.bulk import classify_work

        return classify_work(
            sessions=env.sessions,
            predictor=_predictor(env, params),
            redactor=env.redactor,
            job_id=job_id,
        )
    if kind == "label_check":
        from api.jobs.label_check import label_check_work

        return label_check_work(
            sessions=env.sessions,
            taxonomy=env.taxonomy,
            areas=env.areas,
            seed_path=env.settings.seed_path,
        )
    raise UnknownJobKindError(f"no job kind {kind!r}")


def help_with(job_id: int, env: JobEnv, owner: str) -> int:
    """Score chunks of a running re-tag beside the worker that runs it; returns chunks done.

    Sent to idle workers by the job's own worker. A helper holds no lease on
    the job, only on each chunk it claims, and stops when the job stops.
    """
    from api.db.tables import Job
    from api.jobs import chunks
    from api.jobs.context import JobContext
    from api.jobs.retag import progress_of

    with env.sessions() as session:
        job = session.get(Job, job_id)
        if job is None or job.kind != "retag" or job.status != "running":
            return 0
        params = dict(job.params)

    def still_running() -> bool:
        with env.sessions() as session:
            return session.scalar(select(Job.status).where(Job.id == job_id)) == "running"

    total = chunks.stored_notes(env.sessions)
    progress = progress_of(JobContext(env.sessions, job_id), env.sessions, total)
    return chunks.work_through(
        env.sessions, _predictor(env, params), job_id, owner, progress, still_running
    )


def _predictor(env: JobEnv, params: dict[str, Any]) -> Predictor:
    from models.predict import Predictor

    version = str(params["version"])
    return Predictor(env.registry.load(version), env.lexicon, version)
