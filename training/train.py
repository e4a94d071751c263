"""A training run: load, fit, calibrate, tune thresholds, evaluate, register.

`walktalk train` and the API's training runs call `run_training`. By default a
model learns from the seed corpus's train split plus the broader corpus's
(`training.corpora`); their validation splits pick the regularisation strength,
fit the calibration and tune the thresholds. The held-out sets (the
out-of-distribution set first, the seed test split, the challenge set) and the
behavioural suite are touched once, at the end, so every version is compared on
the same unseen notes.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.classifier import ThemeClassifier
from models.encoder import ENCODER_PACKAGE, SentenceEncoder
from models.kind_names import DEFAULT_KIND, DEFAULT_SEED, ENCODER_LAYERS, Kind
from models.kinds import ThemeModel
from models.precision import Precision
from models.registry import ModelRegistry, check_version_name
from models.transformer import KIND as TRANSFORMER
from models.transformer import TransformerClassifier
from nlp.areas import Areas
from nlp.taxonomy import Taxonomy
from training.behaviour import BehaviourReport
from training.corpora import Corpora, LoadedSets, load_sets
from training.dataset import fingerprint, label_matrix, load_notes, model_text
from training.evaluate import (
    EvaluationReport,
    evaluate_held_out,
    held_out_markdown,
)
from training.metrics import score, tune_thresholds
from training.records import LabelledNote
from training.runtime_check import CheckSet, choose_runtime

__all__ = ["DEFAULT_KIND", "Kind"]  # re-exported from models.kind_names

# Validation macro-F1 within which two values of C count as equally good.
C_TOLERANCE = 0.002
# Progress reports (what is happening, steps done, steps in all) to whoever shows it.
Progress = Callable[[str, int, int], None]


class TrainConfig(BaseModel):
    """What to train; every field has a default, unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind = DEFAULT_KIND
    data: list[Path] = Field(default_factory=list)  # instead of the seed + broad train splits
    name: str | None = None
    c_grid: list[float] = Field(default_factory=lambda: [4.0, 16.0, 64.0], min_length=1)
    epochs: int = Field(default=3, ge=1, le=20)  # transformer only
    seed: int = Field(default=DEFAULT_SEED, ge=0)  # transformer only
    layers: int = Field(default=ENCODER_LAYERS, ge=1, le=ENCODER_LAYERS)  # transformer only
    precision: Precision = "auto"  # transformer only: of fine-tuning's products


@dataclass(frozen=True)
class TrainResult:
    """The registered version, its card and its evaluations (seed test split first)."""

    version: str
    card: dict[str, Any]
    reports: dict[str, EvaluationReport]
    behaviour: BehaviourReport | None
    activated: bool

    @property
    def report(self) -> EvaluationReport:
        """The seed test split's evaluation, which every version has."""
        return self.reports["test"]


@dataclass(frozen=True)
class SeedSplits:
    train: list[LabelledNote]
    validation: list[LabelledNote]
    test: list[LabelledNote]


def load_seed(seed_dir: Path, *, taxonomy: Taxonomy, areas: Areas) -> SeedSplits:
    def read(name: str) -> list[LabelledNote]:
        return load_notes([seed_dir / f"{name}.jsonl"], taxonomy=taxonomy, areas=areas)

    return SeedSplits(read("train"), read("validation"), read("test"))


def run_training(
    config: TrainConfig,
    *,
    corpora: Corpora,
    registry: ModelRegistry,
    taxonomy: Taxonomy,
    areas: Areas,
    progress: Progress = lambda *_: None,
    extra_notes: Sequence[LabelledNote] = (),
) -> TrainResult:
    """Train one model as configured and register it; activate it if none is active.

    `extra_notes` (e.g. notes reviewers labelled in the store) are added to the
    training notes; like them, any whose text is in a validation or held-out
    set is dropped, so those stay unseen and versions stay comparable.
    """
    started = time.perf_counter()
    version = config.name or f"{config.kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    check_version_name(version)
    progress("loading data", 0, 1)
    sets = load_sets(corpora, taxonomy=taxonomy, areas=areas)
    train_notes = sets.train
    if config.data:
        train_notes = load_notes(config.data, taxonomy=taxonomy, areas=areas)
    train_notes = _without_held_out([*train_notes, *extra_notes], sets)
    total = _fitting_steps(config, len(train_notes)) + 3
    names = taxonomy.names
    encoder = SentenceEncoder(cache=True)

    def fitting(what: str, done: int, of: int) -> None:
        nonlocal total  # fitting knows its steps better than the estimate: the rest follow it
        total = of
        progress(what, done, of)

    model, c_scores = _select_model(config, train_notes, sets.validation, names, encoder, fitting)
    progress("calibrating and tuning thresholds on validation", total - 2, total)
    texts_val, Y_val = (
        [model_text(n) for n in sets.validation],
        label_matrix(sets.validation, names),
    )
    scores_val = model.decision_function(texts_val)
    P_val = model.calibrate_scores(scores_val, Y_val).probabilities(scores_val)
    model.set_thresholds(tune_thresholds(Y_val, P_val))
    runtime = None
    if isinstance(model, TransformerClassifier):
        progress("exporting to ONNX, checking int8 decisions", total - 1, total)
        runtime = choose_runtime(model, _runtime_check_sets(sets, names))
    progress("evaluating on the held-out sets and the behavioural suite", total - 1, total)
    reports, behaviour = evaluate_held_out(model, sets.held_out, sets.behaviour, version=version)
    card = _card(config, model, taxonomy, train_notes, sets, reports, behaviour, c_scores)
    if runtime is not None:
        card["runtime_check"] = runtime
    card["data"]["extra_notes"] = len(extra_notes)
    card["metrics"]["validation"] = score(Y_val, P_val, model.thresholds_, names).as_dict()
    card["training_seconds"] = round(time.perf_counter() - started, 1)
    if isinstance(model, TransformerClassifier):
        card["training_precision"] = model.training_precision_
    registry.register(
        model, card, version=version, markdown=_card_markdown(card, reports, behaviour)
    )
    progress("registered", total, total)
    activated = registry.active() is None
    if activated:
        registry.set_active(version, reason="first model")
    return TrainResult(
        version=version, card=card, reports=reports, behaviour=behaviour, activated=activated
    )


def _runtime_check_sets(sets: LoadedSets, names: Sequence[str]) -> dict[str, CheckSet]:
    """The out-of-distribution set and the seed test split, on which int8 must hold."""
    return {
        name: CheckSet([model_text(n) for n in notes], label_matrix(notes, names))
        for name, notes in sets.held_out.items()
        if name in ("ood", "test")
    }


def _without_held_out(notes: list[LabelledNote], sets: LoadedSets) -> list[LabelledNote]:
    """Drop training notes whose text is in a validation or held-out set."""
    held = {n.text.strip().lower() for n in sets.validation}
    held |= {n.text.strip().lower() for notes in sets.held_out.values() for n in notes}
    return [n for n in notes if n.text.strip().lower() not in held]


def _fitting_steps(config: TrainConfig, notes: int) -> int:
    """Steps the progress bar counts while fitting, estimated: batches, or one per C.

    Fitting reports its own total as it goes (long notes go in smaller batches).
    """
    if config.kind == TRANSFORMER:
        return config.epochs * -(-notes // TransformerClassifier().batch_size)
    return len(config.c_grid)


def _select_model(
    config: TrainConfig,
    train: Sequence[LabelledNote],
    validation: Sequence[LabelledNote],
    names: Sequence[str],
    encoder: SentenceEncoder,
    progress: Progress,
) -> tuple[ThemeModel, dict[str, float]]:
    """Fine-tune the transformer; or fit one model per C and keep the best on validation.

    "Best" is the most regularised (smallest) C whose validation macro-F1 is within
    `C_TOLERANCE` of the highest: when validation cannot tell two models apart, the
    simpler one is kept, so one more training note does not flip the choice (it did:
    C 64 -> 16 for a gain of 0.0006, and 1.3 points of behavioural pass rate).
    """
    texts, Y = [model_text(n) for n in train], label_matrix(train, names)
    if config.kind == TRANSFORMER:
        return _fine_tune(config, texts, Y, names, progress), {}
    texts_val, Y_val = [model_text(n) for n in validation], label_matrix(validation, names)
    fitted: dict[float, tuple[float, ThemeClassifier]] = {}
    for step, C in enumerate(config.c_grid, start=1):
        progress(
            f"fitting {config.kind}, C={C:g}, {len(texts)} notes", step, len(config.c_grid) + 3
        )
        model = ThemeClassifier(kind=config.kind, C=C)
        model.use_encoder(encoder)
        model.fit(texts, Y, theme_names=names)
        P = model.predict_proba(texts_val)
        fitted[C] = (score(Y_val, P, tune_thresholds(Y_val, P), names).macro_f1, model)
    if not fitted:
        raise ValueError("c_grid must hold at least one value")
    top = max(macro for macro, _ in fitted.values())
    chosen = min(C for C, (macro, _) in fitted.items() if macro >= top - C_TOLERANCE)
    return fitted[chosen][1], {f"{C:g}": macro for C, (macro, _) in fitted.items()}


def _fine_tune(
    config: TrainConfig,
    texts: list[str],
    Y: np.ndarray,
    names: Sequence[str],
    progress: Progress,
) -> TransformerClassifier:
    model = TransformerClassifier(
        epochs=config.epochs, seed=config.seed, layers=config.layers, precision=config.precision
    )

    def report(epoch: int, done: int, per_epoch: int, loss: float) -> None:
        # Epochs differ a little in batches (long notes go in smaller ones).
        step, total = (epoch - 1) * per_epoch + done, config.epochs * per_epoch + 3
        progress(f"fine-tuning, epoch {epoch}/{config.epochs}, loss {loss:.3f}", step, total)

    return model.fit(texts, Y, theme_names=names, progress=report)


def _card(
    config: TrainConfig,
    model: ThemeModel,
    taxonomy: Taxonomy,
    train: Sequence[LabelledNote],
    sets: LoadedSets,
    reports: dict[str, EvaluationReport],
    behaviour: BehaviourReport | None,
    c_scores: dict[str, float],
) -> dict[str, Any]:
    import sklearn
    import torch
    import transformers

    metrics: dict[str, Any] = {name: r.overall.as_dict() for name, r in reports.items()}
    metrics["test_subsets"] = {k: v.as_dict() for k, v in reports["test"].subsets.items()}
    if behaviour is not None:
        metrics["behaviour"] = {k: v for k, v in behaviour.as_dict().items() if k != "failures"}
    return {
        "kind": config.kind,
        "params": model.get_params(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "taxonomy_version": taxonomy.version,
        "themes": list(taxonomy.names),
        "thresholds": {
            n: round(float(t), 3)
            for n, t in zip(model.theme_names_, model.thresholds_, strict=True)
        },
        "data": {
            "train_files": [str(p) for p in config.data] or ["seed:train", "broad:train"],
            "train_notes": len(train),
            "train_fingerprint": fingerprint(train),
            "validation_notes": len(sets.validation),
        },
        "test_fingerprint": fingerprint(sets.test),
        "held_out_fingerprints": {name: fingerprint(n) for name, n in sets.held_out.items()},
        "selection": {"validation_macro_f1_by_C": c_scores},
        "metrics": metrics,
        "encoder": ENCODER_PACKAGE if config.kind != "linear" else None,
        "seed": config.seed if config.kind == TRANSFORMER else None,
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
    }


def _card_markdown(
    card: dict[str, Any], reports: dict[str, EvaluationReport], behaviour: BehaviourReport | None
) -> str:
    head = [
        f"# Model card: `{reports['test'].model}`",
        "",
        f"- kind: {card['kind']}, params: `{card['params']}`",
        f"- taxonomy version {card['taxonomy_version']}: {', '.join(card['themes'])}",
        f"- trained on {card['data']['train_notes']} notes ({', '.join(card['data']['train_files'])}), "
        f"fingerprint {card['data']['train_fingerprint']}, in {card['training_seconds']} s"
        + (
            f" (fine-tuned in {card['training_precision']})" if "training_precision" in card else ""
        ),
        f"- thresholds: {card['thresholds']}",
        f"- created {card['created_at']}",
        "",
    ]
    return "\n".join(head) + held_out_markdown(reports, behaviour)
