"""The recogniser shipped in data/pii/ner: current with its data, and as good as the README says."""

from __future__ import annotations

import pytest

from api.app import build_redactor
from api.settings import Settings
from nlp.areas import Areas
from nlp.pipeline import read_card, recogniser
from nlp.redact import Redactor
from nlp.resources import DEFAULT_PII_NER, PII_DIR, PROJECT_ROOT
from nlp.taxonomy import Taxonomy
from training.dataset import load_notes
from training.person_ner import file_hash
from training.pii_eval import evaluate_pii


@pytest.fixture(scope="module")
def redactor(areas: Areas) -> Redactor:
    """The redactor every entry point builds from default settings: the tuned recogniser."""
    return build_redactor(Settings(), areas)


def test_the_card_names_the_training_data_as_it_is_now() -> None:
    card = read_card(DEFAULT_PII_NER)
    for entry in card["data"]:
        assert file_hash(PROJECT_ROOT / entry["path"]) == entry["sha256"], (
            f"{entry['path']} changed after the recogniser was tuned: run `walktalk pii train`"
        )


def test_no_held_out_or_test_note_was_trained_on() -> None:
    trained_on = {entry["path"] for entry in read_card(DEFAULT_PII_NER)["data"]}
    assert not trained_on & {"data/pii/heldout.jsonl", "data/pii/test.jsonl"}


@pytest.mark.parametrize(("name", "recall"), [("heldout", 0.97), ("test", 0.96)])
def test_people_found_in_notes_nobody_tuned_on(
    redactor: Redactor, taxonomy: Taxonomy, areas: Areas, name: str, recall: float
) -> None:
    notes = load_notes([PII_DIR / f"{name}.jsonl"], taxonomy=taxonomy, areas=areas)
    result = evaluate_pii(redactor.detector, notes, redactor.detector.gazetteer)
    person = result.per_type["PERSON"]
    assert person.recall >= recall
    assert person.precision >= 0.9
    assert result.places_kept == 1.0  # no station or borough redacted


def test_every_layer_of_the_recogniser_multiplies_with_numpy_not_blis(
    redactor: Redactor,
) -> None:
    """BLIS runs its slow generic kernels on AMD Zen 3 and newer (nlp/pipeline.py)."""
    assert redactor.detector.nlp is not None
    model = recogniser(redactor.detector.nlp).model
    layers = list(model.walk())
    assert len(layers) > 10
    assert all(getattr(layer.ops, "use_blis", False) is False for layer in layers)
