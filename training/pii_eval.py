"""How well PII detection does on labelled spans, and whether places survive it.

A detected span counts as a hit when it overlaps a labelled span of the same
type (the placeholder then covers the personal data, even if the edges differ
by a character). Precision is over every detected span; recall over every
labelled one. Places: of the gazetteer places named in the notes, the share
that no detected span touches (a station or borough must not be redacted).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.gazetteer import Gazetteer
from nlp.pii import PII_TYPES, PiiDetector, PiiSpan
from training.records import LabelledNote


@dataclass(frozen=True)
class TypeScores:
    precision: float
    recall: float
    support: int
    detected: int


@dataclass(frozen=True)
class PiiEvaluation:
    notes: int
    per_type: dict[str, TypeScores]
    precision: float
    places_kept: float
    places: int
    notes_per_second: float


def evaluate_pii(
    detector: PiiDetector, notes: Sequence[LabelledNote], gazetteer: Gazetteer
) -> PiiEvaluation:
    started = time.perf_counter()
    predicted = detector.detect_many([note.text for note in notes])
    elapsed = time.perf_counter() - started
    hits, found, gold, correct = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    places = kept = 0
    for note, spans in zip(notes, predicted, strict=True):
        for span in note.pii:
            gold[span.label] += 1
            hits[span.label] += any(_match(span.start, span.end, span.label, p) for p in spans)
        for p in spans:
            found[p.label] += 1
            correct[p.label] += any(_match(s.start, s.end, s.label, p) for s in note.pii)
        for place in gazetteer.find(note.text):
            places += 1
            kept += not any(p.start < place.end and place.start < p.end for p in spans)
    per_type = {
        label: TypeScores(
            precision=round(_share(correct[label], found[label]), 4),
            recall=round(_share(hits[label], gold[label]), 4),
            support=gold[label],
            detected=found[label],
        )
        for label in PII_TYPES
    }
    return PiiEvaluation(
        notes=len(notes),
        per_type=per_type,
        precision=round(_share(sum(correct.values()), sum(found.values())), 4),
        places_kept=round(_share(kept, places), 4),
        places=places,
        notes_per_second=round(len(notes) / elapsed, 1) if elapsed else 0.0,
    )


def _match(start: int, end: int, label: str, span: PiiSpan) -> bool:
    return span.label == label and span.start < end and start < span.end


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 1.0
