"""The interactive API docs at `/docs`, served from installed files, never from a CDN.

FastAPI's default `/docs` loads Swagger UI from a CDN at a floating version,
with no integrity hash and no Content-Security-Policy, on the same origin as the
web pages whose tab holds an API key. Here Swagger UI's files come from the
installed `fastapi-offline` package (only its files are used, not its API) and
the page runs under a CSP that allows scripts from this server only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from api.errors import NotFoundError
from api.web.routes import SECURITY_HEADERS, static_file

router = APIRouter(tags=["web"], include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
}
# Swagger UI sets style attributes and draws icons from data: URLs; scripts stay same-origin.
DOCS_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "Cache-Control": "public, max-age=3600",
}


def _bundle() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


@router.get("/docs")
def docs_page() -> Response:
    """Swagger UI over this server's `/openapi.json`."""
    page = static_file("docs.html", "text/html; charset=utf-8")
    return Response(page.body, media_type=page.media_type, headers=DOCS_HEADERS)


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files; anything not listed is a 404."""
    if name not in ASSETS:
        raise NotFoundError(f"No file {name!r} among the API docs' assets.")
    return Response((_bundle() / name).read_bytes(), media_type=ASSETS[name], headers=DOCS_HEADERS)
