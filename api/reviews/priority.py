"""How much a human review of a note would help, and why, for ordering the queue.

A note whose score for some theme sits near that theme's threshold is one the
model is unsure of: a review is most likely to change its labels there. A note
on which two model versions disagree (found by a re-tag) is worth even more,
so it gets a whole point on top.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.db.tables import Note

# Scores this far from a threshold or more count as "sure" (closeness 0).
SURE_MARGIN = 0.5
DISAGREEMENT_BONUS = 1.0


def review_priority(
    scores: Mapping[str, float], thresholds: Mapping[str, float], *, disagreement: bool = False
) -> float:
    """Closeness of the nearest score to its threshold in [0, 1], plus 1 on disagreement."""
    margins = [abs(scores[name] - t) for name, t in thresholds.items() if name in scores]
    margin = min(margins, default=SURE_MARGIN)
    closeness = 1.0 - min(margin, SURE_MARGIN) / SURE_MARGIN
    return round(closeness + (DISAGREEMENT_BONUS if disagreement else 0.0), 4)


def nearest_threshold(
    scores: Mapping[str, float], thresholds: Mapping[str, float]
) -> tuple[str, float, float] | None:
    """The theme whose score is nearest its threshold: (theme, score, threshold)."""
    pairs = [(abs(scores[n] - t), n, t) for n, t in thresholds.items() if n in scores]
    if not pairs:
        return None
    _, name, threshold = min(pairs)
    return name, scores[name], threshold


def queue_reason(note: Note, scores: Mapping[str, float], thresholds: Mapping[str, float]) -> str:
    """Why the queue offers this note, in words for the reviewer."""
    if note.review_status == "disputed":
        return "two reviewers disagree: adjudicate"
    if note.review_status == "awaiting_second":
        return "chosen for a second review"
    if note.suspect_label:
        return "may be mislabelled: the other reviewed notes contradict its labels"
    if note.review_priority >= DISAGREEMENT_BONUS:
        return "two model versions disagree"
    near = nearest_threshold(scores, thresholds)
    if near is None:
        return "not yet reviewed"
    theme, score, threshold = near
    return f"{theme} score {score:.2f} is near its threshold {threshold:.2f}"
