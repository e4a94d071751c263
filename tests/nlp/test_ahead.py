"""`nlp.ahead`: the next item is prepared in a thread while the caller works; order and errors kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from nlp.ahead import ahead

WAIT = 10.0  # seconds: only reached if the overlap is broken


def test_items_come_back_in_order_with_what_was_prepared() -> None:
    assert list(ahead([3, 1, 2], lambda n: n * 10)) == [(3, 30), (1, 10), (2, 20)]
    assert list(ahead([], lambda n: n)) == []


def test_the_next_item_is_prepared_while_the_caller_holds_this_one() -> None:
    started = {n: threading.Event() for n in range(3)}
    threads: set[str] = set()

    def prepare(n: int) -> int:
        threads.add(threading.current_thread().name)
        started[n].set()
        return n

    for n, _ in ahead(range(3), prepare):
        if n + 1 in started:  # the caller has item n; item n + 1 is already under way
            assert started[n + 1].wait(WAIT)
    assert threading.current_thread().name not in threads


def test_an_error_reading_items_still_gives_back_the_item_being_prepared() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3 is bad")

    seen: list[tuple[int, int]] = []
    with pytest.raises(ValueError, match="line 3"):
        seen.extend(ahead(items(), lambda n: -n))
    assert seen == [(1, -1), (2, -2)]


def test_an_error_preparing_is_raised_to_the_caller_in_its_turn() -> None:
    def prepare(n: int) -> int:
        if n == 2:
            raise RuntimeError("cannot prepare 2")
        return n

    seen: list[tuple[int, int]] = []
    with pytest.raises(RuntimeError, match="cannot prepare 2"):
        seen.extend(ahead([1, 2, 3], prepare))
    assert seen == [(1, 1)]
