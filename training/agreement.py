"""How far two labellers agree, theme by theme (Cohen's kappa).

A model cannot be more consistent than the people who labelled its data. Raw
agreement flatters rare themes (two people who never tag a theme agree almost
always); kappa corrects for the agreement expected by chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sklearn.metrics import cohen_kappa_score


@dataclass(frozen=True)
class ThemeAgreement:
    """Agreement on one theme over the notes both labellers saw."""

    theme: str
    kappa: float
    observed: float
    both: int
    first_only: int
    second_only: int
    neither: int


def agreement_per_theme(
    first: Mapping[str, Sequence[str]],
    second: Mapping[str, Sequence[str]],
    theme_names: Sequence[str],
) -> list[ThemeAgreement]:
    """Cohen's kappa per theme over the note ids both label sets contain."""
    shared = sorted(set(first) & set(second))
    if not shared:
        raise ValueError("the two label sets have no note id in common")
    return [_theme_agreement(theme, shared, first, second) for theme in theme_names]


def disagreements(
    first: Mapping[str, Sequence[str]], second: Mapping[str, Sequence[str]]
) -> list[str]:
    """Ids of shared notes whose theme sets differ, in id order."""
    shared = sorted(set(first) & set(second))
    return [note_id for note_id in shared if set(first[note_id]) != set(second[note_id])]


def _theme_agreement(
    theme: str,
    ids: list[str],
    first: Mapping[str, Sequence[str]],
    second: Mapping[str, Sequence[str]],
) -> ThemeAgreement:
    a = [theme in first[note_id] for note_id in ids]
    b = [theme in second[note_id] for note_id in ids]
    pairs = list(zip(a, b, strict=True))
    observed = sum(x == y for x, y in pairs) / len(pairs)
    kappa = 1.0 if len(set(a) | set(b)) == 1 else float(cohen_kappa_score(a, b))
    return ThemeAgreement(
        theme=theme,
        kappa=round(kappa, 3),
        observed=round(observed, 3),
        both=pairs.count((True, True)),
        first_only=pairs.count((True, False)),
        second_only=pairs.count((False, True)),
        neither=pairs.count((False, False)),
    )
