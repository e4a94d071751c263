"""Every kind of theme classifier, and loading a saved one whatever its kind."""

from __future__ import annotations

from pathlib import Path

from models.classifier import ThemeClassifier
from models.transformer import KIND as TRANSFORMER
from models.transformer import TransformerClassifier, read_config

# The TF-IDF / embedding kinds with a logistic head, and the fine-tuned transformer.
ThemeModel = ThemeClassifier | TransformerClassifier


def load_model(folder: Path, *, threads: int = 0) -> ThemeModel:
    """The model saved in `folder`, read by the class its config names.

    `threads`: how many the transformer's ONNX graph may use (0: one per core).
    """
    if read_config(folder).get("params", {}).get("kind") == TRANSFORMER:
        return TransformerClassifier.load(folder, threads=threads)
    return ThemeClassifier.load(folder)
