"""Fine-tune the spaCy pipeline's entity recogniser to find people as notes name them.

Why: en_core_web_sm learnt PERSON from news and web text. In officers' notes
and participants' messages names come in capitals ("R. ADEYEMI"), surname
first ("OKONJO, Adaeze"), after "IP" or "Pt", in sign-offs and in lower-case
text-speak, and words that look like names are places ("Seven Sisters") or
officers ("PC 4417 Hartley"). Out of the box its PERSON entities are too often
wrong to use alone (the redactor's rules had to vouch for each), and the rules
miss what nobody wrote a rule for. Fine-tuned on labelled notes, its PERSON
entities can be taken as they are.

Rehearsal: each note is labelled with its gold PERSON spans and the stock
recogniser's other entities on that note (a gold name wins where they
overlap), so the tuned model still finds places (GPE, LOC, FAC) as before and
forgets nothing but its mistakes about people. Training is seeded and runs on
one core: about a minute an epoch for the 10,000 default notes.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.pii import PiiDetector
from nlp.pipeline import CARD, base_of, load_pipeline, recogniser
from nlp.resources import PII_DIR
from training.records import LabelledNote

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.training import Example

    from nlp.areas import Areas
    from nlp.gazetteer import Gazetteer
    from nlp.taxonomy import Taxonomy

EPOCHS = 10
BATCH = 32
DROPOUT = 0.35
SEED = 20261207
TRAINING_FILES = ("challenge.jsonl", "train.jsonl")  # in data/pii, with the seed and broad splits
HELD_OUT_FILES = ("heldout.jsonl", "test.jsonl")  # in data/pii: never trained on

EpochDone = Callable[[int, float], None]  # (epoch, loss)


@dataclass(frozen=True)
class TrainedNer:
    nlp: Language
    notes: int
    names: int
    losses: list[float]
    seconds: float


def training_examples(nlp: Language, notes: Sequence[LabelledNote]) -> list[Example]:
    """Each note with its gold PERSON spans and the stock recogniser's other entities."""
    from spacy.training import Example
    from spacy.util import filter_spans

    examples = []
    docs = nlp.pipe([note.text for note in notes], batch_size=128)
    for note, predicted in zip(notes, docs, strict=True):
        people = [(s.start, s.end, "PERSON") for s in note.pii if s.label == "PERSON"]
        others = [
            (e.start_char, e.end_char, e.label_)
            for e in predicted.ents
            if e.label_ != "PERSON" and not _overlaps(e.start_char, e.end_char, people)
        ]
        doc = nlp.make_doc(note.text)
        spans = [
            doc.char_span(a, b, label=label, alignment_mode="expand")
            for a, b, label in people + others
        ]
        kept = filter_spans([span for span in spans if span is not None])
        entities = [(span.start_char, span.end_char, span.label_) for span in kept]
        examples.append(Example.from_dict(doc, {"entities": entities}))
    return examples


def fine_tune(
    notes: Sequence[LabelledNote],
    *,
    pipeline: str,
    epochs: int = EPOCHS,
    seed: int = SEED,
    on_epoch: EpochDone | None = None,
) -> TrainedNer:
    """The pipeline with its recogniser fine-tuned on `notes` (seeded, deterministic)."""
    from spacy.util import fix_random_seed, minibatch

    started = time.perf_counter()
    fix_random_seed(seed)
    nlp = load_pipeline(pipeline)
    examples = training_examples(nlp, notes)
    optimizer = nlp.resume_training()
    shuffle = random.Random(seed)
    losses: list[float] = []
    for epoch in range(1, epochs + 1):
        shuffle.shuffle(examples)
        loss: dict[str, float] = {}
        for batch in minibatch(examples, size=BATCH):
            nlp.update(batch, sgd=optimizer, drop=DROPOUT, losses=loss)
        losses.append(round(float(loss.get("ner", 0.0)), 1))
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    names = sum(1 for note in notes for span in note.pii if span.label == "PERSON")
    seconds = round(time.perf_counter() - started, 1)
    return TrainedNer(nlp=nlp, notes=len(notes), names=names, losses=losses, seconds=seconds)


def save(trained: TrainedNer, folder: Path, data: Sequence[Path], extra: dict[str, Any]) -> None:
    """The recogniser's weights and a card naming the data (with hashes) it was tuned on.

    Written beside `folder` first and moved into place, so a crash leaves the old one whole.
    """
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    recogniser(trained.nlp).to_disk(staging / "ner")
    card = {
        "base": base_of(trained.nlp),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": [{"path": _shown(path), "sha256": file_hash(path)} for path in data],
        "notes": trained.notes,
        "person_spans": trained.names,
        "epochs": len(trained.losses),
        "losses": trained.losses,
        "seconds": trained.seconds,
        "dropout": DROPOUT,
        "seed": SEED,
        **extra,
    }
    (staging / CARD).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    if folder.exists():
        retired = folder.with_name(folder.name + ".old")
        shutil.rmtree(retired, ignore_errors=True)
        folder.rename(retired)
        staging.rename(folder)
        shutil.rmtree(retired)
    else:
        staging.rename(folder)


def default_training_files(seed: Path, broad: Path) -> list[Path]:
    """Every labelled note written for training: their PERSON spans teach the recogniser."""
    return [seed / "train.jsonl", broad / "train.jsonl", *(PII_DIR / f for f in TRAINING_FILES)]


def score_held_out(
    nlp: Language,
    gazetteer: Gazetteer,
    given_names: frozenset[str],
    taxonomy: Taxonomy,
    areas: Areas,
) -> dict[str, dict[str, dict[str, float]]]:
    """Precision and recall per type, with this recogniser, on the PII sets nobody trained on."""
    from training.dataset import load_notes
    from training.pii_eval import evaluate_pii

    detector = PiiDetector(nlp, gazetteer, given_names=given_names, trust_entities=True)
    scores = {}
    for name in HELD_OUT_FILES:
        notes = load_notes([PII_DIR / name], taxonomy=taxonomy, areas=areas)
        result = evaluate_pii(detector, notes, gazetteer)
        scores[name.removesuffix(".jsonl")] = {
            label: {"precision": s.precision, "recall": s.recall, "support": s.support}
            for label, s in result.per_type.items()
        }
    return scores


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown(path: Path) -> str:
    """The path relative to the project when it is inside it (cards stay portable)."""
    from nlp.resources import PROJECT_ROOT

    resolved = path.resolve()
    return (
        str(resolved.relative_to(PROJECT_ROOT))
        if resolved.is_relative_to(PROJECT_ROOT)
        else str(path)
    )


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int, str]]) -> bool:
    return any(a < end and start < b for a, b, _ in spans)
