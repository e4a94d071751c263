"""The active model, swapped without a restart when the registry's pointer moves.

Each request asks for the current predictor. If `ACTIVE` names another version
than the one loaded, the new one is loaded (once, under a lock) and swapped in;
requests already holding the old predictor finish with it, so none fails.
"""

from __future__ import annotations

import threading

from models.predict import Predictor
from models.registry import ModelRegistry
from nlp.cues import CueLexicon


class ActiveModel:
    """Holds the loaded predictor for the registry's active version."""

    def __init__(self, registry: ModelRegistry, lexicon: CueLexicon) -> None:
        self.registry = registry
        self.lexicon = lexicon
        self._predictor: Predictor | None = None
        self._lock = threading.Lock()

    def current(self) -> Predictor:
        """The predictor for the active version; raises RegistryError if none."""
        version = self.registry.require_active()
        predictor = self._predictor
        if predictor is not None and predictor.version == version:
            return predictor
        with self._lock:
            if self._predictor is None or self._predictor.version != version:
                model = self.registry.load(version)
                self._predictor = Predictor(model=model, lexicon=self.lexicon, version=version)
            return self._predictor

    @property
    def loaded_version(self) -> str | None:
        return self._predictor.version if self._predictor else None
