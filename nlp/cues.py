"""Evidence spans: where in a note the words that signal a theme are.

A score alone does not let a reviewer check a prediction quickly; highlighted
words do. Each theme in the taxonomy lists cue patterns (regular expressions,
matched case-insensitively on word boundaries). For every theme the model
predicts, the evidence is the character spans of its cues in the text.

Cues explain, they do not decide: the classifier decides whether a theme is
raised ("the lights are fine now" has a lighting cue and no lighting concern).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlp.errors import TaxonomyError
from nlp.taxonomy import Taxonomy

Span = tuple[int, int]


@dataclass(frozen=True)
class CueLexicon:
    """One compiled pattern per theme (None for a theme without cues)."""

    patterns: dict[str, re.Pattern[str] | None]

    def spans(self, text: str, theme: str) -> list[Span]:
        """Merged, ordered character spans of the theme's cues in the text."""
        pattern = self.patterns.get(theme)
        if pattern is None:
            return []
        return merge_spans(
            (m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()
        )

    def evidence(self, text: str, themes: Iterable[str]) -> dict[str, list[Span]]:
        """Spans for each of the given (predicted) themes."""
        return {theme: self.spans(text, theme) for theme in themes}


def build_lexicon(taxonomy: Taxonomy) -> CueLexicon:
    """Compile each theme's cues into one alternation; bad regexes are reported."""
    patterns: dict[str, re.Pattern[str] | None] = {}
    for theme in taxonomy.themes:
        if not theme.cues:
            patterns[theme.name] = None
            continue
        alternation = "|".join(f"(?:{cue})" for cue in theme.cues)
        try:
            patterns[theme.name] = re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)
        except re.error as err:
            raise TaxonomyError(
                f"A cue of theme {theme.name!r} is not a valid pattern: {err}"
            ) from err
    return CueLexicon(patterns)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and join those that overlap or touch."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
