"""Counts that describe a labelled corpus: what a dataset card reports.

Skewed corpora make skewed models; these counts are printed by the checker so
an analyst sees at once if a theme, a source or an area is thin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from training.records import LabelledNote


@dataclass
class CorpusStats:
    """Per-theme, per-source, per-area and per-combination counts."""

    notes: int = 0
    themes: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    boroughs: Counter[str] = field(default_factory=Counter)
    bcus: Counter[str] = field(default_factory=Counter)
    combinations: Counter[str] = field(default_factory=Counter)
    hard_kinds: Counter[str] = field(default_factory=Counter)
    pii_labels: Counter[str] = field(default_factory=Counter)
    no_theme: int = 0
    multi_theme: int = 0
    hard: int = 0
    with_pii: int = 0
    words: int = 0

    def share(self, count: int) -> float:
        """A count as a fraction of all notes (0 for an empty corpus)."""
        return count / self.notes if self.notes else 0.0


def corpus_stats(notes: Sequence[LabelledNote], theme_order: Sequence[str]) -> CorpusStats:
    """Count everything the dataset card and the checker report."""
    stats = CorpusStats(notes=len(notes))
    rank = {name: position for position, name in enumerate(theme_order)}
    for note in notes:
        themes = sorted(note.themes, key=lambda name: rank.get(name, len(rank)))
        stats.themes.update(themes)
        stats.sources[note.source or "(none)"] += 1
        stats.boroughs[note.borough or "(none)"] += 1
        stats.bcus[note.bcu or "(none)"] += 1
        stats.combinations["+".join(themes) or "(no theme)"] += 1
        stats.hard_kinds.update(note.hard)
        stats.pii_labels.update(span.label for span in note.pii)
        stats.no_theme += not themes
        stats.multi_theme += len(themes) >= 2
        stats.hard += bool(note.hard)
        stats.with_pii += bool(note.pii)
        stats.words += len(note.text.split())
    return stats


def stats_lines(stats: CorpusStats, theme_order: Sequence[str]) -> list[str]:
    """The counts as aligned plain-text lines, for a terminal or a log."""
    lines = [f"notes: {stats.notes}   mean words: {stats.words / max(stats.notes, 1):.0f}"]
    lines.append("themes:")
    lines += [_row(name, stats.themes[name], stats) for name in theme_order]
    lines.append("shape:")
    lines += [
        _row("no theme", stats.no_theme, stats),
        _row("two or more themes", stats.multi_theme, stats),
        _row("hard cases", stats.hard, stats),
        _row("with PII", stats.with_pii, stats),
    ]
    for title, counter in (
        ("sources", stats.sources),
        ("BCUs", stats.bcus),
        ("boroughs", stats.boroughs),
        ("label combinations", stats.combinations),
        ("hard-case kinds", stats.hard_kinds),
        ("PII spans by type", stats.pii_labels),
    ):
        lines.append(f"{title}:")
        lines += [_row(key, count, stats) for key, count in counter.most_common()]
    return lines


def _row(label: str, count: int, stats: CorpusStats) -> str:
    return f"  {label:<44} {count:>6}  {100 * stats.share(count):5.1f}%"
