"""Scale-out: re-tag throughput with 1 and 2 job workers, ingest through 1 and 2 replicas.

Run (PostgreSQL and Redis on 127.0.0.1, as on the development machines):

    .venv/bin/python -m bench.scale [--notes 100000] [--model FOLDER] [--duration 20]

1. A temporary WALKTALK_HOME with a linear model (or `--model`, e.g. the default
   transformer), a fresh PostgreSQL schema, and `--notes` synthetic notes stored
   (the bulk loader of bench/api.py: seed texts, themes and areas).
2. Re-tag: `walktalk worker` processes on a fresh Redis database, first one,
   then two; each time a re-tag job of every stored note is queued and timed
   from queueing to "succeeded" (the second worker helps with the job's chunks).
3. Ingest: two `walktalk serve` replicas on the same database; `POST /v1/notes`
   (100 notes a request) from 4 clients, all to replica A, then 2 to A and 2 to
   B, for `--duration` seconds each.

Both comparisons are printed as ratios from this one run. The machine's cores
bound both: with 2 cores, two workers or two replicas share the same two.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis
from sqlalchemy.orm import Session

from api.db.engine import make_engine, make_session_factory
from api.db.tables import Job
from api.jobs.queue import QueuedJobs
from bench.api import (
    LoadSpec,
    bulk_load,
    database,
    ignore_sigint,
    install_model,
    load_seed_notes,
    prepare_database,
    run_load,
    running_server,
    train_model,
)

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/12"


@contextmanager
def workers(count: int, home: Path, url: str) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALKTALK_")}
    env.update(
        WALKTALK_HOME=str(home),
        WALKTALK_DATABASE_URL=url,
        WALKTALK_QUEUE_URL=REDIS,
        WALKTALK_LOG_LEVEL="warning",
    )
    walktalk = str(Path(sys.executable).parent / "walktalk")
    processes = [
        subprocess.Popen([walktalk, "worker"], env=env, cwd=home, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        time.sleep(8)  # each loads the model and spaCy before it takes messages
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def retag_seconds(url: str, version: str) -> float:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    jobs = QueuedJobs(sessions, REDIS, heartbeat_seconds=30)
    start = time.perf_counter()
    job_id = jobs.submit("retag", {"version": version}, "bench")
    while True:
        with Session(engine) as session:
            job = session.get(Job, job_id)
            assert job is not None
            status = job.status
        if status in ("succeeded", "failed"):
            break
        time.sleep(0.25)
    elapsed = time.perf_counter() - start
    jobs.shutdown()
    engine.dispose()
    if status != "succeeded":
        raise RuntimeError(f"re-tag job {job_id} {status}")
    return elapsed


def ingest(bases: list[str], key: str, duration: float) -> float:
    """Notes/s from 4 clients spread evenly over `bases`, run in separate processes."""
    seed = load_seed_notes()
    specs = [
        LoadSpec(
            base_url=base,
            key=key,
            endpoint="notes",
            clients=4 // len(bases),
            duration_s=duration,
            max_requests=100_000,
            batch=100,
            run_id=f"scale-{uuid.uuid4().hex[:6]}",
            seed=seed,
        )
        for base in bases
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(specs), initializer=ignore_sigint) as pool:
        results = pool.map(run_load, specs)
    errors = sum(r.errors for r in results)
    if errors:
        raise RuntimeError(f"{errors} ingest errors; first: {results[0].first_error}")
    return sum(r.notes_per_s or 0.0 for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--model", type=Path, help="a saved model version folder")
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()
    redis.Redis.from_url(REDIS).flushdb()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        home = Path(folder)
        version = install_model(home, args.model) if args.model else train_model(home)
        url = stack.enter_context(database(args.postgres, home))
        keys, _ = prepare_database(url)
        engine = make_engine(url)
        load_s = bulk_load(engine, load_seed_notes(), args.notes, rng_seed=7)
        engine.dispose()
        print(f"{args.notes:,} notes stored in {load_s:.1f} s; model {version}", flush=True)
        retag = {}
        for count in (1, 2):
            with workers(count, home, url):
                retag[count] = args.notes / retag_seconds(url, version)
            print(f"re-tag, {count} worker(s): {retag[count]:,.0f} notes/s", flush=True)
        a = stack.enter_context(running_server(home, url))
        b = stack.enter_context(running_server(home, url))
        one = ingest([a], keys["tagger"], args.duration)
        print(f"ingest, 1 replica, 4 clients: {one:,.0f} notes/s", flush=True)
        two = ingest([a, b], keys["tagger"], args.duration)
        print(f"ingest, 2 replicas, 2 clients each: {two:,.0f} notes/s", flush=True)
    print(
        f"ratios (2 against 1, same run, {os.cpu_count()} cores): re-tag "
        f"{retag[2] / retag[1]:.2f}x, ingest {two / one:.2f}x"
    )


if __name__ == "__main__":
    main()
