from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from training.near_duplicates import jaccard, near_duplicate_pairs, shingles


def brute_force(texts: list[str], threshold: float) -> set[tuple[int, int]]:
    sets = [shingles(text) for text in texts]
    return {
        (i, j)
        for i, j in combinations(range(len(texts)), 2)
        if jaccard(sets[i], sets[j]) >= threshold
    }


def test_case_and_spacing_do_not_hide_a_duplicate() -> None:
    pairs = near_duplicate_pairs(["The lamp is OUT.", "the  lamp is out.", "Bus stop at night"])
    assert [(p.first, p.second, p.jaccard) for p in pairs] == [(0, 1, 1.0)]


def test_one_changed_word_in_a_long_note_is_a_near_duplicate() -> None:
    base = "Street lights on the towpath between the lock and the bridge are out again"
    pairs = near_duplicate_pairs([base, base.replace("again", "still")])
    assert len(pairs) == 1
    assert 0.8 <= pairs[0].jaccard < 1.0


def test_different_notes_are_not_paired() -> None:
    texts = ["Man followed me from the bus stop", "Park path is pitch black after 6"]
    assert near_duplicate_pairs(texts) == []


words = st.sampled_from(["dark", "path", "bus", "stop", "man", "followed", "me", "quiet", "lamp"])
texts = st.lists(st.lists(words, min_size=1, max_size=8).map(" ".join), min_size=0, max_size=25)


@settings(max_examples=200, deadline=None)
@given(texts=texts, threshold=st.sampled_from([0.5, 0.7, 0.8, 0.9, 1.0]))
def test_prefix_filter_finds_exactly_the_brute_force_pairs(
    texts: list[str], threshold: float
) -> None:
    found = {(p.first, p.second) for p in near_duplicate_pairs(texts, threshold=threshold)}
    assert found == brute_force(texts, threshold)
