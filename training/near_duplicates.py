"""Find texts that are the same note written twice, or nearly so.

Near-duplicates inflate test scores (the model has seen the answer) and hide how
little variety a corpus really has. Two texts are near-duplicates when the
Jaccard similarity of their sets of character k-grams reaches a threshold.

Comparing every pair is quadratic; prefix filtering keeps it exact and fast.
Order each set's k-grams from rarest to commonest; two sets with Jaccard >= t
must share at least one k-gram among the first |x| - ceil(t * |x|) + 1 of each
(Chaudhuri et al., 2006, "A primitive operator for similarity joins").
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SimilarPair:
    """Positions of two similar texts in the input and their similarity."""

    first: int
    second: int
    jaccard: float


def shingles(text: str, *, k: int = 5) -> frozenset[str]:
    """Character k-grams of the text, case- and whitespace-folded."""
    folded = _SPACE.sub(" ", text.lower()).strip()
    if len(folded) <= k:
        return frozenset([folded])
    return frozenset(folded[i : i + k] for i in range(len(folded) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Size of the intersection over size of the union (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def near_duplicate_pairs(
    texts: Sequence[str], *, threshold: float = 0.8, k: int = 5
) -> list[SimilarPair]:
    """Every pair of texts whose k-gram Jaccard similarity is at least `threshold`."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    sets = [shingles(text, k=k) for text in texts]
    frequency = Counter(gram for grams in sets for gram in grams)
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[SimilarPair] = []
    for position in sorted(range(len(sets)), key=lambda i: len(sets[i])):
        grams = sets[position]
        ordered = sorted(grams, key=lambda gram: (frequency[gram], gram))
        prefix = ordered[: len(grams) - math.ceil(threshold * len(grams)) + 1]
        candidates = {other for gram in prefix for other in index[gram]}
        for other in candidates:
            if len(sets[other]) < threshold * len(grams):
                continue
            similarity = jaccard(grams, sets[other])
            if similarity >= threshold:
                first, second = sorted((other, position))
                pairs.append(SimilarPair(first, second, round(similarity, 3)))
        for gram in prefix:
            index[gram].append(position)
    return sorted(pairs, key=lambda pair: (pair.first, pair.second))
