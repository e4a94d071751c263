"""`walktalk serve --workers N` reaches the workers' own settings, which share the cores by it."""

from __future__ import annotations

import pytest

from api.settings import Settings, usable_cores
from cli.serve import worker_count


@pytest.mark.parametrize(
    ("asked", "reload", "configured", "expected"),
    [(2, False, 1, 2), (None, False, 3, 3), (4, True, 1, 1)],
)
def test_the_worker_count_is_put_where_each_worker_reads_its_settings(
    monkeypatch: pytest.MonkeyPatch, asked: int | None, reload: bool, configured: int, expected: int
) -> None:
    monkeypatch.setenv("WALKTALK_WORKERS", "1")
    monkeypatch.delenv("WALKTALK_MODEL_THREADS", raising=False)
    assert worker_count(asked, reload=reload, configured=configured) == expected
    in_a_worker = Settings()
    assert in_a_worker.workers == expected
    assert in_a_worker.threads_per_process() == max(1, usable_cores() // expected)
