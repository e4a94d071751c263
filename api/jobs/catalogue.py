"""What each kind of job does, rebuilt from its stored kind and parameters.

A job is a row in `jobs` (kind, parameters); its body is built from that row by
whichever process runs it: a thread of `walktalk serve` in the embedded
default, or a `walktalk worker` process when jobs go through a queue. So a job
carries nothing that lives only in the memory of the process that accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.jobs.context import Work
from api.settings import Settings
from models.registry import ModelRegistry
from nlp.areas import Areas
from nlp.cues import CueLexicon
from nlp.redact import Redactor
from nlp.taxonomy import Taxonomy


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


class UnknownJobKindError(ValueError):
    """A job row names a kind this version of walktalk does not run."""


def build_work(job_id: int, kind: str, params: dict[str, Any], env: JobEnv) -> Work:
    """The body of a job, from its kind and parameters."""
    if kind == "retag":
        from api.jobs.retag import retag_work
        from models.predict import Predictor

        version = str(params["version"])
        predictor = Predictor(env.registry.load(version), env.lexicon, version)
        return retag_work(sessions=env.sessions, predictor=predictor, job_id=job_id)
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
        )
    if kind == "classify":
        from api.classify.bulk import classify_work
        from models.predict import Predictor

        version = str(params["version"])
        predictor = Predictor(env.registry.load(version), env.lexicon, version)
        return classify_work(
            sessions=env.sessions, predictor=predictor, redactor=env.redactor, job_id=job_id
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
