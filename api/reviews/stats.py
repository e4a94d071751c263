"""Agreement figures for the review process, per theme.

- Between reviewers: on notes with reviews from two different reviewers (kind
  "review"), the first review of each of the first two, compared theme by theme.
- Reviewer vs model: every review against the model's themes for that note when
  the review was made (stored on the review, so a later re-tag does not move it).

Cohen's kappa corrects raw agreement for the agreement expected by chance; it is
undefined (None here) when both sides said the same thing for every note, so the
raw agreement is given too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.tables import Note, Review

LabelPair = tuple[Sequence[str], Sequence[str]]


def review_stats(session: Session, themes: Sequence[str]) -> dict[str, Any]:
    reviews = list(session.scalars(select(Review).order_by(Review.id)))
    plain = [r for r in reviews if r.kind == "review"]
    statuses = dict(
        session.execute(
            select(Note.review_status, func.count())
            .where(Note.review_status.is_not(None))
            .group_by(Note.review_status)
        ).all()
    )
    return {
        "reviews": len(reviews),
        "notes_reviewed": len({r.note_id for r in reviews}),
        "by_status": {str(k): int(v) for k, v in statuses.items()},
        "by_reviewer": dict(Counter(r.reviewer for r in reviews)),
        "between_reviewers": agreement(_reviewer_pairs(plain), themes),
        "reviewer_vs_model": agreement(
            [(r.themes, r.predicted_themes) for r in plain if r.predicted_themes is not None],
            themes,
        ),
    }


def agreement(pairs: Sequence[LabelPair], themes: Sequence[str]) -> dict[str, Any]:
    """Per theme: notes compared, raw agreement and Cohen's kappa."""
    per_theme = {}
    for theme in themes:
        a = [int(theme in left) for left, _ in pairs]
        b = [int(theme in right) for _, right in pairs]
        per_theme[theme] = {
            "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(a), 4)
            if a
            else None,
            "kappa": _kappa(a, b),
        }
    return {"notes": len(pairs), "per_theme": per_theme}


def _kappa(a: list[int], b: list[int]) -> float | None:
    if len(a) < 2 or (len(set(a)) == 1 and set(a) == set(b)):
        return None  # nothing to compare, or no variation at all: kappa is undefined
    from sklearn.metrics import cohen_kappa_score  # scikit-learn: not at app import

    return round(float(cohen_kappa_score(a, b)), 4)


def _reviewer_pairs(reviews: Sequence[Review]) -> list[LabelPair]:
    """For each note, the first reviews of its first two distinct reviewers."""
    first: dict[int, dict[str, list[str]]] = {}
    for review in reviews:
        by_reviewer = first.setdefault(review.note_id, {})
        if review.reviewer not in by_reviewer and len(by_reviewer) < 2:
            by_reviewer[review.reviewer] = review.themes
    return [tuple(labels.values()) for labels in first.values() if len(labels) == 2]  # type: ignore[misc]
