"""The behavioural suite: what it generates, and how a case passes or fails."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from nlp.resources import BEHAVIOUR_SUITE
from training.behaviour import Case, load_suite, run_suite
from training.behaviour import _typo as typo


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_suite(BEHAVIOUR_SUITE)


def test_the_suite_generates_over_a_thousand_cases_across_every_kind_of_test(
    cases: list[Case],
) -> None:
    per_capability = Counter(case.capability for case in cases)
    assert len(cases) >= 1000
    assert min(per_capability.values()) >= 15
    assert {case.test for case in cases} == {"mft", "inv", "dir"}
    for hard in ("negation", "resolved", "time_of_day", "presence_only", "station_as_landmark"):
        assert f"hard_{hard}" in per_capability
    for theme in ("lighting", "harassment", "isolation", "transport"):
        assert f"dir_add_{theme}" in per_capability
        assert f"dir_remove_{theme}" in per_capability


def test_generation_is_repeatable(cases: list[Case]) -> None:
    assert load_suite(BEHAVIOUR_SUITE) == cases


def test_every_slot_is_filled(cases: list[Case]) -> None:
    assert not [text for case in cases for text in case.texts if re.search(r"\{\w+\}", text)]


def test_an_mft_case_needs_exactly_the_expected_themes() -> None:
    case = Case("mft_lighting", "mft", ("lamps out",), themes=frozenset({"lighting"}))
    assert case.passes([{"lighting"}])
    assert not case.passes([{"lighting", "isolation"}])
    assert not case.passes([set()])


def test_an_inv_case_needs_the_same_themes_for_both_texts() -> None:
    case = Case("inv_case", "inv", ("a", "A"))
    assert case.passes([{"harassment"}, {"harassment"}])
    assert not case.passes([{"harassment"}, set()])


def test_a_dir_case_needs_that_theme_to_flip_and_nothing_else() -> None:
    add = Case("dir_add_transport", "dir", ("a", "b"), theme="transport", direction="add")
    assert add.passes([{"harassment"}, {"harassment", "transport"}])
    assert not add.passes([{"harassment"}, {"transport"}])  # harassment changed too
    assert not add.passes([{"transport"}, {"transport"}])  # nothing flipped
    remove = Case("dir_remove_lighting", "dir", ("a", "b"), theme="lighting", direction="remove")
    assert remove.passes([{"lighting", "isolation"}, {"isolation"}])
    assert not remove.passes([{"isolation"}, {"isolation"}])


def test_run_suite_scores_each_capability(cases: list[Case]) -> None:
    def keywords(texts: Sequence[str]) -> list[set[str]]:
        cues = {"lighting": "dark|light|lamp", "transport": "bus|train|station|tube"}
        return [{t for t, cue in cues.items() if re.search(cue, x, re.I)} for x in texts]

    report = run_suite(keywords, cases)
    assert sum(report.total.values()) == len(cases)
    assert 0.0 < report.overall < 1.0
    assert report.rates["inv_person_names"] == 1.0  # names never hold a cue word
    assert report.rates["mft_harassment"] == 0.0  # the keyword list has no harassment cue
    assert report.failures["mft_harassment"][0]["expected"] == "exactly ['harassment']"


def test_a_typo_swaps_two_adjacent_letters_of_one_long_word() -> None:
    text = "A man followed me home"
    changed = typo(text, random.Random(3))
    assert changed != text
    assert sorted(changed) == sorted(text)
    assert sum(a != b for a, b in zip(text, changed, strict=True)) == 2


def test_a_missing_suite_file_is_a_clear_error(tmp_path: Path) -> None:
    from nlp.errors import DataFileError

    with pytest.raises(DataFileError, match="behavioural suite"):
        load_suite(tmp_path / "none.yaml")
