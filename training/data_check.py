"""Check labelled files before anyone trains on them.

A training run on a file with a misspelt theme, shifted PII offsets or the same
note twice gives a model that looks better than it is. The checker reads every
line, reports every problem with its file and line, and counts what is there.
The CLI's `walktalk data check` and the training loader both call `check_files`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from nlp.areas import Areas
from nlp.taxonomy import Taxonomy
from training.corpus_stats import CorpusStats, corpus_stats
from training.near_duplicates import near_duplicate_pairs
from training.readers import labelled_files, read_rows
from training.records import LabelledNote


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one line of one file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Located:
    """A valid note and where it was read from."""

    note: LabelledNote
    path: Path
    line: int


@dataclass
class CheckReport:
    """The outcome of a check: valid notes, every problem, and the counts."""

    files: list[Path]
    notes: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stats: CorpusStats = field(default_factory=CorpusStats)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_files(
    paths: list[Path],
    *,
    taxonomy: Taxonomy,
    areas: Areas,
    near_duplicate_threshold: float = 0.8,
) -> CheckReport:
    """Validate every line of the labelled files under `paths` and count them."""
    report = CheckReport(files=labelled_files(paths))
    for path in report.files:
        for line, row in read_rows(path):
            if isinstance(row, str):
                report.problems.append(Problem(path, line, f"line {row}"))
                continue
            _check_row(row, path, line, taxonomy, areas, report)
    _check_duplicates(report, near_duplicate_threshold)
    _check_pairs(report)
    report.stats = corpus_stats([item.note for item in report.notes], taxonomy.names)
    report.problems.sort(key=lambda problem: (str(problem.path), problem.line))
    return report


def _check_row(
    row: dict[str, object],
    path: Path,
    line: int,
    taxonomy: Taxonomy,
    areas: Areas,
    report: CheckReport,
) -> None:
    note, messages = validate_record(row, taxonomy=taxonomy, areas=areas)
    report.problems.extend(Problem(path, line, message) for message in messages)
    if note is not None:
        report.notes.append(Located(note, path, line))


def validate_record(
    row: dict[str, object], *, taxonomy: Taxonomy, areas: Areas
) -> tuple[LabelledNote | None, list[str]]:
    """One record against the schema, the taxonomy and the area table."""
    try:
        note = LabelledNote.model_validate(row)
    except ValidationError as err:
        return None, _validation_messages(err)
    messages = _meaning_problems(note, taxonomy, areas)
    return (None if messages else note), messages


def _validation_messages(err: ValidationError) -> list[str]:
    """Turn pydantic's errors into sentences naming the field."""
    messages = []
    for error in err.errors():
        where = ".".join(str(part) for part in error["loc"]) or "record"
        text = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            text = "is not a known field (expected id, text, themes, source, borough, bcu, created_at, pii, hard, pair)"
        messages.append(f"{where}: {text}")
    return messages


def _meaning_problems(note: LabelledNote, taxonomy: Taxonomy, areas: Areas) -> list[str]:
    """Checks that need the taxonomy or the area table."""
    messages = []
    unknown = taxonomy.unknown(note.themes)
    if unknown:
        messages.append(
            f"themes: unknown theme(s) {unknown}; the taxonomy (version "
            f"{taxonomy.version}) has {list(taxonomy.names)}"
        )
    if note.borough is not None and note.borough not in areas.borough_bcu:
        messages.append(f"borough: {note.borough!r} is not a London borough or the City")
    if note.bcu is not None and note.bcu not in areas.bcus:
        messages.append(f"bcu: {note.bcu!r} is not one of the BCUs {list(areas.bcus)}")
    elif note.bcu is not None and note.borough in areas.borough_bcu:
        expected = areas.bcu_of(note.borough)
        if expected != note.bcu:
            messages.append(f"bcu: {note.borough} is in {expected!r}, not {note.bcu!r}")
    return messages


def _check_duplicates(report: CheckReport, threshold: float) -> None:
    """Repeated ids, and texts that are the same or nearly the same."""
    first_seen: dict[str, Located] = {}
    for item in report.notes:
        earlier = first_seen.setdefault(item.note.id, item)
        if earlier is not item:
            report.problems.append(
                Problem(
                    item.path, item.line, f"id: {item.note.id!r} is also used at {_where(earlier)}"
                )
            )
    texts = [item.note.text for item in report.notes]
    for pair in near_duplicate_pairs(texts, threshold=threshold):
        first, second = report.notes[pair.first], report.notes[pair.second]
        if first.note.pair is not None and first.note.pair == second.note.pair:
            continue  # a minimal pair is alike on purpose
        if pair.jaccard >= 1.0:
            message = f"text: duplicates the text at {_where(first)}"
        else:
            message = (
                f"text: near-duplicate of {_where(first)} "
                f"(character 5-gram Jaccard {pair.jaccard:.2f} >= {threshold})"
            )
        report.problems.append(Problem(second.path, second.line, message))


def _check_pairs(report: CheckReport) -> None:
    """Each minimal pair: exactly two notes whose themes differ by exactly one theme."""
    members: dict[str, list[Located]] = {}
    for item in report.notes:
        if item.note.pair is not None:
            members.setdefault(item.note.pair, []).append(item)
    for pair_id, items in members.items():
        if len(items) != 2:
            report.problems.append(
                Problem(
                    items[-1].path,
                    items[-1].line,
                    f"pair: {pair_id!r} has {len(items)} notes, not 2",
                )
            )
            continue
        changed = set(items[0].note.themes) ^ set(items[1].note.themes)
        if len(changed) != 1:
            report.problems.append(
                Problem(
                    items[1].path,
                    items[1].line,
                    f"pair: {pair_id!r} must differ by exactly one theme; differs by {sorted(changed)}",
                )
            )


def _where(item: Located) -> str:
    return f"{item.path}:{item.line}"
