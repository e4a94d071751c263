"""The FastAPI app, built by `create_app(settings)`.

Nothing happens at import: the engine, sessions, migrations, taxonomy, area
table and the active model are set up in the lifespan, from the settings given.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.active_model import ActiveModel
from api.classify.job_routes import STREAMED_PATHS
from api.classify.job_routes import router as classify_jobs_router
from api.classify.routes import router as classify_router
from api.counts.routes import router as counts_router
from api.db.engine import database_url, make_engine, make_session_factory
from api.db.migrate import upgrade
from api.errors import install_error_handlers
from api.jobs.catalogue import JobEnv
from api.jobs.execute import fail_interrupted
from api.jobs.runner import InProcessJobs, JobQueue
from api.lifecycle.routes import router as lifecycle_router
from api.meta.routes import router as meta_router
from api.middleware import BodyLimit, ErrorBoundary, Metrics, RequestContext
from api.model_store import open_registries
from api.notes.routes import router as notes_router
from api.rate_limit import build_limiter
from api.reviews.routes import router as review_router
from api.safeguarding.flagger import Flagger
from api.safeguarding.routes import router as safeguarding_router
from api.settings import Settings
from api.walks.routes import router as walks_router
from api.web.docs import router as docs_router
from api.web.routes import router as web_router
from nlp.areas import Areas, load_areas
from nlp.cues import build_lexicon
from nlp.gazetteer import Gazetteer, load_gazetteer
from nlp.pii import PiiDetector, load_given_names
from nlp.redact import Redactor
from nlp.taxonomy import load_taxonomy

log = logging.getLogger("walktalk.api")


def build_redactor(settings: Settings, areas: Areas) -> Redactor:
    """PII detection with the configured spaCy pipeline, gazetteer and given names."""
    from nlp.pipeline import load_pipeline  # spaCy: only once the app starts

    tuned = settings.pii_ner_path
    detector = PiiDetector(
        load_pipeline(settings.spacy_model, tuned) if settings.pii_ner else None,
        build_gazetteer(settings, areas),
        given_names=load_given_names(settings.given_names_path),
        trust_entities=settings.pii_ner and tuned is not None,
    )
    return Redactor(detector)


def build_gazetteer(settings: Settings, areas: Areas) -> Gazetteer:
    """Stations, districts, parks and streets: places that are never personal data."""
    return load_gazetteer(
        settings.stations_path,
        areas,
        districts_path=settings.districts_path,
        parks_path=settings.parks_path,
        streets_path=settings.streets_path,
    )


def start_jobs(app: FastAPI, settings: Settings) -> JobQueue:
    """A queue to `walktalk worker` processes if one is configured, else a thread here."""
    env = JobEnv(
        sessions=app.state.sessions,
        settings=settings,
        registry=app.state.model.registry,
        lexicon=app.state.model.lexicon,
        taxonomy=app.state.taxonomy,
        areas=app.state.areas,
        redactor=app.state.redactor,
    )
    if settings.queue_url:
        from api.jobs.queue import QueuedJobs

        return QueuedJobs(
            app.state.sessions,
            settings.queue_url,
            heartbeat_seconds=settings.queue_heartbeat_seconds,
        )
    # Embedded: this process is the only one that runs jobs, so any left
    # unfinished were cut off by its own restart.
    with app.state.sessions() as session, session.begin():
        if stale := fail_interrupted(session):
            log.warning("%d background job(s) were cut off by a restart", stale)
    return InProcessJobs(env)


def create_app(settings: Settings) -> FastAPI:
    """A configured app; its resources are opened when it starts serving."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(database_url(settings.database_url, settings.home))
        if settings.migrate_on_start:
            upgrade(engine)
        taxonomy = load_taxonomy(settings.taxonomy_path)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = make_session_factory(engine)
        app.state.taxonomy = taxonomy
        app.state.areas = load_areas(settings.areas_path)
        # Components already set (tests share loaded ones across apps) are kept.
        themes, flags = open_registries(settings, app.state.sessions)
        if not hasattr(app.state, "model"):
            app.state.model = ActiveModel(themes, build_lexicon(taxonomy))
        if not hasattr(app.state, "flagger"):
            app.state.flagger = Flagger(flags)
        if not hasattr(app.state, "redactor"):
            app.state.redactor = build_redactor(settings, app.state.areas)
        app.state.jobs = start_jobs(app, settings)
        shared = settings.rate_limit_url or settings.queue_url
        app.state.rate_limiter = build_limiter(settings.rate_limit_per_minute, shared)
        work = settings.work_chars_per_minute
        app.state.work_limiter = build_limiter(work, shared, name="work", burst=work)
        log.info("walktalk API ready (database %s)", engine.url.get_backend_name())
        yield
        app.state.jobs.shutdown()
        engine.dispose()

    app = FastAPI(
        title="walktalk",
        version="0.1.0",
        summary="Sort free-text safety notes into themes, store them and count them.",
        lifespan=lifespan,
        docs_url=None,  # served by api.web.docs from installed files, under a CSP
        redoc_url=None,
    )
    metrics = Metrics()
    app.state.metrics = metrics
    install_error_handlers(app)
    routers = (
        classify_router,
        classify_jobs_router,
        notes_router,
        review_router,
        counts_router,
        lifecycle_router,
        meta_router,
        safeguarding_router,
        walks_router,
    )
    for router in routers:
        app.include_router(router)
    app.include_router(web_router)
    app.include_router(docs_router)
    # Outermost last: ids and access logs, then the error boundary, then the body limit.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, streamed=STREAMED_PATHS)
    app.add_middleware(ErrorBoundary)
    app.add_middleware(RequestContext, metrics=metrics)
    return app
