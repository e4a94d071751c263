"""The active safeguarding flag, swapped without a restart like the theme model.

Every stored note gets a flag score; a note at or above the version's threshold
is flagged for urgent reading. With no flag version active (a home that never
trained one) notes are stored unflagged (`urgent_score` None) until
`walktalk safeguarding rescore` scores them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.registry import ModelRegistry
from nlp.redact import without_placeholders

if TYPE_CHECKING:  # the model classes load scikit-learn: only with a model
    from models.kinds import ThemeModel


@dataclass(frozen=True)
class Flag:
    urgent: bool
    score: float
    version: str


class Flagger:
    """Scores texts with the flag registry's active version (loaded once per version)."""

    def __init__(self, registry: ModelRegistry) -> None:
        self.registry = registry
        self._loaded: tuple[str, ThemeModel] | None = None
        self._lock = threading.Lock()

    def flags(self, texts: Sequence[str]) -> list[Flag | None]:
        """One flag per (already redacted) text; None for each when no flag is active."""
        current = self._current()
        if current is None or not texts:
            return [None] * len(texts)
        version, model = current
        scores = model.predict_proba([without_placeholders(t) for t in texts])[:, 0]
        threshold = float(model.thresholds_[0])
        return [Flag(float(s) >= threshold, round(float(s), 4), version) for s in scores]

    def _current(self) -> tuple[str, ThemeModel] | None:
        version = self.registry.active()
        if version is None:
            return None
        loaded = self._loaded
        if loaded is not None and loaded[0] == version:
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded[0] != version:
                self._loaded = (version, self.registry.load(version))
            return self._loaded
