"""Long notes as windows: each fits the encoder, together they cover every word."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from transformers import PreTrainedTokenizerBase

from models.encoder import default_encoder_path, load_tokenizer
from models.windows import score_in_windows, split_into_windows, window_spans

MAX_LENGTH = 32  # small windows, so short texts exercise the cutting


@cache
def _tokenizer() -> PreTrainedTokenizerBase:
    return load_tokenizer(default_encoder_path())


def _tokens(text: str) -> int:
    return len(_tokenizer()(text)["input_ids"])


def _long(sentences: int) -> str:
    return " ".join(f"Note {i} says the walk went past the old flats." for i in range(sentences))


def test_texts_that_fit_pass_through_untouched() -> None:
    texts = ["short one", "", "Dark path by the canal, nobody about."]
    assert split_into_windows(texts, _tokenizer(), MAX_LENGTH) == (texts, [0, 1, 2])


def test_a_long_text_is_cut_into_overlapping_windows_that_fit() -> None:
    text = _long(12)
    windows, owners = split_into_windows(["short", text], _tokenizer(), MAX_LENGTH)
    assert owners[0] == 0
    assert set(owners[1:]) == {1}
    assert len(windows) > 3
    assert all(_tokens(window) <= MAX_LENGTH for window in windows)
    assert all(window in text for window in windows[1:])
    # a window starts at a sentence where one falls within its step
    assert all(window.startswith("Note") for window in windows[1:])
    assert windows[1].startswith("Note 0")
    assert windows[-1].endswith("old flats.")


def test_a_long_text_is_cut_into_windows_of_the_size_asked() -> None:
    text = _long(12)
    whole, _ = split_into_windows([text], _tokenizer(), 128)
    small, _ = split_into_windows([text], _tokenizer(), 128, window=16)
    assert len(whole) < len(small)
    assert all(_tokens(window) <= 16 + 2 for window in small)
    assert split_into_windows(["Note 1 is short."], _tokenizer(), 128, window=4)[0] == [
        "Note 1 is short."
    ]  # a text that fits is read whole, whatever the window


def test_windows_for_training_do_not_overlap() -> None:
    text = _long(12)
    spans = window_spans([text], _tokenizer(), 128, 16, overlap=False)[0]
    assert len(spans) > 3
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))
    assert spans[0][0] == 0
    assert spans[-1][1] == len(text)
    assert all(_tokens(text[start:end]) <= 16 + 2 for start, end in spans)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1),
        min_size=1,
        max_size=80,
    )
)
@example(["0:0:0:0::0:", "0:0:0:0::0:", "0:0:0:0::"])  # found by CI: the same words twice
def test_windows_fit_and_cover_every_word(words: list[str]) -> None:
    text = " ".join(words)
    windows, _ = split_into_windows([text], _tokenizer(), MAX_LENGTH)
    spans = window_spans([text], _tokenizer(), MAX_LENGTH)[0]
    assert windows == [text[start:end] for start, end in spans]
    assert all(_tokens(window) <= MAX_LENGTH for window in windows)
    # Located by their spans: a repetitive text holds a window's words in more than one place.
    covered = np.zeros(len(text), dtype=bool)
    for start, end in spans:
        covered[start:end] = True
    assert all(covered[i] for i, char in enumerate(text) if not char.isspace())


def test_a_long_text_scores_its_highest_window_per_theme() -> None:
    def count_words(windows: list[str]) -> np.ndarray:
        return np.array([[w.count("dark"), w.count("bus")] for w in windows], dtype=np.float32)

    long = _long(10) + " It was dark. " + _long(10) + " Then the bus."
    scores = score_in_windows(["dark bus", long], _tokenizer(), MAX_LENGTH, count_words)
    np.testing.assert_array_equal(scores, [[1, 1], [1, 1]])
