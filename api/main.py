"""The ASGI entry point for uvicorn: `uvicorn --factory api.main:app`."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from api.settings import Settings


def app() -> FastAPI:
    """Read the settings now (at start-up, not import) and build the app."""
    return create_app(Settings())
