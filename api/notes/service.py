"""Ingest, read and list notes: the logic behind the /v1/notes routes."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth.keys import Principal
from api.auth.roles import Permission, allowed
from api.db.tables import Note, Prediction
from api.errors import ConflictError, InvalidRequestError, NotFoundError
from api.notes import repository
from api.notes.daylight import light_at, local_hour
from api.notes.explain import explain
from api.notes.schemas import IngestedOut, NoteIn, NoteOut, NotePage, PlaceOut, PredictionOut
from api.reviews.priority import review_priority
from api.safeguarding.flagger import Flagger
from api.validation import MAX_ROW_ID, utc_naive
from api.walks.service import known_walks
from models.predict import Prediction as ModelPrediction
from models.predict import Predictor
from nlp.areas import Areas
from nlp.gazetteer import PlaceMention
from nlp.normalise import normalise
from nlp.pii import PiiDetector
from nlp.places import infer_area
from nlp.prepare import prepare_and_classify
from nlp.redact import Redacted, Redactor

FUTURE_SLACK = timedelta(days=1)


def check_areas(notes: Sequence[NoteIn], areas: Areas) -> list[dict[str, str]]:
    """Borough and BCU must be known and agree; also no external id twice in a batch."""
    errors: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    now = datetime.now(UTC).replace(tzinfo=None)
    for i, note in enumerate(notes):
        where = f"notes.{i}"
        if note.borough is not None and note.borough not in areas.borough_bcu:
            errors.append(
                {
                    "field": f"{where}.borough",
                    "message": "is not a London borough or the City of London",
                }
            )
        if note.bcu is not None and note.bcu not in areas.bcus:
            errors.append(
                {
                    "field": f"{where}.bcu",
                    "message": f"is not a BCU; BCUs are {', '.join(areas.bcus)}",
                }
            )
        elif (
            note.bcu
            and note.borough in areas.borough_bcu
            and areas.bcu_of(note.borough) != note.bcu
        ):
            errors.append(
                {
                    "field": f"{where}.bcu",
                    "message": f"{note.borough} is in {areas.bcu_of(note.borough)}, not {note.bcu}",
                }
            )
        if note.created_at is not None and utc_naive(note.created_at) > now + FUTURE_SLACK:
            errors.append({"field": f"{where}.created_at", "message": "is in the future"})
        if note.external_id is not None:
            if note.external_id in seen:
                errors.append(
                    {
                        "field": f"{where}.external_id",
                        "message": f"repeats notes.{seen[note.external_id]}.external_id",
                    }
                )
            seen.setdefault(note.external_id, i)
    return errors


def ingest(
    session: Session,
    *,
    client: str,
    notes: Sequence[NoteIn],
    predictor: Predictor,
    areas: Areas,
    redactor: Redactor,
    flagger: Flagger | None = None,
    keep_original: bool = False,
) -> list[IngestedOut]:
    """Redact, classify and store the new notes with their predictions; return all in order.

    The text is normalised (Unicode, whitespace) and redacted; that text is what
    is classified, stored and returned, so evidence and place spans point into it.
    The original is kept only if `keep_original`. The safeguarding flag, when a
    flag version is active, scores the same text; it never changes themes.

    A note whose external id this client already sent is not stored again: its
    stored answer comes back with `created: false`.
    """
    errors = check_areas(notes, areas) + check_identifiers(notes, redactor.detector)
    errors += check_walks(session, notes)
    if errors:
        raise InvalidRequestError(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]), errors=errors
        )
    known = repository.existing_external_ids(
        session, client, [n.external_id for n in notes if n.external_id is not None]
    )
    fresh = [n for n in notes if n.external_id not in known]
    redacted, predictions = prepare_and_classify(
        [n.text for n in fresh], redactor, predictor.classify
    )
    locations = redact_locations([n.location for n in fresh], redactor)
    received = datetime.now(UTC).replace(tzinfo=None)
    new = [
        _new_note(client, note_in, text, location, areas, received, keep_original)
        for note_in, text, location in zip(fresh, redacted, locations, strict=True)
    ]
    rows = [_prediction_row(prediction, received) for prediction in predictions]
    flags = flagger.flags([r.text for r in redacted]) if flagger else [None] * len(new)
    for note, flag in zip(new, flags, strict=True):
        if flag is not None:
            note.urgent, note.urgent_score, note.flag_version = (
                flag.urgent,
                flag.score,
                flag.version,
            )
    thresholds = predictor.thresholds
    for note, prediction in zip(new, predictions, strict=True):
        note.review_priority = review_priority(prediction.scores, thresholds)
    try:
        repository.add_new_notes(session, new, rows)
    except IntegrityError as err:
        raise ConflictError(
            "Another request stored a note with the same external id at the same moment; send this batch again."
        ) from err
    created = iter(zip(new, rows, strict=True))
    results = []
    for note_in in notes:
        existing = known.get(note_in.external_id) if note_in.external_id else None
        if existing is not None:
            results.append(_ingested(session, existing, created=False))
        else:
            note, row = next(created)
            results.append(_ingested_output(note, row, themes=sorted(row.themes), created=True))
    return results


def check_walks(session: Session, notes: Sequence[NoteIn]) -> list[dict[str, str]]:
    """A note's `walk` must be a recorded walk."""
    known = known_walks(session, [n.walk for n in notes if n.walk is not None])
    return [
        {"field": f"notes.{i}.walk", "message": "is not a recorded walk (POST /v1/walks first)"}
        for i, note in enumerate(notes)
        if note.walk is not None and note.walk not in known
    ]


def check_identifiers(notes: Sequence[NoteIn], detector: PiiDetector) -> list[dict[str, str]]:
    """External ids and walk ids are labels, not free text: refuse any that hold personal data.

    Every id of the request is read in one call: the recogniser's fixed cost per
    call made one call per id about 15% of an ingest of 100 notes.
    """
    given = [
        (i, field, value)
        for i, note in enumerate(notes)
        for field in ("external_id", "walk_id")
        if (value := getattr(note, field))
    ]
    found = detector.detect_many([value for _, _, value in given])
    return [
        {
            "field": f"notes.{i}.{field}",
            "message": "looks like it holds personal data (a name, phone number, "
            "email, postcode or plate); send an opaque reference instead",
        }
        for (i, field, _), spans in zip(given, found, strict=True)
        if spans
    ]


def redact_locations(locations: Sequence[str | None], redactor: Redactor) -> list[str | None]:
    """Free-text locations redacted like note text ("outside [PERSON]'s flat")."""
    given = [i for i, location in enumerate(locations) if location and normalise(location)]
    done = redactor.redact_many([normalise(locations[i] or "") for i in given])
    out: list[str | None] = [None] * len(locations)
    for i, redacted in zip(given, done, strict=True):
        out[i] = redacted.text
    return out


def _new_note(
    client: str,
    note_in: NoteIn,
    redacted: Redacted,
    location: str | None,
    areas: Areas,
    received: datetime,
    keep_original: bool,
) -> Note:
    created_at = utc_naive(note_in.created_at) if note_in.created_at else received
    occurred_at = utc_naive(note_in.occurred_at) if note_in.occurred_at else None
    day, week, month = repository.calendar(created_at)
    borough, bcu, inferred = _area(note_in, redacted.places, areas)
    return Note(
        client=client,
        external_id=note_in.external_id,
        text=redacted.text,
        original_text=note_in.text if keep_original else None,
        pii_types=redacted.types,
        source=note_in.source,
        created_at=created_at,
        received_at=received,
        day=day,
        week=week,
        month=month,
        occurred_at=occurred_at,
        hour=local_hour(occurred_at or created_at),
        light=light_at(occurred_at or created_at),
        borough=borough,
        bcu=bcu,
        area_inferred=inferred,
        places=[asdict(place) for place in redacted.places],
        location=location,
        walk_id=note_in.walk_id,
        walk=note_in.walk,
    )


def _prediction_row(prediction: ModelPrediction, received: datetime) -> Prediction:
    return Prediction(
        model_version=prediction.model,
        themes=prediction.themes,
        scores=prediction.scores,
        evidence={k: [list(s) for s in v] for k, v in prediction.evidence.items()},
        created_at=received,
    )


def _area(
    note_in: NoteIn, places: Sequence[PlaceMention], areas: Areas
) -> tuple[str | None, str | None, bool]:
    """The note's borough and BCU as given, else inferred from the places it names."""
    if note_in.borough is not None or note_in.bcu is not None:
        bcu = note_in.bcu
        if bcu is None and note_in.borough in areas.borough_bcu:
            bcu = areas.bcu_of(note_in.borough)
        return note_in.borough, bcu, False
    guess = infer_area(places, areas)
    if guess is None:
        return None, None, False
    return guess.borough, guess.bcu, True


def _ingested(session: Session, note: Note, *, created: bool) -> IngestedOut:
    prediction = repository.prediction_of(session, note)
    themes = repository.effective_themes(session, [note.id])[note.id]
    return _ingested_output(note, prediction, themes=themes, created=created)


def _ingested_output(
    note: Note, prediction: Prediction | None, *, themes: list[str], created: bool
) -> IngestedOut:
    return IngestedOut(
        id=note.id,
        external_id=note.external_id,
        created=created,
        text=note.text,
        pii_types=note.pii_types,
        borough=note.borough,
        bcu=note.bcu,
        area_inferred=note.area_inferred,
        places=[PlaceOut.model_validate(place) for place in note.places],
        themes=themes,
        scores=prediction.scores if prediction else {},
        evidence=_spans(prediction.evidence if prediction else {}),
        model=prediction.model_version if prediction else "",
    )


def get_note(session: Session, note_id: int, predictor: Predictor | None = None) -> NoteOut:
    """One note; with `predictor`, its prediction's evidence comes from the model (cached)."""
    note = session.get(Note, note_id)
    if note is None:
        raise NotFoundError(f"No note with id {note_id}.")
    if predictor is not None:
        explain(session, predictor, [(note, repository.prediction_of(session, note))])
    return _note_out(session, note, repository.effective_themes(session, [note.id])[note.id])


def list_notes(session: Session, *, limit: int, cursor: str | None, **filters: object) -> NotePage:
    before_id = decode_cursor(cursor) if cursor else None
    query = repository.list_query(before_id=before_id, **filters).limit(limit + 1)  # type: ignore[arg-type]
    notes = list(session.scalars(query))
    page, more = notes[:limit], len(notes) > limit
    themes = repository.effective_themes(session, [n.id for n in page])
    return NotePage(
        notes=[_note_out(session, n, themes[n.id]) for n in page],
        next_cursor=encode_cursor(page[-1].id) if more else None,
    )


def encode_cursor(note_id: int) -> str:
    return base64.urlsafe_b64encode(f"n:{note_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "n":
            raise ValueError(prefix)
        note_id = int(value)
        if not 1 <= note_id <= MAX_ROW_ID:
            raise ValueError(value)
        return note_id
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidRequestError(
            "cursor: is not a cursor this API gave out; start again without it."
        ) from err


def _note_out(session: Session, note: Note, themes: list[str]) -> NoteOut:
    prediction = repository.prediction_of(session, note)
    return NoteOut(
        id=note.id,
        external_id=note.external_id,
        text=note.text,
        urgent=note.urgent,
        pii_types=note.pii_types,
        source=note.source,
        created_at=note.created_at,
        received_at=note.received_at,
        occurred_at=note.occurred_at,
        hour=note.hour,
        light=note.light,
        borough=note.borough,
        bcu=note.bcu,
        area_inferred=note.area_inferred,
        places=[PlaceOut.model_validate(place) for place in note.places],
        location=note.location,
        walk_id=note.walk_id,
        walk=note.walk,
        themes=themes,
        labels_from="review" if note.reviewed else "prediction",
        prediction=prediction_out(prediction),
    )


def prediction_out(prediction: Prediction | None) -> PredictionOut | None:
    """A stored prediction as the API shows it (None for a note without one)."""
    if prediction is None:
        return None
    return PredictionOut(
        themes=prediction.themes,
        scores=prediction.scores,
        evidence=_spans(prediction.evidence),
        model=prediction.model_version,
        evidence_source="model" if prediction.evidence_source == "model" else "cues",
    )


def _spans(evidence: dict[str, list[list[int]]]) -> dict[str, list[tuple[int, int]]]:
    return {theme: [(span[0], span[1]) for span in spans] for theme, spans in evidence.items()}


def visible_to(principal: Principal, note: NoteOut) -> NoteOut:
    """The note as this caller may see it: a flagged note's text, location and
    evidence only for the safeguarding role and admins."""
    if not note.urgent or allowed(principal.role, Permission.read_safeguarding):
        return note
    prediction = note.prediction.model_copy(update={"evidence": {}}) if note.prediction else None
    return note.model_copy(
        update={"text": None, "text_withheld": True, "location": None, "prediction": prediction}
    )
