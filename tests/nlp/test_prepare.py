"""`nlp.prepare`: one way to prepare text; overlapped batches give what one call gives."""

from __future__ import annotations

import pytest

from api.app import build_redactor
from api.settings import Settings
from nlp.areas import Areas
from nlp.errors import TextError
from nlp.prepare import prepare_and_classify, prepare_texts
from nlp.redact import Redactor

TEXTS = [
    "Pt Kerry Walsh 07700 900123 says the alley by Tesco is pitch black",
    "A man   followed me\u200b from the bus stop, call me on 07700 900456",
    "  Great walk, thank you Sophie Adeyemi!  ",
    "Lads outside the chicken shop shout at girls; email kerry.walsh@example.com",
    "No lights on the towpath and not a soul about",
]


@pytest.fixture(scope="module")
def redactor(areas: Areas) -> Redactor:
    return build_redactor(Settings(pii_ner=False), areas)


def lengths(texts: list[str]) -> list[int]:
    return [len(text) for text in texts]


@pytest.mark.parametrize("batch", [1, 2, 64])
def test_overlapped_batches_give_what_one_call_gives(redactor: Redactor, batch: int) -> None:
    redacted, answers = prepare_and_classify(TEXTS, redactor, lengths, batch=batch)
    expected = prepare_texts(TEXTS, redactor)
    assert redacted == expected
    assert answers == [len(r.text) for r in expected]
    assert "Kerry" not in " ".join(r.text for r in redacted)


def test_a_bad_text_is_named_by_its_place_in_the_whole_request(redactor: Redactor) -> None:
    calls: list[int] = []

    def classify(texts: list[str]) -> list[int]:
        calls.append(len(texts))
        return lengths(texts)

    with pytest.raises(TextError, match="Text 4 is empty"):
        prepare_and_classify([*TEXTS[:4], " \u200b ", TEXTS[4]], redactor, classify, batch=2)
    assert calls == []  # every text is checked before any is redacted or classified
