from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.classifier import ThemeClassifier
from models.errors import (
    PromotionRefusedError,
    RegistryConflictError,
    RegistryError,
    UnknownVersionError,
)
from models.registry import ModelRegistry
from tests.factories import THEMES, tiny_corpus
from training.promotion import promote


def card(macro: float, **theme_f1: float) -> dict[str, Any]:
    per_theme = {name: {"f1": theme_f1.get(name, macro)} for name in THEMES}
    return {
        "kind": "linear",
        "created_at": "2026-01-01T00:00:00",
        "test_fingerprint": "abc",
        "metrics": {"test": {"macro_f1": macro, "per_theme": per_theme}},
    }


@pytest.fixture(scope="module")
def model() -> ThemeClassifier:
    texts, labels = tiny_corpus()
    return ThemeClassifier().fit(texts, labels, theme_names=THEMES)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models")


def test_register_list_load_and_activate(registry: ModelRegistry, model: ThemeClassifier) -> None:
    registry.register(model, card(0.9), version="v1")
    assert [info.version for info in registry.versions()] == ["v1"]
    assert registry.active() is None
    registry.set_active("v1", reason="test")
    assert registry.active() == "v1"
    assert registry.versions()[0].active
    texts, _ = tiny_corpus()
    assert (registry.load("v1").predict(texts) == model.predict(texts)).all()


def test_a_failed_save_leaves_no_version_behind(registry: ModelRegistry) -> None:
    with pytest.raises(Exception, match="not fitted"):
        registry.register(ThemeClassifier(), card(0.9), version="broken")
    assert registry.versions() == []
    assert [p.name for p in registry.root.iterdir()] == []


def test_duplicate_and_invalid_names_are_refused(
    registry: ModelRegistry, model: ThemeClassifier
) -> None:
    registry.register(model, card(0.9), version="v1")
    with pytest.raises(RegistryError, match="already exists"):
        registry.register(model, card(0.9), version="v1")
    with pytest.raises(RegistryError, match="not a valid version name"):
        registry.register(model, card(0.9), version="../escape")


def test_unknown_version_names_the_command_that_lists_them(registry: ModelRegistry) -> None:
    with pytest.raises(RegistryError) as err:
        registry.load("nope")
    assert "walktalk models list" in (err.value.hint or "")


def test_no_active_model_names_the_training_command(registry: ModelRegistry) -> None:
    with pytest.raises(RegistryError) as err:
        registry.require_active()
    assert "walktalk train" in (err.value.hint or "")


def test_rollback_returns_to_the_previous_version(
    registry: ModelRegistry, model: ThemeClassifier
) -> None:
    for version in ("v1", "v2", "v3"):
        registry.register(model, card(0.9), version=version)
        registry.set_active(version, reason="test")
    assert registry.rollback() == "v2"
    assert registry.active() == "v2"
    assert registry.rollback() == "v1"
    with pytest.raises(RegistryError, match="Nothing to roll back to"):
        registry.rollback()


def test_a_version_off_the_rollback_path_is_deleted_and_rollback_passes_over_it(
    registry: ModelRegistry, model: ThemeClassifier
) -> None:
    for version in ("v1", "v2", "v3", "v4"):
        registry.register(model, card(0.9), version=version)
        registry.set_active(version, reason="test")
    registry.delete("v2")
    assert [info.version for info in registry.versions()] == ["v1", "v3", "v4"]
    assert sorted(p.name for p in registry.root.iterdir() if p.is_dir()) == ["v1", "v3", "v4"]
    assert registry.rollback() == "v3"
    assert registry.rollback() == "v1"  # v2 is gone: passed over
    with pytest.raises(RegistryError, match="Nothing to roll back to"):
        registry.rollback()
    registry.set_active("v4", reason="test")
    assert registry.rollback() == "v1"


def test_the_active_version_and_the_rollback_target_are_not_deleted(
    registry: ModelRegistry, model: ThemeClassifier
) -> None:
    for version in ("v1", "v2"):
        registry.register(model, card(0.9), version=version)
        registry.set_active(version, reason="test")
    with pytest.raises(RegistryConflictError, match="v2 is the active version"):
        registry.delete("v2")
    with pytest.raises(RegistryConflictError, match="v1 is the version `models rollback`"):
        registry.delete("v1")
    with pytest.raises(UnknownVersionError):
        registry.delete("v9")
    assert [info.version for info in registry.versions()] == ["v1", "v2"]


def test_gate_refuses_a_worse_macro_f1(registry: ModelRegistry, model: ThemeClassifier) -> None:
    registry.register(model, card(0.90), version="good")
    registry.register(model, card(0.88), version="worse")
    registry.set_active("good", reason="test")
    with pytest.raises(PromotionRefusedError, match=r"macro-F1 0\.880 < 0\.900"):
        promote(registry, "worse")
    assert registry.active() == "good"


def test_gate_refuses_one_theme_much_worse(registry: ModelRegistry, model: ThemeClassifier) -> None:
    registry.register(model, card(0.90), version="good")
    registry.register(model, card(0.90, isolation=0.86), version="weak-isolation")
    registry.set_active("good", reason="test")
    with pytest.raises(PromotionRefusedError, match=r"isolation F1 0\.860 < 0\.900"):
        promote(registry, "weak-isolation")


def test_gate_passes_within_tolerance_and_force_overrides(
    registry: ModelRegistry, model: ThemeClassifier
) -> None:
    registry.register(model, card(0.90), version="good")
    registry.register(model, card(0.895, lighting=0.875), version="close")
    registry.register(model, card(0.50), version="bad")
    registry.set_active("good", reason="test")
    assert promote(registry, "close").passed
    assert registry.active() == "close"
    result = promote(registry, "bad", force=True)
    assert not result.passed
    assert registry.active() == "bad"
