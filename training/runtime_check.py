"""Choose how a fine-tuned transformer is served: int8 ONNX if it decides as fp32 does.

Quantisation changes every vector a little; what matters is whether it changes
what the service says. The int8 graph is accepted only if, on the checked sets
(the out-of-distribution set and the seed test split), it agrees with the
PyTorch fp32 model on at least 99.5% of theme decisions (note x theme) and its
macro-F1 is at most 0.005 lower. Otherwise the fp32 ONNX graph is served, which
computes the same function as PyTorch, only faster. The figures go in the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.transformer import TransformerClassifier
from training.metrics import score

MIN_AGREEMENT = 0.995
MAX_F1_DROP = 0.005


@dataclass(frozen=True)
class CheckSet:
    """Texts (as the model sees them) and their labels."""

    texts: list[str]
    Y: np.ndarray


def choose_runtime(
    model: TransformerClassifier,
    sets: Mapping[str, CheckSet],
    *,
    min_agreement: float = MIN_AGREEMENT,
    max_f1_drop: float = MAX_F1_DROP,
) -> dict[str, object]:
    """Switch `model` to int8 ONNX if it passes on every set, else fp32 ONNX; return the figures.

    `model` must be fitted, calibrated and thresholded on the PyTorch runtime.
    """
    names = model.theme_names_
    graphs = model.export_runtimes()
    baseline = {name: model.predict_proba(s.texts) for name, s in sets.items()}
    figures: dict[str, dict[str, float]] = {}
    passed = True
    model.use_runtime("onnx-int8", graphs["onnx-int8"])
    for name, check in sets.items():
        quantised = model.predict_proba(check.texts)
        before = score(check.Y, baseline[name], model.thresholds_, names).macro_f1
        after = score(check.Y, quantised, model.thresholds_, names).macro_f1
        agreement = float(
            np.mean((baseline[name] >= model.thresholds_) == (quantised >= model.thresholds_))
        )
        figures[name] = {
            "decision_agreement": round(agreement, 4),
            "macro_f1_fp32": round(before, 4),
            "macro_f1_int8": round(after, 4),
        }
        passed &= agreement >= min_agreement and before - after <= max_f1_drop
    if not passed:
        model.use_runtime("onnx-fp32", graphs["onnx-fp32"])
    return {
        "runtime": model.runtime_,
        "int8_accepted": passed,
        "rule": f"agreement >= {min_agreement}, macro-F1 drop <= {max_f1_drop} on every set",
        "sets": figures,
    }
