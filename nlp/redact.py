"""Replace personal data with its type: "call Ann on 07700 900123" -> "call [PERSON] on [PHONE]".

The redacted text is what walktalk stores and classifies, so every offset the
service returns (evidence, places) refers to it. Redacting twice changes
nothing: a placeholder is never detected as personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nlp.gazetteer import PlaceMention
from nlp.pii import PiiDetector, PiiSpan
from nlp.place_ner import places_in

if TYPE_CHECKING:  # spaCy is loaded only with a pipeline
    from spacy.tokens import Doc


@dataclass(frozen=True)
class Redacted:
    """The redacted text, and where each placeholder now stands in it."""

    text: str
    spans: tuple[PiiSpan, ...]
    places: tuple[PlaceMention, ...] = ()

    @property
    def types(self) -> list[str]:
        """The PII types found, without the values (safe to store and show)."""
        return sorted({span.label for span in self.spans})


def redact(text: str, spans: Sequence[PiiSpan]) -> Redacted:
    """Replace each (non-overlapping) span with `[LABEL]`."""
    pieces: list[str] = []
    placed: list[PiiSpan] = []
    cursor = length = 0
    for span in sorted(spans):
        if span.start < cursor:
            raise ValueError(f"PII spans overlap at {span.start}")
        pieces.append(text[cursor : span.start])
        length += span.start - cursor
        placeholder = f"[{span.label}]"
        placed.append(PiiSpan(length, length + len(placeholder), span.label))
        pieces.append(placeholder)
        length += len(placeholder)
        cursor = span.end
    pieces.append(text[cursor:])
    return Redacted(text="".join(pieces), spans=tuple(placed))


class Redactor:
    """Detect and redact personal data in batches of texts (the ingest path uses this).

    A statistical NER can see a name only once its neighbour is a placeholder
    ("Aa Ra [PHONE]"), so redaction repeats until nothing new is found (at most
    `max_passes` times): redacting a redacted text then changes nothing.
    """

    def __init__(self, detector: PiiDetector, *, max_passes: int = 3) -> None:
        self.detector = detector
        self.max_passes = max_passes

    def redact_many(self, texts: Sequence[str]) -> list[Redacted]:
        current = list(texts)
        found: list[set[str]] = [set() for _ in texts]
        docs: list[Doc | None] = [None] * len(texts)
        pending = list(range(len(texts)))  # texts to (re)check: only those that changed
        for _ in range(self.max_passes):
            if not pending:
                break
            batch = [current[i] for i in pending]
            batch_docs = self.detector.parse(batch)
            spans = self.detector.detect_many(batch, docs=batch_docs)
            changed = []
            for i, text_spans, doc in zip(pending, spans, batch_docs, strict=True):
                docs[i] = doc
                if text_spans:
                    current[i] = redact(current[i], text_spans).text
                    found[i] |= {span.label for span in text_spans}
                    changed.append(i)
            pending = changed
        # Place entities are read from the doc of the final (redacted) text.
        for i, doc in zip(pending, self.detector.parse([current[i] for i in pending]), strict=True):
            docs[i] = doc
        gazetteer = self.detector.gazetteer
        return [
            Redacted(
                text=text,
                spans=placeholders(text, labels),
                places=tuple(places_in(text, gazetteer, doc)),
            )
            for text, labels, doc in zip(current, found, docs, strict=True)
        ]


def placeholders(text: str, labels: set[str]) -> tuple[PiiSpan, ...]:
    """Where the placeholders of the given types stand in a redacted text."""
    if not labels:
        return ()
    pattern = re.compile("|".join(re.escape(f"[{label}]") for label in sorted(labels)))
    return tuple(PiiSpan(m.start(), m.end(), m.group(0)[1:-1]) for m in pattern.finditer(text))


_PLACEHOLDER = re.compile(r"\[(?:[A-Z_]+)\]")


def without_placeholders(text: str) -> str:
    """The redacted text with its `[TYPE]` placeholders taken out.

    For a model that must not learn that a name or a phone number, as such, means
    anything: officers' notes name people and give numbers whatever they report.
    """
    return " ".join(_PLACEHOLDER.sub(" ", text).split())
