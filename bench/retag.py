"""Re-tag throughput: every stored note re-classified and switched, as the job does it.

Loads N synthetic notes (as bench/api.py does), trains the benchmark model, then
runs the re-tag job body (`api.jobs.retag.retag_work`) and reports notes/s. The
switch phase rewrites each unreviewed note's effective themes; the same process
also times that rewrite for 5,000 notes one note at a time (the first version of
the job) against the batched rewrite the job uses, on the same notes.

    python -m bench.retag --sizes 20000,100000 [--postgres URL] [--model FOLDER]

With `--model FOLDER` (a saved version, e.g. the default transformer) it re-tags
with that model instead, and also times the model alone on 1,000 of the stored
texts in one batch call, so the two rates can be compared in the same process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import make_engine, make_session_factory
from api.db.migrate import upgrade
from api.db.tables import Job, Note
from api.jobs.context import JobContext
from api.jobs.retag import retag_work
from api.notes import repository
from bench.api import bulk_load, database, int_list, load_seed_notes, train_model
from models.kinds import load_model
from models.predict import Predictor
from models.registry import ModelRegistry
from nlp.cues import build_lexicon
from nlp.resources import DEFAULT_TAXONOMY
from nlp.taxonomy import load_taxonomy

SAMPLE = 5000


def job_context(sessions: object) -> JobContext:
    with sessions() as session, session.begin():  # type: ignore[operator]
        job = Job(
            kind="retag",
            status="running",
            params={},
            progress=0.0,
            message="",
            log=[],
            requested_by="bench",
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        session.add(job)
        session.flush()
        return JobContext(sessions, job.id)  # type: ignore[arg-type]


def rewrite(session: Session, batched: bool) -> float:
    """Seconds to give SAMPLE notes the themes ["lighting"] (rolled back afterwards)."""
    notes = list(session.scalars(select(Note).order_by(Note.id).limit(SAMPLE)))
    start = time.perf_counter()
    if batched:
        for first in range(0, len(notes), 500):
            repository.set_effective_themes_many(
                session, [(n, ["lighting"]) for n in notes[first : first + 500]]
            )
    else:
        for note in notes:
            repository.set_effective_themes(session, note, ["lighting"])
    session.flush()
    elapsed = time.perf_counter() - start
    session.rollback()
    return elapsed


def measure(url: str, size: int, predictor: Predictor) -> None:
    engine = make_engine(url)
    upgrade(engine)
    bulk_load(engine, load_seed_notes(), size, rng_seed=9)
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_by_one = rewrite(session, batched=False)
        batched = rewrite(session, batched=True)
    texts = [n.text for n in load_seed_notes()][:1000]
    start = time.perf_counter()
    predictor.classify(texts)
    print(
        f"model alone, one batch of {len(texts)}: {len(texts) / (time.perf_counter() - start):,.0f} notes/s"
    )
    start = time.perf_counter()
    ctx = job_context(sessions)
    result = retag_work(sessions=sessions, predictor=predictor, job_id=ctx.job_id, owner="bench")(
        ctx
    )
    elapsed = time.perf_counter() - start
    print(
        f"{size:>9,} notes: re-tag {elapsed:.1f} s ({result['notes'] / elapsed:,.0f} notes/s); "
        f"rewriting {SAMPLE:,} notes' themes one by one {one_by_one:.2f} s, "
        f"batched {batched:.2f} s ({one_by_one / batched:.1f}x)",
        flush=True,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list, default=[20_000])
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--model", type=Path, help="a saved model version folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        lexicon = build_lexicon(load_taxonomy(DEFAULT_TAXONOMY))
        if args.model:
            predictor = Predictor(load_model(args.model), lexicon, args.model.name)
        else:
            version = train_model(home)
            predictor = Predictor(ModelRegistry(home / "models").load(version), lexicon, version)
        with database(args.postgres, home) as url:
            print(f"database: {url.split('?')[0].split('@')[-1]}")
            for size in args.sizes:
                measure(url, size, predictor)


if __name__ == "__main__":
    main()
