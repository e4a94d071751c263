"""Long notes as overlapping windows that each fit the encoder.

The encoder reads at most `max_length` tokens (128: about 90 words). A longer
note used to be cut there, so a concern in its second half was never read: a
participant's email that describes the route first and the dark underpass last
scored as if the underpass were not in it. Here a long note is cut into windows
of whole words, each short enough to be read in full, overlapping by half so
that every sentence of up to half a window is read whole in one of them; the
note's score for a theme is its highest window score (a theme is raised if any
part of the note raises it, as the codebook says).

Notes that fit are passed through untouched, so their scores are unchanged.
A text of no more characters than the window has tokens always fits (a
WordPiece token covers at least one character), which lets most notes skip
tokenising here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from transformers import PreTrainedTokenizerBase

SPECIAL_TOKENS = 2  # [CLS] and [SEP]


Span = tuple[int, int]  # character offsets of a window in its text


def split_into_windows(
    texts: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    window: int = 0,
    *,
    overlap: bool = True,
) -> tuple[list[str], list[int]]:
    """Every text as one or more windows; returns the windows and each one's text index."""
    windows: list[str] = []
    owners: list[int] = []
    spans_of = window_spans(texts, tokenizer, max_length, window, overlap=overlap)
    for index, (text, spans) in enumerate(zip(texts, spans_of, strict=True)):
        windows += [text[start:end] for start, end in spans]
        owners += [index] * len(spans)
    return windows, owners


def window_spans(
    texts: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    window: int = 0,
    *,
    overlap: bool = True,
) -> list[list[Span]]:
    """Each text's windows as character spans: the whole text if it fits.

    A text that fits `max_length` tokens is one window; a longer one is cut into
    windows of `window` tokens (0: as many as fit), overlapping by about half
    unless `overlap` is off (each window then starts where the last one ended:
    half the tokens, for training). Texts that may not fit are tokenised in one
    batched call.
    """
    fits = max_length - SPECIAL_TOKENS
    size = min(window or fits, fits)
    spans = [[(0, len(text))] for text in texts]
    maybe = [i for i, text in enumerate(texts) if len(text) > fits]
    if maybe:
        encoded = tokenizer(
            [texts[i] for i in maybe],
            add_special_tokens=False,
            return_offsets_mapping=True,
            verbose=False,  # no warning that a note is longer than the encoder reads
        )
        for row, i in enumerate(maybe):
            if len(encoded["offset_mapping"][row]) > fits:
                offsets, words = encoded["offset_mapping"][row], encoded.word_ids(row)
                spans[i] = _windows(texts[i], offsets, words, size, overlap)
    return spans


def _windows(
    text: str, offsets: list[tuple[int, int]], words: list[int | None], size: int, overlap: bool
) -> list[Span]:
    """Windows of at most `size` tokens, each from a word start to a word end."""
    starts = [i for i, word in enumerate(words) if i == 0 or word != words[i - 1]]
    sentences = [i for i in starts if i == 0 or _ends_sentence(text, offsets[i - 1], offsets[i])]
    windows: list[Span] = []
    begin = 0
    while True:
        end = min(begin + size, len(offsets))
        cut = end
        while cut < len(offsets) and cut > begin and words[cut] == words[cut - 1]:
            cut -= 1  # do not cut a word in two at the window's end...
        end = cut if cut > begin else end  # ...unless the word is longer than a window
        windows.append((offsets[begin][0], offsets[end - 1][1]))
        if end >= len(offsets):
            return windows
        begin = _next_start(sentences, starts, begin, size // 2) if overlap else end


def _ends_sentence(text: str, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Whether a sentence ends between two tokens (a stop, or a line break)."""
    return text[before[1] - 1] in ".!?" or "\n" in text[before[1] : after[0]]


def _next_start(sentences: list[int], starts: list[int], begin: int, step: int) -> int:
    """Where the next window starts: the last sentence start within `step` tokens of
    `begin`, else the first word start `step` tokens on; always past `begin`."""
    within = [i for i in sentences if begin < i <= begin + step]
    if within:
        return within[-1]
    later = [i for i in starts if i >= begin + step]
    return later[0] if later else begin + step


def score_in_windows(
    texts: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    logits: Callable[[list[str]], np.ndarray],
    window: int = 0,
) -> np.ndarray:
    """Per-theme logits of each text: the highest over its windows."""
    windows, owners = split_into_windows(texts, tokenizer, max_length, window)
    scores = logits(windows)
    if len(windows) == len(texts):
        return scores
    out = np.full((len(texts), scores.shape[1]), -np.inf, dtype=scores.dtype)
    np.maximum.at(out, np.asarray(owners), scores)
    return out
