"""Model evidence for stored notes, computed when a person reads them and cached.

Ingest stores cue-lexicon evidence: occlusion costs about three forward passes
per word, too much for the bulk path. When a note is opened or leased for
review, the predictions still holding cue evidence and made by the active
version get the model's own evidence, which is stored with them, so the next
reader pays nothing. A prediction by another version keeps its cues: only the
model that decided can say why it decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from api.db.tables import Note, Prediction
from models.predict import Predictor


def explain(
    session: Session, predictor: Predictor, pairs: Sequence[tuple[Note, Prediction | None]]
) -> None:
    """Give each prediction of the active version the model's evidence, and commit it."""
    todo = [
        (note, prediction)
        for note, prediction in pairs
        if prediction is not None
        and prediction.evidence_source != "model"
        and prediction.model_version == predictor.version
        and prediction.themes
    ]
    if not todo:
        return
    found = predictor.model_evidence(
        [note.text for note, _ in todo], [prediction.themes for _, prediction in todo]
    )
    for (_, prediction), spans in zip(todo, found, strict=True):
        prediction.evidence = {theme: [list(s) for s in v] for theme, v in spans.items()}
        prediction.evidence_source = "model"
    session.flush()
