"""A training run as a background job: the seed corpus plus reviewed notes from the store.

Reviewed notes train with their effective (latest reviewed) themes and their
stored, redacted text. Notes whose reviews disagree and await adjudication are
left out: nobody has settled what they mean yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Note
from api.jobs.context import JobContext, Work
from api.notes import repository
from models.kind_names import ENCODER_LAYERS, Kind
from models.registry import ModelRegistry
from nlp.areas import Areas
from nlp.taxonomy import Taxonomy
from training.records import LabelledNote

if TYPE_CHECKING:  # training pulls in datasets, scikit-learn and torch: only in the job
    from training.corpora import Corpora

BATCH = 1000


def reviewed_notes(session: Session) -> list[LabelledNote]:
    """Every settled reviewed note as a labelled note, oldest first."""
    notes: list[LabelledNote] = []
    query = select(Note).where(Note.reviewed, Note.review_status != "disputed").order_by(Note.id)
    for chunk in session.scalars(query).partitions(BATCH):
        themes = repository.effective_themes(session, [n.id for n in chunk])
        notes += [
            LabelledNote(
                id=f"store-{n.id}",
                text=n.text,
                themes=tuple(themes[n.id]),
                source=n.source,
                borough=n.borough,
                bcu=n.bcu,
                created_at=n.created_at,
            )
            for n in chunk
        ]
    return notes


def training_work(
    *,
    sessions: sessionmaker[Session],
    registry: ModelRegistry,
    taxonomy: Taxonomy,
    areas: Areas,
    corpora: Corpora,
    kind: Kind,
    include_reviewed: bool,
    name: str | None = None,
    layers: int = ENCODER_LAYERS,
    precision: str = "auto",
) -> Work:
    """The job body: gather the reviewed notes, train, register; returns the summary.

    With a `name` (chosen when the job was submitted) the run is safe to repeat:
    a worker that takes the job over after the version was registered reports
    that version instead of training a second one.
    """

    def work(ctx: JobContext) -> dict[str, Any]:
        from training.train import TrainConfig, run_training

        if name is not None and name in {v.version for v in registry.versions()}:
            ctx.log(f"{name} was registered by an earlier attempt")
            return _summary(registry.card(name), name, None, registry.active() == name)

        extra: list[LabelledNote] = []
        if include_reviewed:
            with sessions() as session:
                extra = reviewed_notes(session)
        ctx.log(f"training a {kind} model on the training corpora plus {len(extra)} reviewed notes")
        result = run_training(
            TrainConfig.model_validate(
                {"kind": kind, "name": name, "layers": layers, "precision": precision}
            ),
            corpora=corpora,
            registry=registry,
            taxonomy=taxonomy,
            areas=areas,
            progress=ctx.progress,
            extra_notes=extra,
        )
        ctx.log(
            f"registered {result.version}: test macro-F1 "
            f"{result.card['metrics']['test']['macro_f1']:.3f}"
        )
        return _summary(result.card, result.version, len(extra), result.activated)

    return work


def _summary(
    card: dict[str, Any], version: str, reviewed: int | None, activated: bool
) -> dict[str, Any]:
    test = card["metrics"]["test"]
    return {
        "version": version,
        "reviewed_notes": reviewed,
        "macro_f1": test["macro_f1"],
        "per_theme": {t: s["f1"] for t, s in test["per_theme"].items()},
        "activated": activated,
    }
