"""Spelling noise for training: small, seeded, and never empties a text."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from models.augment import noisy


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=200), st.integers(0, 10_000))
def test_noise_is_small_and_seeded(text: str, seed: int) -> None:
    first = noisy(text, random.Random(seed))
    assert first == noisy(text, random.Random(seed))
    assert abs(len(first) - len(text)) <= max(2, len(text))
    if text.strip():
        assert first.strip()


def test_noise_gives_typos_and_text_speak() -> None:
    rng = random.Random(3)
    seen = {noisy("Nobody is ever around, the street is deserted at night", rng) for _ in range(50)}
    assert any("deserted" not in s for s in seen)  # a typo in a long word
    assert any(s.startswith("no1") or s.startswith("noone") or " da " in s for s in seen)
    assert len(seen) > 10
