"""A small catalogue of errors that a person can act on.

Every error walktalk raises on purpose carries a stable code, a message that says
what was expected and what was found, and where possible a hint naming the fix.
Callers (the CLI, the API) turn these into a titled message or a 4xx answer; they
never need to show a traceback, which could carry the text of a note.

Each error also declares the HTTP answer it stands for (`status`, and `kind`, the
last part of its problem type), so the API has one handler for all of them and
no route re-maps an error by hand. The default, 422, is "the input was
understood but cannot be used".
"""

from __future__ import annotations

from typing import ClassVar


class WalktalkError(Exception):
    """Base of every deliberate walktalk error, in the library, the CLI and the API."""

    code = "W000"
    title = "walktalk error"
    status = 422
    kind = "domain"
    headers: ClassVar[dict[str, str]] = {}  # extra response headers, per class

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        return f"{text} Hint: {self.hint}" if self.hint else text


class TaxonomyError(WalktalkError):
    """The taxonomy file is missing, malformed or inconsistent."""

    code = "W001"
    title = "Bad taxonomy"


class AreasError(WalktalkError):
    """The borough / BCU table is missing or inconsistent."""

    code = "W002"
    title = "Bad area table"


class DataFileError(WalktalkError):
    """A labelled data file cannot be read at all (missing, wrong type)."""

    code = "W010"
    title = "Cannot read data file"


class TextError(WalktalkError):
    """A note's text is unusable once normalised (empty, or over the length limit)."""

    code = "W020"
    title = "Unusable text"
