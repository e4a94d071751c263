"""Prepare note texts for a model: normalise, validate, redact. One path for every entry point.

A model is trained on redacted text, so it must also be asked about redacted
text: "Pt Ann Lee 07700 900123" and "Pt [PERSON] [PHONE]" are different inputs
to a TF-IDF or a transformer. `/v1/classify`, `/v1/notes`, classify jobs and
`walktalk classify` all prepare texts here (`prepare_texts`, or
`prepare_and_classify`, which overlaps it with the model), so the same note gets
the same themes and scores whichever way it arrives (a test holds them to that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from nlp.ahead import ahead
from nlp.errors import TextError
from nlp.normalise import normalise

if TYPE_CHECKING:  # redaction pulls in spaCy; the limit below is read by light modules too
    from nlp.redact import Redacted, Redactor

MAX_TEXT_CHARS = 10_000
AHEAD_BATCH = 32  # notes redacted per step: 1.15x on requests of 100, 1.25x on 1,000
R = TypeVar("R")


def checked_texts(texts: Sequence[str]) -> list[str]:
    """Each text normalised, in order, once every one has passed the checks.

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
    return normalised


def prepare_texts(texts: Sequence[str], redactor: Redactor) -> list[Redacted]:
    """Each text normalised, checked and redacted, in order (`TextError` as `checked_texts`)."""
    return redactor.redact_many(checked_texts(texts))


def prepare_and_classify(
    texts: Sequence[str],
    redactor: Redactor,
    classify: Callable[[list[str]], Sequence[R]],
    *,
    batch: int = AHEAD_BATCH,
) -> tuple[list[Redacted], list[R]]:
    """`prepare_texts`, then `classify` the redacted texts, batch by batch, overlapped.

    Every text is checked before any is redacted; then each batch is classified
    while the next is redacted in a thread (`nlp.ahead`). The answers are those
    of `classify(prepare_texts(texts))`, in order.
    """
    normalised = checked_texts(texts)
    if len(normalised) <= batch:  # nothing to overlap: no thread
        redacted = redactor.redact_many(normalised)
        return redacted, list(classify([r.text for r in redacted]))
    batches = [normalised[i : i + batch] for i in range(0, len(normalised), batch)]
    redacted = []
    answers: list[R] = []
    for _, prepared in ahead(batches, redactor.redact_many):
        redacted += prepared
        answers += classify([p.text for p in prepared])
    return redacted, answers
