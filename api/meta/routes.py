"""/v1/themes, /v1/models, /v1/me, /healthz, /readyz, /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.auth.roles import GRANTS
from api.deps import AreaTable, Caller, CanReadMeta, Db, Model, Themes
from api.errors import UnavailableError

router = APIRouter(tags=["meta"])


@router.get("/v1/themes")
def themes(taxonomy: Themes, _: CanReadMeta) -> dict[str, Any]:
    """The taxonomy: each theme's name, definition, what it is not, and examples."""
    return {
        "version": taxonomy.version,
        "themes": [
            {
                "name": t.name,
                "description": t.description,
                "not": t.not_,
                "examples": list(t.examples),
            }
            for t in taxonomy.themes
        ],
    }


@router.get("/v1/areas")
def area_table(areas: AreaTable, _: CanReadMeta) -> dict[str, Any]:
    """The BCUs and the boroughs in each (the City of London is in none)."""
    return {
        "bcus": list(areas.bcus),
        "boroughs": [{"name": b, "bcu": areas.bcu_of(b)} for b in areas.boroughs],
    }


@router.get("/v1/models")
def models(model: Model, _: CanReadMeta) -> dict[str, Any]:
    """Registered versions, the active one, and the version this process has loaded."""
    registry = model.registry
    return {
        "active": registry.active(),
        "loaded": model.loaded_version,
        "versions": [
            {
                "version": v.version,
                "kind": v.kind,
                "created_at": v.created_at,
                "macro_f1": v.macro_f1,
                "ood_macro_f1": v.ood_macro_f1,
                "behaviour": v.behaviour,
                "active": v.active,
            }
            for v in registry.versions()
        ],
    }


@router.get("/v1/me")
def me(caller: Caller) -> dict[str, Any]:
    """Who the key belongs to and what it may do (the web pages show only that)."""
    return {
        "name": caller.name,
        "role": caller.role.value,
        "permissions": sorted(p.value for p in GRANTS[caller.role]),
    }


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (no key needed)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(db: Db, model: Model) -> dict[str, str]:
    """Ready when the database answers and the active model loads (no key needed)."""
    try:
        db.execute(text("SELECT 1"))
    except Exception as err:
        raise UnavailableError("The database does not answer.") from err
    try:
        version = model.current().version
    except Exception as err:
        raise UnavailableError(
            "No model is active or it cannot be loaded; train one with `walktalk train`."
        ) from err
    return {"status": "ready", "model": version}


@router.get("/metrics")
def metrics(request: Request, _: CanReadMeta) -> Response:
    """Prometheus metrics: requests by route and status, latency, notes ingested."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
