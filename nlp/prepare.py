"""Prepare note texts for a model: normalise, validate, redact. One path for every entry point.

A model is trained on redacted text, so it must also be asked about redacted
text: "Pt Ann Lee 07700 900123" and "Pt [PERSON] [PHONE]" are different inputs
to a TF-IDF or a transformer. `/v1/classify`, `/v1/notes` and `walktalk classify`
all call `prepare_texts`, so the same note gets the same themes and scores
whichever way it arrives (a test holds them to that).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nlp.errors import TextError
from nlp.normalise import normalise

if TYPE_CHECKING:  # redaction pulls in spaCy; the limit below is read by light modules too
    from nlp.redact import Redacted, Redactor

MAX_TEXT_CHARS = 10_000


def prepare_texts(texts: Sequence[str], redactor: Redactor) -> list[Redacted]:
    """Each text normalised, checked and redacted, in order.

    Raises `TextError` naming the first text (by position) that is empty once
    normalised or longer than `MAX_TEXT_CHARS`; the text itself is never quoted.
    """
    normalised = [normalise(text) for text in texts]
    for position, text in enumerate(normalised):
        if not text:
            raise TextError(
                f"Text {position} is empty once whitespace and control characters are removed."
            )
        if len(text) > MAX_TEXT_CHARS:
            raise TextError(
                f"Text {position} has {len(text)} characters; the limit is {MAX_TEXT_CHARS}."
            )
    return redactor.redact_many(normalised)
