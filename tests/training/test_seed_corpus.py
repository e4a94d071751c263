"""The shipped seed corpus passes the checker and has the promised coverage."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from nlp.areas import Areas
from nlp.resources import SEED_DIR
from nlp.taxonomy import Taxonomy
from training.data_check import CheckReport, check_files
from training.dataset import load_notes
from training.splits import SPLIT_NAMES


@pytest.fixture(scope="module")
def report(taxonomy: Taxonomy, areas: Areas) -> CheckReport:
    return check_files([SEED_DIR], taxonomy=taxonomy, areas=areas)


def test_seed_corpus_passes_the_checker(report: CheckReport) -> None:
    assert [str(p) for p in report.problems] == []


def test_seed_corpus_has_the_promised_size_and_coverage(report: CheckReport) -> None:
    stats = report.stats
    assert stats.notes >= 2500
    for theme in ("lighting", "harassment", "isolation", "transport"):
        assert stats.themes[theme] >= 450, theme
    assert stats.share(stats.no_theme) >= 0.12
    assert stats.share(stats.multi_theme) >= 0.25
    assert stats.share(stats.hard) >= 0.25
    assert stats.with_pii >= 300
    assert set(stats.pii_labels) == {"PERSON", "PHONE", "EMAIL", "POSTCODE", "VEHICLE_REG"}
    assert 0.4 <= stats.share(stats.sources["officer"]) <= 0.6


def test_every_borough_and_bcu_appears(report: CheckReport, areas: Areas) -> None:
    assert set(areas.boroughs) <= set(report.stats.boroughs)
    assert set(areas.bcus) <= set(report.stats.bcus)


PII_SHAPES = {
    "PHONE": re.compile(r"^[+(\d][\d ()+-]{8,}\d$"),
    "EMAIL": re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"),
    "POSTCODE": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
    "VEHICLE_REG": re.compile(r"^[A-Z0-9]{1,4} ?[A-Z0-9]{1,4}$"),
    "PERSON": re.compile(r"^[A-Z][\w'’.-]*( [\w'’.-]+)*$"),
}


def test_pii_spans_cover_text_of_their_type(report: CheckReport) -> None:
    wrong = [
        (item.note.id, span.label, item.note.text[span.start : span.end])
        for item in report.notes
        for span in item.note.pii
        if not PII_SHAPES[span.label].match(item.note.text[span.start : span.end])
    ]
    assert wrong == []


def test_splits_are_disjoint_and_stratified(taxonomy: Taxonomy, areas: Areas) -> None:
    splits = {
        name: load_notes([SEED_DIR / f"{name}.jsonl"], taxonomy=taxonomy, areas=areas)
        for name in SPLIT_NAMES
    }
    train, validation, test = ({n.id for n in notes} for notes in splits.values())
    assert not train & validation
    assert not train & test
    assert not validation & test
    total = sum(len(notes) for notes in splits.values())
    assert len(splits["test"]) / total == pytest.approx(0.1, abs=0.01)
    for theme in taxonomy.names:
        shares = [
            Counter(t for n in notes for t in n.themes)[theme] / len(notes)
            for notes in splits.values()
        ]
        assert max(shares) - min(shares) < 0.03, theme
