"""Train and score the safeguarding flag: which notes a person must read soon.

The flag is one yes/no label (`urgent`, defined in data/safeguarding/CODEBOOK.md),
learned by its own linear model (word and character TF-IDF, one logistic head,
Platt calibration), apart from the themes: it never changes a theme or a count.

Training notes: every note of the seed and broad training splits. Those with a
harassment theme were labelled for the flag one by one (labels.jsonl); the rest
count as not urgent, since a note with no harassment tells of no crime against
a person. To them are added notes written for the flag (written.jsonl). The
validation splits, labelled the same way, calibrate the score and choose the
threshold: the highest one that still finds `RECALL_TARGET` of the urgent
validation notes, because a missed disclosure costs far more than a note read
for nothing. The held-out set (heldout.jsonl, by a writer who wrote nothing
else) is only scored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from models.classifier import ThemeClassifier
from models.registry import ModelRegistry
from nlp.prepare import prepare_texts
from nlp.redact import Redactor, without_placeholders
from nlp.resources import SAFEGUARDING_DIR
from training.corpora import Corpora, load_sets
from training.dataset import model_text

LABEL = "urgent"
RECALL_TARGET = 0.97
C = 1.0  # chosen on validation precision at the recall target (1, 4, 16 tried)


@dataclass(frozen=True)
class FlagNote:
    id: str
    text: str
    urgent: bool


@dataclass(frozen=True)
class FlagScores:
    notes: int
    urgent: int
    recall: float
    precision: float
    flagged: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "notes": self.notes,
            "urgent": self.urgent,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "flagged": self.flagged,
        }


def read_flag_file(path: Path) -> list[FlagNote]:
    """Notes written for the flag: {"id", "text", "urgent"} per line."""
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            notes.append(FlagNote(str(row["id"]), str(row["text"]), bool(row["urgent"])))
    return notes


def corpus_flag_notes(
    folder: Path = SAFEGUARDING_DIR,
    *,
    taxonomy: Any,
    areas: Any,
    corpora: Corpora | None = None,
) -> tuple[list[FlagNote], list[FlagNote]]:
    """(training, validation) notes of the theme corpora with their flag labels."""
    labels = {
        row["id"]: bool(row["urgent"])
        for row in map(json.loads, (folder / "labels.jsonl").read_text().splitlines())
    }
    sets = load_sets(corpora or Corpora(), taxonomy=taxonomy, areas=areas)

    def flagged(notes: Sequence[Any]) -> list[FlagNote]:
        return [FlagNote(n.id, model_text(n), labels.get(n.id, False)) for n in notes]

    return flagged(sets.train), flagged(sets.validation)


def fit_flag(train: Sequence[FlagNote], validation: Sequence[FlagNote]) -> ThemeClassifier:
    """A calibrated linear flag whose threshold keeps RECALL_TARGET on validation.

    It reads texts without their `[PERSON]`-style placeholders (as the API's
    flagger does): whether a note names someone must not make it urgent.
    """
    model = ThemeClassifier(kind="linear", C=C).fit(
        [without_placeholders(n.text) for n in train], _matrix(train), theme_names=[LABEL]
    )
    texts, y = [without_placeholders(n.text) for n in validation], _matrix(validation)
    model.calibrate(texts, y)
    model.set_thresholds([recall_threshold(model.predict_proba(texts)[:, 0], y[:, 0])])
    return model


def recall_threshold(scores: np.ndarray, truth: np.ndarray, target: float = RECALL_TARGET) -> float:
    """The highest threshold at which at least `target` of the positives score at or above it."""
    positives = np.sort(scores[truth == 1])
    if positives.size == 0:
        return 0.5
    allowed_misses = int(np.floor((1.0 - target) * positives.size))
    return float(np.clip(positives[allowed_misses], 1e-6, 1 - 1e-6))


def score_flag(model: ThemeClassifier, notes: Sequence[FlagNote]) -> FlagScores:
    predicted = model.predict([without_placeholders(n.text) for n in notes])[:, 0]
    truth = np.array([n.urgent for n in notes])
    hits = int((predicted & truth).sum())
    return FlagScores(
        notes=len(notes),
        urgent=int(truth.sum()),
        recall=hits / max(int(truth.sum()), 1),
        precision=hits / max(int(predicted.sum()), 1),
        flagged=int(predicted.sum()),
    )


def _matrix(notes: Sequence[FlagNote]) -> np.ndarray:
    return np.array([[int(n.urgent)] for n in notes], dtype=int)


def prepared(notes: Sequence[FlagNote], redactor: Redactor) -> list[FlagNote]:
    """The notes as ingest would store them: normalised, personal data redacted."""
    texts = prepare_texts([n.text for n in notes], redactor)
    return [FlagNote(n.id, t.text, n.urgent) for n, t in zip(notes, texts, strict=True)]


def train_flag(
    registry: ModelRegistry,
    *,
    taxonomy: Any,
    areas: Any,
    redactor: Redactor,
    name: str | None = None,
    folder: Path = SAFEGUARDING_DIR,
    corpora: Corpora | None = None,
) -> dict[str, Any]:
    """Fit the flag on the corpora, score it, register and activate it; return its card."""
    train, validation = corpus_flag_notes(folder, taxonomy=taxonomy, areas=areas, corpora=corpora)
    train += prepared(read_flag_file(folder / "written.jsonl"), redactor)
    model = fit_flag(train, validation)
    card: dict[str, Any] = {
        "kind": "linear",
        "label": LABEL,
        "C": C,
        "recall_target": RECALL_TARGET,
        "threshold": round(float(model.thresholds_[0]), 6),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_notes": len(train),
        "training_urgent": sum(n.urgent for n in train),
        "validation": score_flag(model, validation).as_dict(),
    }
    held_out = folder / "heldout.jsonl"
    if held_out.exists():
        notes = prepared(read_flag_file(held_out), redactor)
        card["held_out"] = score_flag(model, notes).as_dict()
    version = name or datetime.now(UTC).strftime("flag-%Y%m%d-%H%M%S")
    registry.register(model, card, version=version)
    registry.set_active(version, reason="trained")
    return {**card, "version": version}
