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
from api.classify.routes import router as classify_router
from api.counts.routes import router as counts_router
from api.db.engine import database_url, make_engine, make_session_factory
from api.db.migrate import upgrade
from api.errors import install_error_handlers
from api.meta.routes import router as meta_router
from api.middleware import BodyLimit, Metrics, RequestContext
from api.notes.routes import router as notes_router
from api.settings import Settings
from models.registry import ModelRegistry
from nlp.areas import load_areas
from nlp.cues import build_lexicon
from nlp.taxonomy import load_taxonomy

log = logging.getLogger("walktalk.api")


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
        app.state.model = ActiveModel(
            ModelRegistry(settings.home / "models"), build_lexicon(taxonomy)
        )
        log.info("walktalk API ready (database %s)", engine.url.get_backend_name())
        yield
        engine.dispose()

    app = FastAPI(
        title="walktalk",
        version="0.1.0",
        summary="Sort free-text safety notes into themes, store them and count them.",
        lifespan=lifespan,
    )
    metrics = Metrics()
    app.state.metrics = metrics
    install_error_handlers(app)
    for router in (classify_router, notes_router, counts_router, meta_router):
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=metrics)
    return app
