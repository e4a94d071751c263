"""Evidence for the `linear` kind from its own arithmetic: each word's share of the score.

A linear model's score for a theme is a sum over features: tf-idf value times
weight. Every feature belongs to words of the note: a word unigram to its word,
a bigram half to each of its two words, a character n-gram to the word it was
cut from. Summing each word's shares gives an exact split of the score (less the
intercept) over the words; the words with the largest positive shares are the
evidence, with no extra model call. Hybrid and encoder kinds have no such split
(their embedding features belong to the whole note) and use occlusion.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np

from models.evidence import GLUE, MAX_SPANS, MIN_SHARE, occlusion_evidence
from nlp.cues import Span

if TYPE_CHECKING:  # scikit-learn loads with the model, not with this module
    from models.classifier import ThemeClassifier

WHITESPACE_WORD = re.compile(r"\S+")


def supports(model: object) -> bool:
    """Whether `model` is a fitted linear TF-IDF model whose scores split over words."""
    return getattr(model, "kind", None) == "linear" and hasattr(model, "tfidf_")


def word_shares(model: ThemeClassifier, text: str) -> tuple[list[Span], np.ndarray] | None:
    """Whitespace words of `text` and each one's share of every theme's score.

    None where offsets cannot be kept (lower-casing changed the text's length).
    """
    lower = text.lower()
    if len(lower) != len(text) or model.tfidf_.parts_ is None:
        return None
    word_part, char_part = model.tfidf_.parts_
    row = model.tfidf_.transform([text]).tocsr()
    share = {
        int(c): float(v) * model.coef_[:, c] for c, v in zip(row.indices, row.data, strict=True)
    }
    words = [(m.start(), m.end()) for m in WHITESPACE_WORD.finditer(lower)]
    scores = np.zeros((len(words), model.coef_.shape[0]), dtype=np.float64)
    offset = len(word_part.vocabulary_)
    per_word = [[offset + c for c in char_part.columns(lower[s:e])] for s, e in words]
    _spread(scores, [(cols, [w]) for w, cols in enumerate(per_word)], share)
    _spread(scores, _word_grams(word_part.vocabulary_, lower, words), share)
    return words, scores


def word_share_evidence(
    model: object, texts: Sequence[str], themes: Sequence[Sequence[str]]
) -> list[dict[str, list[Span]]]:
    """Each text's predicted themes' evidence from word shares (occlusion where none)."""
    model = cast("ThemeClassifier", model)
    names = list(model.theme_names_)
    answers: list[dict[str, list[Span]]] = []
    for text, picked in zip(texts, themes, strict=True):
        split = word_shares(model, text) if picked else None
        if split is None:
            answers += occlusion_evidence(model, [text], [picked])
            continue
        words, shares = split
        answers.append(
            {theme: strongest_words(text, words, shares[:, names.index(theme)]) for theme in picked}
        )
    return answers


def strongest_words(text: str, words: list[Span], shares: np.ndarray) -> list[Span]:
    """Up to `MAX_SPANS` words with the largest positive shares (not function words),
    neighbours joined into one span."""
    best = float(shares.max()) if len(shares) else 0.0
    chosen: list[Span] = []
    for index in np.argsort(-shares, kind="stable"):
        value, (start, end) = float(shares[index]), words[index]
        if value <= 0 or value < MIN_SHARE * best or len(chosen) == MAX_SPANS:
            break
        if text[start:end].lower().strip(".,;:!?'\"()") in GLUE:
            continue
        chosen.append((start, end))
    merged: list[Span] = []
    for start, end in sorted(chosen):
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _word_grams(
    vocabulary: dict[str, int], lower: str, words: list[Span]
) -> list[tuple[list[int], list[int]]]:
    """(columns, owning word indices) for each word unigram and bigram in the text."""
    from models.fast_tfidf import TOKEN

    tokens = [(m.group(0), _owner(words, m.start())) for m in TOKEN.finditer(lower)]
    found: list[tuple[list[int], list[int]]] = []
    for i, (token, owner) in enumerate(tokens):
        if token in vocabulary:
            found.append(([vocabulary[token]], [owner]))
        if i + 1 < len(tokens) and (gram := f"{token} {tokens[i + 1][0]}") in vocabulary:
            found.append(([vocabulary[gram]], [owner, tokens[i + 1][1]]))
    return found


def _spread(
    scores: np.ndarray, items: list[tuple[list[int], list[int]]], share: dict[int, np.ndarray]
) -> None:
    """Give each feature's share to its owners, split over the feature's occurrences."""
    occurrences = Counter(c for cols, owners in items for c in cols for _ in owners)
    for cols, owners in items:
        for c in cols:
            if c in share:
                for owner in owners:
                    scores[owner] += share[c] / occurrences[c]


def _owner(words: list[Span], position: int) -> int:
    for index, (start, end) in enumerate(words):
        if start <= position < end:
            return index
    return len(words) - 1
