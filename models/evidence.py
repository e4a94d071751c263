"""Evidence from the model itself: the words whose removal lowers a theme's score most.

Cue words explain a prediction only when the note happens to use them; "being
shoved and sworn at by fans" is harassment to a fine-tuned model and has no
harassment cue. Occlusion asks the model instead: every word, and every run of
two or three words (not starting or ending in a function word), is deleted in turn, all the variants are scored in one
batched call, and for each predicted theme the deletions that lower its score
most are kept (at most three, not overlapping, merged where they touch). Spans
are character offsets into the text scored, as cue spans are.

It costs one forward pass per variant (about three per word), so it is computed
where a person will read it (a note opened, the review queue,
`walktalk classify --evidence`, `/v1/classify?evidence=model`), not on the bulk
path; `bench/classify.py` prints its cost per note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from nlp.cues import Span, merge_spans

WORD = re.compile(r"\[[A-Z_]+\]|[\w'’-]+")
MAX_RUN = 3
MAX_SPANS = 3
MAX_WORDS = 120  # longer texts: only the first 120 words are tried, to bound the cost
# (the transformer's long notes are searched in the window that scored them instead)
MIN_SHARE = 0.2  # keep a span only if its drop is at least this share of the best one
# A span may not begin or end with one of these: "groped on a" reads as "groped",
# and a reviewer is shown words that carry meaning, not the glue around them.
GLUE = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "was",
        "were",
        "be",
        "been",
        "are",
        "am",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "there",
        "then",
        "so",
        "if",
        "when",
        "while",
        "who",
        "which",
        "what",
        "just",
    ]
)


class ScoresTexts(Protocol):
    theme_names_: tuple[str, ...]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...


def candidate_spans(text: str) -> list[Span]:
    """Every word and every run of up to `MAX_RUN` words that neither starts nor ends in glue."""
    words = [(m.start(), m.end()) for m in WORD.finditer(text)][:MAX_WORDS]
    content = [text[start:end].lower() not in GLUE for start, end in words]
    return [
        (words[i][0], words[i + size - 1][1])
        for size in range(1, MAX_RUN + 1)
        for i in range(len(words) - size + 1)
        if content[i] and content[i + size - 1]
    ]


def without(text: str, span: Span) -> str:
    """The text with the span deleted (and the doubled space that leaves closed up)."""
    return (text[: span[0]].rstrip() + " " + text[span[1] :].lstrip()).strip()


def occlusion_evidence(
    model: ScoresTexts, texts: Sequence[str], themes: Sequence[Sequence[str]]
) -> list[dict[str, list[Span]]]:
    """For each text, its predicted themes' evidence spans, from one batched model call.

    A model that scores a long note by its best window (`theme_windows`) is
    asked about that window only, once per window that a predicted theme took
    its score from; the spans are given as offsets into the whole text.
    """
    units = [_units(model, text, picked) for text, picked in zip(texts, themes, strict=True)]
    flat = [unit for per_text in units for unit in per_text]
    found = _occlude(model, [t for t, _, _ in flat], [p for _, _, p in flat])
    shifted = iter(
        {theme: [(a + start, b + start) for a, b in spans] for theme, spans in part.items()}
        for part, (_, start, _) in zip(found, flat, strict=True)
    )
    answers: list[dict[str, list[Span]]] = []
    for per_text, picked in zip(units, themes, strict=True):
        answer = {k: v for _ in per_text for k, v in next(shifted).items()}
        answers.append({theme: answer[theme] for theme in picked})
    return answers


def _units(
    model: ScoresTexts, text: str, picked: Sequence[str]
) -> list[tuple[str, int, list[str]]]:
    """The parts of a text to occlude: (part, its offset, the themes looked for in it)."""
    focus = getattr(model, "theme_windows", None)
    if not picked or focus is None:
        return [(text, 0, list(picked))]
    windows = focus(text)
    names = list(model.theme_names_)
    parts: dict[tuple[int, int], list[str]] = {}
    for theme in picked:
        parts.setdefault(windows[names.index(theme)], []).append(theme)
    return [(text[start:end], start, group) for (start, end), group in parts.items()]


def _occlude(
    model: ScoresTexts, texts: Sequence[str], themes: Sequence[Sequence[str]]
) -> list[dict[str, list[Span]]]:
    """Occlusion over each text as it is, all variants scored in one call."""
    names = list(model.theme_names_)
    candidates = [
        candidate_spans(text) if picked else [] for text, picked in zip(texts, themes, strict=True)
    ]
    variants = [
        without(t, span) for t, spans in zip(texts, candidates, strict=True) for span in spans
    ]
    scores = model.predict_proba([*texts, *variants]) if variants else None
    answers: list[dict[str, list[Span]]] = []
    offset = len(texts)
    for i, (spans, picked) in enumerate(zip(candidates, themes, strict=True)):
        if scores is None or not spans:
            answers.append({theme: [] for theme in picked})
            continue
        drops = scores[i] - scores[offset : offset + len(spans)]  # (variants, themes)
        offset += len(spans)
        answers.append({theme: strongest(spans, drops[:, names.index(theme)]) for theme in picked})
    return answers


def strongest(spans: Sequence[Span], drops: np.ndarray) -> list[Span]:
    """Up to `MAX_SPANS` non-overlapping spans with the largest positive drops, merged."""
    chosen: list[Span] = []
    best = float(drops.max()) if len(drops) else 0.0
    if best <= 0:
        return []
    for index in np.argsort(-drops, kind="stable"):
        drop, span = float(drops[index]), spans[index]
        if drop <= 0 or drop < MIN_SHARE * best or len(chosen) == MAX_SPANS:
            break
        if any(span[0] < end and start < span[1] for start, end in chosen):
            continue
        chosen.append(span)
    return merge_spans(chosen)
