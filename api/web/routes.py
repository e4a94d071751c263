"""Serve the web pages and their scripts and styles from `api/web/static`.

Pages need no key: they are the same for everyone and hold no data. Only the
files listed here are served (no path from the URL ever reaches the file
system), with a strict Content-Security-Policy: scripts and styles from this
origin only, so a note's text can never run as code even if it were inserted
as markup by mistake.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from api.errors import NotFoundError

router = APIRouter(tags=["web"], include_in_schema=False)

PAGES = {"": "index.html", "review": "review.html", "dashboard": "dashboard.html"}
ASSETS = {
    "common.js": "text/javascript",
    "signin.js": "text/javascript",
    "review.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "walktalk.css": "text/css",
    "docs.js": "text/javascript",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def static_file(name: str, media_type: str) -> Response:
    """One packaged file, read per request (they are small, and edits show at once)."""
    body = files("api.web").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/ui")
def sign_in_page() -> Response:
    """Sign in with an API key; links to the pages the key's role may use."""
    return static_file(PAGES[""], "text/html; charset=utf-8")


@router.get("/ui/")
def sign_in_page_slash() -> RedirectResponse:
    """`/ui/` and `/ui` are the same page; one URL keeps relative links simple."""
    return RedirectResponse("/ui", status_code=308)


@router.get("/ui/static/{name}")
def asset(name: str) -> Response:
    """A script or style sheet of the pages; anything not listed is a 404."""
    if name not in ASSETS:
        raise NotFoundError(f"No file {name!r} among the web pages' assets.")
    return static_file(name, ASSETS[name])


@router.get("/ui/{page}")
def page(page: str) -> Response:
    """The review queue (`/ui/review`) or the dashboard (`/ui/dashboard`)."""
    if page not in PAGES or not page:
        raise NotFoundError(f"No page /ui/{page}; the pages are /ui, /ui/review, /ui/dashboard.")
    return static_file(PAGES[page], "text/html; charset=utf-8")
