"""Review queue latency over a large store: the tiered queue against one sorted query.

Loads N synthetic notes (as bench/api.py does, none reviewed, priorities random),
then times, in this process on the same database:
- baseline: one query over every eligible note, ordered by an urgency CASE, the
  priority and the id (the first version of the queue): the database must sort
  all eligible notes;
- the queue as served: `queue.lease_next` (one indexed query per tier, leases
  written and committed), each call by a new reviewer so each leases new notes;
- `queue.remaining` (the "N left" count).

    python -m bench.review_queue --sizes 100000,1000000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import case, text
from sqlalchemy.orm import Session

from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.db.tables import Note
from api.reviews import queue
from bench.api import bulk_load, database, int_list, load_seed_notes

RUNS = 15


def timed(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median milliseconds of `runs` calls after one warm-up call."""
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def randomise_priorities(session: Session) -> None:
    function = (
        "random()"
        if session.bind and session.bind.dialect.name == "postgresql"
        else "abs(random() % 1000) / 1000.0"
    )
    session.execute(text(f"UPDATE notes SET review_priority = {function}"))


def one_sorted_query(session: Session, who: queue.Reviewer) -> list[int]:
    urgency = case(
        (Note.review_status == "disputed", 0), (Note.suspect_label.is_(True), 1), else_=2
    )
    query = (
        Note.__table__.select()
        .with_only_columns(Note.id)
        .where(queue.eligible(who), queue.not_leased())
        .order_by(urgency, Note.review_priority.desc(), Note.id)
        .limit(10)
    )
    return list(session.scalars(query))


def measure(url: str, size: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    bulk_load(engine, load_seed_notes(), size, rng_seed=5)
    with Session(engine) as session, session.begin():
        randomise_priorities(session)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE notes"))
    counter = iter(range(10**9))
    with Session(engine) as session:
        admin = queue.Reviewer("bench-admin", reviews=True, adjudicates=True)

        def lease() -> object:
            who = queue.Reviewer(f"bench-{next(counter)}", reviews=True, adjudicates=True)
            now = datetime.now(UTC).replace(tzinfo=None)
            return queue.lease_next(session, who, limit=10, lease_seconds=900, now=now)

        figures = {
            "one sorted query": timed(lambda: one_sorted_query(session, admin)),
            "lease_next (tiers)": timed(lease),
            "remaining": timed(
                lambda: queue.remaining(session, admin, now=datetime.now(UTC).replace(tzinfo=None))
            ),
        }
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list, default=[100_000])
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, database(args.postgres, Path(folder)) as url:
        print(f"database: {url.split('?')[0].split('@')[-1]}")
        for size in args.sizes:
            figures = measure(url, size)
            base = figures["one sorted query"]
            print(
                f"{size:>9,} notes: "
                + "; ".join(
                    f"{name} {ms:.1f} ms ({base / ms:.1f}x)"
                    if name != "one sorted query"
                    else f"{name} {ms:.1f} ms"
                    for name, ms in figures.items()
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
