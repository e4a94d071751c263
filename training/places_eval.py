"""How well walktalk finds the places a note names, and the area it infers from them.

Scored against a labelled set (`data/places/notes.jsonl`): each note has gold
place spans (start, end, kind and the boroughs the place lies in) and the
borough and BCU the note is about (either may be null).

- Spans: precision and recall of predicted place spans, exact (same start and
  end) and overlapping (any shared character); kind agreement on exact matches.
- Boroughs: of the predicted places resolved to one borough that overlap a gold
  place with boroughs, the share whose borough is one of the gold ones; of those
  resolved to several boroughs, the share whose list holds a gold one.
- Area: `infer_area` on the predicted places. Coverage is the share of notes
  given a borough or a BCU; accuracy the share of those guesses that agree with
  the gold (a borough guess must be the gold borough, or sit in the gold BCU
  when the gold has only a BCU; a BCU-only guess must be the gold BCU).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from nlp.areas import Areas
from nlp.errors import DataFileError
from nlp.gazetteer import Gazetteer, PlaceMention
from nlp.place_ner import find_places
from nlp.places import infer_area


@dataclass(frozen=True)
class GoldPlace:
    start: int
    end: int
    kind: str
    boroughs: tuple[str, ...]


@dataclass(frozen=True)
class PlacesNote:
    id: str
    text: str
    places: tuple[GoldPlace, ...]
    borough: str | None
    bcu: str | None


@dataclass(frozen=True)
class PlacesEvaluation:
    notes: int
    gold_places: int
    predicted_places: int
    exact_precision: float
    exact_recall: float
    overlap_precision: float
    overlap_recall: float
    kind_agreement: float
    resolved_one: int
    resolved_one_accuracy: float
    resolved_several: int
    resolved_several_accuracy: float
    area_coverage: float
    area_accuracy: float
    borough_recall: float
    notes_per_second: float


def load_places_notes(path: Path, areas: Areas) -> list[PlacesNote]:
    """Read a labelled places file, checking that every span indexes its text."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise DataFileError(f"Cannot read {path}: {err}") from err
    notes = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
            text = str(row["text"])
            places = tuple(
                GoldPlace(
                    int(p["start"]), int(p["end"]), str(p["kind"]), tuple(p.get("boroughs") or ())
                )
                for p in row.get("places") or []
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise DataFileError(f"{where}: not a labelled places note ({err}).") from err
        for place, raw in zip(places, row.get("places") or [], strict=True):
            if not 0 <= place.start < place.end <= len(text):
                raise DataFileError(f"{where}: span {place.start}-{place.end} is outside the text.")
            if "text" in raw and text[place.start : place.end] != raw["text"]:
                raise DataFileError(
                    f"{where}: span {place.start}-{place.end} is not {raw['text']!r}."
                )
            if any(b not in areas.borough_bcu for b in place.boroughs):
                raise DataFileError(f"{where}: unknown borough in {place.boroughs}.")
        borough, bcu = row.get("borough"), row.get("bcu")
        if borough is not None and borough not in areas.borough_bcu:
            raise DataFileError(f"{where}: unknown borough {borough!r}.")
        if bcu is not None and bcu not in areas.bcus:
            raise DataFileError(f"{where}: unknown BCU {bcu!r}.")
        notes.append(PlacesNote(str(row.get("id", number)), text, places, borough, bcu))
    return notes


def evaluate_places(
    notes: Sequence[PlacesNote],
    gazetteer: Gazetteer,
    areas: Areas,
    nlp: Language | None = None,
) -> PlacesEvaluation:
    """Score place finding (pattern-only, or with the pipeline's entities) on the notes."""
    started = time.perf_counter()
    predicted = find_places([note.text for note in notes], gazetteer, nlp)
    elapsed = time.perf_counter() - started
    gold_total = sum(len(note.places) for note in notes)
    pred_total = sum(len(found) for found in predicted)
    exact_hits = overlap_pred = overlap_gold = kind_same = 0
    one = one_right = several = several_right = 0
    guessed = right = gold_boroughs = borough_right = 0
    for note, found in zip(notes, predicted, strict=True):
        for p in found:
            exact = next((g for g in note.places if (g.start, g.end) == (p.start, p.end)), None)
            if exact is not None:
                exact_hits += 1
                kind_same += exact.kind == p.kind
            touching = [g for g in note.places if _overlap(g, p)]
            overlap_pred += bool(touching)
            golds = {b for g in touching for b in g.boroughs}
            if golds and len(p.boroughs) == 1:
                one += 1
                one_right += p.boroughs[0] in golds
            elif golds and len(p.boroughs) > 1:
                several += 1
                several_right += bool(golds & set(p.boroughs))
        overlap_gold += sum(any(_overlap(g, p) for p in found) for g in note.places)
        guess = infer_area(found, areas)
        if note.borough is not None:
            gold_boroughs += 1
            borough_right += guess is not None and guess.borough == note.borough
        if guess is None:
            continue
        guessed += 1
        if guess.borough is not None:
            right += guess.borough == note.borough or (
                note.borough is None and note.bcu is not None and guess.bcu == note.bcu
            )
        else:
            right += note.bcu is not None and guess.bcu == note.bcu
    return PlacesEvaluation(
        notes=len(notes),
        gold_places=gold_total,
        predicted_places=pred_total,
        exact_precision=_share(exact_hits, pred_total),
        exact_recall=_share(exact_hits, gold_total),
        overlap_precision=_share(overlap_pred, pred_total),
        overlap_recall=_share(overlap_gold, gold_total),
        kind_agreement=_share(kind_same, exact_hits),
        resolved_one=one,
        resolved_one_accuracy=_share(one_right, one),
        resolved_several=several,
        resolved_several_accuracy=_share(several_right, several),
        area_coverage=_share(guessed, len(notes)),
        area_accuracy=_share(right, guessed),
        borough_recall=_share(borough_right, gold_boroughs),
        notes_per_second=round(len(notes) / elapsed, 1) if elapsed else 0.0,
    )


def _overlap(gold: GoldPlace, place: PlaceMention) -> bool:
    return gold.start < place.end and place.start < gold.end


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0
