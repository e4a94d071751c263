"""Fine-tuning the entity recogniser on our PERSON spans: examples, determinism, loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from nlp.pipeline import PipelineError, load_pipeline
from nlp.resources import DEFAULT_PIPELINE, PII_DIR
from training.person_ner import fine_tune, save, training_examples
from training.records import LabelledNote, PiiSpan


@pytest.fixture(scope="module")
def stock() -> Language:
    return load_pipeline(DEFAULT_PIPELINE)


def small_corpus(count: int = 40) -> list[LabelledNote]:
    lines = (PII_DIR / "train.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    return [LabelledNote.model_validate(json.loads(line)) for line in lines]


def test_examples_take_gold_names_and_keep_the_other_entities(stock: Language) -> None:
    text = "Pt HOLLOWAY, Bea says the subway under Camden Town in London is dark"
    note = LabelledNote(
        id="x", text=text, themes=(), pii=(PiiSpan(start=3, end=16, label="PERSON"),)
    )
    stock_entities = {(e.text, e.label_) for e in stock(text).ents if e.label_ != "PERSON"}
    example = training_examples(stock, [note])[0]
    gold = {(e.text, e.label_) for e in example.reference.ents}
    assert ("HOLLOWAY, Bea", "PERSON") in gold
    kept = {pair for pair in stock_entities if "HOLLOWAY" not in pair[0]}
    assert kept  # places and the like, rehearsed as the stock model saw them
    assert kept <= gold
    assert all(label != "PERSON" or name == "HOLLOWAY, Bea" for name, label in gold)


def test_training_is_seeded_and_the_result_loads_into_the_pipeline(tmp_path: Path) -> None:
    notes = small_corpus()
    first = fine_tune(notes, pipeline=DEFAULT_PIPELINE, epochs=1)
    second = fine_tune(notes, pipeline=DEFAULT_PIPELINE, epochs=1)
    assert first.losses == second.losses
    data = PII_DIR / "train.jsonl"
    save(first, tmp_path / "ner-a", [data], {})
    save(second, tmp_path / "ner-b", [data], {})
    weights = [(tmp_path / name / "ner" / "model").read_bytes() for name in ("ner-a", "ner-b")]
    assert weights[0] == weights[1]
    card = json.loads((tmp_path / "ner-a" / "card.json").read_text())
    assert card["data"][0]["path"] == "data/pii/train.jsonl"
    assert card["person_spans"] == sum(s.label == "PERSON" for n in notes for s in n.pii)
    tuned = load_pipeline(DEFAULT_PIPELINE, tmp_path / "ner-a")
    text = notes[0].text
    assert [e.text for e in tuned(text).ents] == [e.text for e in first.nlp(text).ents]


def test_a_folder_without_a_card_or_from_another_pipeline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="No tuned entity recogniser"):
        load_pipeline(DEFAULT_PIPELINE, tmp_path)
    (tmp_path / "card.json").write_text(json.dumps({"base": "en_core_web_lg 3.8.0"}))
    with pytest.raises(PipelineError, match=r"trained from 'en_core_web_lg 3\.8\.0'"):
        load_pipeline(DEFAULT_PIPELINE, tmp_path)


def test_the_shared_token_vectors_are_left_out_when_nothing_listens(stock: Language) -> None:
    assert stock.pipe_names == ["ner"]
