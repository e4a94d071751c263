"""Place mentions from the spaCy pipeline's entities (GPE, LOC and FAC).

The gazetteer and the suffix pattern find the places walktalk has a name or a
shape for; a statistical NER adds lower-case and unusual names ("brixton",
"the Rye"). Each entity is resolved through the gazetteer's names and aliases,
whatever its case; one it cannot resolve is kept, if capitalised, with kind
"area" (GPE, LOC) or "facility" (FAC) and no borough. Used only when a pipeline is loaded: it
costs a pipeline run per note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nlp.gazetteer import Gazetteer, PlaceMention
from nlp.places import all_places

if TYPE_CHECKING:  # spaCy is loaded only with a pipeline
    from spacy.language import Language
    from spacy.tokens import Doc

PLACE_LABELS = {"GPE": "area", "LOC": "area", "FAC": "facility"}
# Too broad to say where a note is about, or not a place in a note at all.
_TOO_BROAD = {"london", "uk", "england", "britain", "great britain", "the uk", "united kingdom"}


def entity_places(text: str, doc: Doc, gazetteer: Gazetteer) -> list[PlaceMention]:
    """The doc's place entities as mentions with spans into `text` (the doc's text)."""
    mentions = []
    for ent in doc.ents:
        if ent.label_ not in PLACE_LABELS:
            continue
        start, end = _trim(text, ent.start_char, ent.end_char)
        value = text[start:end]
        if not _plausible(value):
            continue
        entry = gazetteer.lookup(value)
        if entry is not None:
            mentions.append(entry.mention(start, end))
        elif value[0].isupper():  # unresolved lower-case entities are mostly noise ("marina")
            mentions.append(PlaceMention(start, end, value, PLACE_LABELS[ent.label_], None))
    return mentions


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "the " and trailing punctuation or possessive from an entity span."""
    if text[start:end].lower().startswith("the "):
        start += 4
    for suffix in ("'s", "’s"):
        if text.endswith(suffix, start, end):
            end -= len(suffix)
    while end > start and text[end - 1] in ".,;:'’)-":
        end -= 1
    return start, end


def _plausible(value: str) -> bool:
    letters = sum(ch.isalpha() for ch in value)
    return letters >= 3 and "[" not in value and value.lower() not in _TOO_BROAD


def find_places(
    texts: Sequence[str], gazetteer: Gazetteer, nlp: Language | None = None
) -> list[list[PlaceMention]]:
    """Every place each text names: gazetteer, suffix pattern and (with `nlp`) entities."""
    if nlp is None:
        return [places_in(text, gazetteer) for text in texts]
    docs = nlp.pipe(texts, batch_size=64)
    return [places_in(text, gazetteer, doc) for text, doc in zip(texts, docs, strict=True)]


def places_in(text: str, gazetteer: Gazetteer, doc: Doc | None = None) -> list[PlaceMention]:
    """The places one text names; with its pipeline doc, the doc's place entities too."""
    entities = entity_places(text, doc, gazetteer) if doc is not None else ()
    return all_places(text, gazetteer.find(text), entities)
