"""Benchmark: the HTTP API under load, and /v1/counts over large tables.

Run (from the repository root):

    .venv/bin/python -m bench.api                       # SQLite, sizes 100k and 1M
    .venv/bin/python -m bench.api --quick               # a smoke run: small and short
    .venv/bin/python -m bench.api --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Options: `--sizes 100000,1000000` (notes stored for the counts figures),
`--clients 1,8,32` (concurrent clients), `--duration 20` (seconds per load run),
`--max-requests 3000` (requests per load run), `--runs 10` (timed calls per counts
query), `--batch 100` (notes per ingest request), `--seed 7`, `--counts-only`
(skip the load runs), `--set NAME=VALUE` (a setting for the server, which gets no
other `WALKTALK_` variable: `--set pii_ner=false`).

What it does, all on 127.0.0.1 and bounded in count and time:

1. Makes a temporary WALKTALK_HOME, trains and activates a linear model there
   (`run_training`, C=16, as the API tests do; or, with `--model FOLDER`, copies
   a saved version such as the default transformer there and activates it), migrates the database (a SQLite
   file in that home, or a fresh schema on the `--postgres` server, created here
   and dropped at the end) and creates a tagger and a reader key, so that the
   server has no first-start work. Then starts a real `walktalk serve` process
   (one uvicorn worker) on a free port and waits for /readyz. The server is
   stopped at the end, also on an error, Ctrl-C or SIGTERM.
2. Load: a separate process (threads inside it, one keep-alive connection per
   client) first measures the floor with one client: `GET /healthz` (the server
   alone), `GET /v1/me` (a key checked) and `POST /v1/classify` with the one word
   "hi" (`word`). Then, for each client count, `POST /v1/classify` with one seed
   text per request, then `POST /v1/notes` with `--batch` seed notes per request
   (unique external ids, random created_at in the last year). A run stops at
   `--max-requests` requests or `--duration` seconds, whichever comes first;
   requests already sent then finish. A few untimed requests warm up first.
3. Counts: deletes every stored note, then for each size bulk-inserts synthetic
   notes straight into `notes` and `note_themes` (COPY on PostgreSQL, batched
   executemany on SQLite; no `predictions` rows). Each synthetic note copies the
   text, themes, source, borough and BCU of a seed note drawn at random (so the
   mix follows the seed corpus: about 24% of notes with no theme, 10% with no
   borough), and gets a created_at spread over the last two years, evening-heavy,
   ids in time order. The count cells are then rebuilt from them (what
   `walktalk counts rebuild` does; ingest keeps them up to date, a bulk load
   does not). PostgreSQL then gets VACUUM ANALYZE (what autovacuum would
   do); SQLite gets nothing, as the app never runs ANALYZE. Then it times typical
   `GET /v1/counts` queries through the real server, and the same queries in
   this process by both paths of `api.counts.service.count`: from the notes
   (`use_cells=False`) and from the count cells, to compare them.

Figures (times are wall-clock, measured by the client, including HTTP on loopback):

- p50 ms / p99 ms: median and 99th percentile latency of one successful request.
- req/s: successful requests per second over the run (first send to last answer).
- notes/s: req/s times notes per request (ingest only).
- errors: requests that failed or answered other than 200/201 (the first is shown).
- load s: seconds the bulk insert of a size took (and PostgreSQL's VACUUM ANALYZE).
- median ms / p95 ms: over `--runs` calls of each counts query, after one untimed
  call; `total notes` is what the server counted, as a check of the data.
- notes ms / cells ms: median of `--runs` in-process calls (no HTTP) of each
  counts query from the notes and from the count cells, after one untimed call
  each; `same` says whether both answered alike.

The client and the server share the machine's CPUs (printed first): on a small
machine the client's own work lowers the figures, most at high concurrency.
The last line is one JSON object with every figure. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from api.auth.keys import create_key
from api.counts import cells
from api.counts.service import CountQuery, as_json, count
from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.notes.daylight import light_at, local_hour
from api.notes.repository import calendar
from api.notes.service import utc_naive
from nlp.resources import SEED_DIR

LOCAL_HOSTS = ("127.0.0.1", "localhost")
READY_TIMEOUT_S = 180.0
COUNTS_BUDGET_S = 120.0
CHUNK = 20_000
SYNTHETIC_CLIENT = "bench-synthetic"
# Relative weight of each hour of the day for synthetic notes: patrols walk in the evening.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 4, 6, 8, 9, 9, 8, 6, 4)
NOTE_COLUMNS = (
    "id, client, external_id, text, source, created_at, received_at, day, week, month, "
    "borough, bcu, location, walk_id, prediction_id, theme_count, hour, light"
)
THEME_COLUMNS = "note_id, theme, created_at, day, week, month, source, borough, bcu, hour, light"


@dataclass(frozen=True)
class SeedNote:
    text: str
    themes: tuple[str, ...]
    source: str | None
    borough: str | None
    bcu: str | None


@dataclass(frozen=True)
class LoadSpec:
    """One load run, sent to the client process (plain, picklable fields)."""

    base_url: str
    key: str
    endpoint: str  # "classify", "notes", or a floor in FLOORS
    clients: int
    duration_s: float
    max_requests: int
    batch: int
    run_id: str
    seed: list[SeedNote]


@dataclass
class LoadResult:
    endpoint: str
    clients: int
    notes_per_request: int
    sent: int
    ok: int
    errors: int
    first_error: str | None
    elapsed_s: float
    p50_ms: float | None
    p99_ms: float | None
    req_per_s: float
    notes_per_s: float | None


@dataclass
class CountsResult:
    size: int
    query: str
    params: dict[str, str]
    runs: int
    errors: int
    first_error: str | None
    median_ms: float | None
    p95_ms: float | None
    total_notes: int | None


@dataclass
class PathsResult:
    """One counts query timed in-process by both paths of `count`."""

    size: int
    query: str
    notes_ms: float | None
    cells_ms: float | None
    same: bool


@dataclass
class Report:
    machine: dict[str, Any]
    database: dict[str, str]
    load: list[LoadResult] = field(default_factory=list)
    bulk_load_s: dict[int, float] = field(default_factory=dict)
    counts: list[CountsResult] = field(default_factory=list)
    paths: list[PathsResult] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def int_list(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_seed_notes(seed_dir: Path = SEED_DIR) -> list[SeedNote]:
    notes = []
    for name in ("train", "validation", "test"):
        for line in (seed_dir / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                themes = tuple(r.get("themes") or ())
                notes.append(
                    SeedNote(r["text"], themes, r.get("source"), r.get("borough"), r.get("bcu"))
                )
    return notes


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------- set-up: home, database, server


def install_model(home: Path, folder: Path) -> str:
    """Copy a saved model version (e.g. the default transformer) into `home` and activate it."""
    from models.registry import ModelRegistry

    registry = ModelRegistry(home / "models")
    shutil.copytree(folder, registry.root / folder.name)
    registry.set_active(folder.name, reason="benchmark")
    return folder.name


def train_model(home: Path) -> str:
    """Train and activate the benchmark model in `home` (imports are heavy: kept here)."""
    from models.registry import ModelRegistry
    from nlp.areas import load_areas
    from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
    from nlp.taxonomy import load_taxonomy
    from training.corpora import Corpora
    from training.train import TrainConfig, run_training

    result = run_training(
        TrainConfig(kind="linear", c_grid=[16.0], name="bench"),
        corpora=Corpora(),
        registry=ModelRegistry(home / "models"),
        taxonomy=load_taxonomy(DEFAULT_TAXONOMY),
        areas=load_areas(DEFAULT_AREAS),
    )
    return result.version


def check_local(url: str) -> None:
    host = make_url(url).host
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"--postgres must point at 127.0.0.1 (got host {host!r})")


@contextmanager
def database(postgres: str | None, home: Path) -> Iterator[str]:
    """The database URL to use: SQLite in `home`, or a fresh PostgreSQL schema (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{home / 'walktalk.db'}"
        return
    check_local(postgres)
    schema = f"wt_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in postgres else "?"
        yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def prepare_database(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """Migrate, create a tagger and a reader key; return the keys and the database's name."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session, session.begin():
            keys = {
                role: create_key(session, name=f"bench-{role}", role=role)[1]
                for role in ("tagger", "reader")
            }
        return keys, describe_database(engine)
    finally:
        engine.dispose()


def describe_database(engine: Engine) -> dict[str, str]:
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        return {"backend": "sqlite", "version": sqlite3.sqlite_version}
    with engine.connect() as connection:
        version = str(connection.execute(text("SHOW server_version")).scalar())
    return {"backend": backend, "version": version}


def server_env(
    home: Path, url: str, port: int, workers: int, settings: Sequence[str] = ()
) -> dict[str, str]:
    """The server's environment: none of ours, except the bench's and `settings` (NAME=VALUE)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALKTALK_")}
    env.update(
        WALKTALK_HOME=str(home),
        WALKTALK_DATABASE_URL=url,
        WALKTALK_HOST="127.0.0.1",
        WALKTALK_PORT=str(port),
        WALKTALK_WORKERS=str(workers),
        WALKTALK_LOG_LEVEL="warning",
    )
    for setting in settings:
        name, _, value = setting.partition("=")
        env[f"WALKTALK_{name.upper()}"] = value
    return env


@contextmanager
def running_server(
    home: Path, url: str, workers: int = 1, settings: Sequence[str] = ()
) -> Iterator[str]:
    """`walktalk serve` in its own session; yields its base URL once /readyz answers 200."""
    port = free_port()
    log_path = home / "server.log"
    command = [str(Path(sys.executable).parent / "walktalk"), "serve"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=server_env(home, url, port, workers, settings),
            cwd=home,  # no stray .env from the caller's folder
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base_url, log_path)
        yield base_url
    finally:
        stop(process)
        report_server_log(log_path)


def wait_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server was not ready in {READY_TIMEOUT_S:.0f} s:\n{tail(log_path)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def report_server_log(path: Path) -> None:
    """Say so when the server logged errors (its log lives only as long as the temp home)."""
    content = path.read_text(encoding="utf-8", errors="replace")
    problems = [line for line in content.splitlines() if "ERROR" in line or "Traceback" in line]
    if problems:
        print(f"server log: {len(problems)} error line(s); last lines:", file=sys.stderr)
        print(tail(path), file=sys.stderr)


# ---------------------------------------------------------------- load (runs in the client process)


class Budget:
    """Hands out request numbers until the count or the deadline is reached."""

    def __init__(self, max_requests: int, duration_s: float) -> None:
        self.max_requests = max_requests
        self.deadline = time.perf_counter() + duration_s
        self.issued = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self.issued >= self.max_requests or time.perf_counter() >= self.deadline:
                return None
            self.issued += 1
            return self.issued - 1


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency_ms: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies_ms.append(latency_ms)
            else:
                self.errors.append(error)


# What a request costs before any note is read: the server alone, with a key
# checked, and a one-word classification (the recogniser and model at their cheapest).
FLOORS = {
    "healthz": ("GET", "/healthz", b""),
    "me": ("GET", "/v1/me", b""),
    "word": ("POST", "/v1/classify", json.dumps({"texts": ["hi"]}).encode()),
}


def request_body(spec: LoadSpec, number: int) -> tuple[str, str, bytes]:
    """The method, path and JSON body of request `number` of a run."""
    if spec.endpoint in FLOORS:
        return FLOORS[spec.endpoint]
    rng = random.Random(f"{spec.run_id}-{number}")
    if spec.endpoint == "classify":
        text = rng.choice(spec.seed).text
        return "POST", "/v1/classify", json.dumps({"texts": [text]}).encode()
    now = datetime.now(UTC)
    notes = []
    for j in range(spec.batch):
        seed = rng.choice(spec.seed)
        created = now - timedelta(seconds=rng.randrange(1, 365 * 86400))
        note: dict[str, Any] = {
            "external_id": f"{spec.run_id}-{number}-{j}",
            "text": seed.text,
            "created_at": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        note.update({k: v for k, v in _metadata(seed).items() if v is not None})
        notes.append(note)
    return "POST", "/v1/notes", json.dumps({"notes": notes}).encode()


def _metadata(seed: SeedNote) -> dict[str, str | None]:
    return {"source": seed.source, "borough": seed.borough, "bcu": seed.bcu}


def client_loop(spec: LoadSpec, budget: Budget, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {spec.key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=spec.base_url, headers=headers, timeout=120) as http:
        while (number := budget.take()) is not None:
            method, path, body = request_body(spec, number)
            start = time.perf_counter()
            try:
                response = http.request(method, path, content=body or None)
                error = None
                if response.status_code not in (200, 201):
                    error = f"{response.status_code}: {response.text[:300]}"
            except httpx.HTTPError as err:
                error = f"{type(err).__name__}: {err}"
            tally.add((time.perf_counter() - start) * 1000, error)


def run_load(spec: LoadSpec) -> LoadResult:
    """Entry point in the client process: `spec.clients` threads until the budget runs out."""
    budget, tally = Budget(spec.max_requests, spec.duration_s), Tally()
    threads = [
        threading.Thread(target=client_loop, args=(spec, budget, tally), daemon=True)
        for _ in range(spec.clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return summarise(spec, tally, budget.issued, elapsed)


def summarise(spec: LoadSpec, tally: Tally, sent: int, elapsed: float) -> LoadResult:
    ok = len(tally.latencies_ms)
    per_request = spec.batch if spec.endpoint == "notes" else 1
    return LoadResult(
        endpoint=spec.endpoint,
        clients=spec.clients,
        notes_per_request=per_request,
        sent=sent,
        ok=ok,
        errors=len(tally.errors),
        first_error=tally.errors[0] if tally.errors else None,
        elapsed_s=round(elapsed, 2),
        p50_ms=rounded(percentile(tally.latencies_ms, 50)),
        p99_ms=rounded(percentile(tally.latencies_ms, 99)),
        req_per_s=round(ok / elapsed, 1) if elapsed else 0.0,
        notes_per_s=round(ok * per_request / elapsed, 1)
        if elapsed and spec.endpoint == "notes"
        else None,
    )


def ignore_sigint() -> None:
    """In the client process: Ctrl-C is the parent's to handle (it ends the pool)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# ---------------------------------------------------------------- load (driven from the parent)


def warm_up(base_url: str, key: str, seed: list[SeedNote], batch: int) -> None:
    """A few untimed requests per endpoint, so the first timed run pays no first-call costs."""
    run_id = f"warm-{uuid.uuid4().hex[:6]}"
    spec = LoadSpec(base_url, key, "classify", 1, 60.0, 5, batch, run_id, seed)
    run_load(spec)
    run_load(replace(spec, endpoint="notes", max_requests=2))


def load_phase(
    args: argparse.Namespace, base_url: str, key: str, seed: list[SeedNote]
) -> list[LoadResult]:
    warm_up(base_url, key, seed, args.batch)
    print(f"  {load_header()}", flush=True)
    results = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, initializer=ignore_sigint) as pool:
        for endpoint in (*FLOORS, "classify", "notes"):
            for clients in [1] if endpoint in FLOORS else args.clients:
                spec = LoadSpec(
                    base_url=base_url,
                    key=key,
                    endpoint=endpoint,
                    clients=clients,
                    duration_s=args.duration,
                    max_requests=args.max_requests,
                    batch=args.batch,
                    run_id=f"{endpoint}-c{clients}-{uuid.uuid4().hex[:6]}",
                    seed=seed,
                )
                result: LoadResult = pool.apply(run_load, (spec,))
                print_load_row(result)
                results.append(result)
    return results


# ---------------------------------------------------------------- bulk load of synthetic notes


def synthetic_times(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """`count` moments over the last two years, evening-heavy, in time order."""
    start = datetime.combine(now.date() - timedelta(days=730), datetime.min.time())
    days = [rng.randrange(730) for _ in range(count)]
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    seconds = sorted(
        d * 86400 + h * 3600 + rng.randrange(3600) for d, h in zip(days, hours, strict=True)
    )
    return [start + timedelta(seconds=s) for s in seconds]


def synthetic_chunks(
    rng: random.Random, seed: list[SeedNote], count: int, now: datetime
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """(notes rows, note_themes rows) in chunks of CHUNK notes; ids 1..count in time order."""
    times = synthetic_times(rng, count, now)
    for first in range(0, count, CHUNK):
        notes: list[tuple[Any, ...]] = []
        themes: list[tuple[Any, ...]] = []
        for note_id in range(first + 1, min(first + CHUNK, count) + 1):
            note, note_themes = synthetic_note(rng, seed, note_id, times[note_id - 1])
            notes.append(note)
            themes.extend(note_themes)
        yield notes, themes


def synthetic_note(
    rng: random.Random, seed: list[SeedNote], note_id: int, created: datetime
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One `notes` row and its `note_themes` rows (as set_effective_themes would write them)."""
    model = rng.choice(seed)
    day, week, month = calendar(created)
    received = created + timedelta(minutes=rng.randrange(1, 180))
    where = (model.source, model.borough, model.bcu)
    note: tuple[Any, ...] = (note_id, SYNTHETIC_CLIENT, f"syn-{note_id}", model.text)
    note += (model.source, created, received, day, week, month, model.borough, model.bcu)
    when = (local_hour(created), light_at(created))
    note += (None, None, None, len(model.themes))  # location, walk_id, prediction_id, theme_count
    note += when
    themes = [(note_id, theme, created, day, week, month, *where, *when) for theme in model.themes]
    return note, themes


def sqlite_value(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite (DateTime always with microseconds)."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S.%f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def insert_sqlite(engine: Engine, chunks: Iterator[tuple[list[Any], list[Any]]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB for this connection's index writes
        note_sql = f"INSERT INTO notes ({NOTE_COLUMNS}) VALUES ({', '.join('?' * 18)})"
        theme_sql = f"INSERT INTO note_themes ({THEME_COLUMNS}) VALUES ({', '.join('?' * 11)})"
        for notes, themes in chunks:
            cursor.executemany(note_sql, [tuple(map(sqlite_value, row)) for row in notes])
            cursor.executemany(theme_sql, [tuple(map(sqlite_value, row)) for row in themes])
            raw.commit()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def insert_postgres(engine: Engine, chunks: Iterator[tuple[list[Any], list[Any]]]) -> None:
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        if connection is None:
            raise RuntimeError("no psycopg connection behind the pool")
        with connection.cursor() as cursor:
            for notes, themes in chunks:
                with cursor.copy(f"COPY notes ({NOTE_COLUMNS}) FROM STDIN") as copy:
                    for row in notes:
                        copy.write_row(row)
                with cursor.copy(f"COPY note_themes ({THEME_COLUMNS}) FROM STDIN") as copy:
                    for row in themes:
                        copy.write_row(row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('notes', 'id'), max(id)) FROM notes"
            )
        connection.commit()
    finally:
        raw.close()


def clear_notes(engine: Engine) -> None:
    """Delete every stored note (and what hangs off it), so a size is exactly that many."""
    tables = (
        "count_cells",
        "time_cells",
        "light_cells",
        "note_themes",
        "predictions",
        "reviews",
        "idempotency",
        "notes",
    )
    with engine.begin() as connection:
        if engine.url.get_backend_name() == "sqlite":
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
        else:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def vacuum_analyze(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("notes", "note_themes", "count_cells", "time_cells", "light_cells"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))


def bulk_load(engine: Engine, seed: list[SeedNote], size: int, rng_seed: int) -> float:
    """Replace the stored notes by `size` synthetic ones; return the seconds it took."""
    clear_notes(engine)
    start = time.perf_counter()
    chunks = synthetic_chunks(random.Random(rng_seed), seed, size, utc_now())
    if engine.url.get_backend_name() == "sqlite":
        insert_sqlite(engine, chunks)
    else:
        insert_postgres(engine, chunks)
    rebuild_cells(engine)
    vacuum_analyze(engine)
    return time.perf_counter() - start


def rebuild_cells(engine: Engine) -> None:
    """Fill the count cells from the bulk-loaded notes, as `walktalk counts rebuild` does."""
    start = time.perf_counter()
    with Session(engine) as session, session.begin():
        total = cells.rebuild(session)
    print(f"  rebuilt {total:,} count cells in {time.perf_counter() - start:.1f} s", flush=True)


# ---------------------------------------------------------------- counts timing


def count_queries(now: datetime) -> list[tuple[str, dict[str, str]]]:
    def day(days_back: int) -> str:
        return f"{(now - timedelta(days=days_back)).date().isoformat()}T00:00:00Z"

    year, quarter, today = day(365), day(90), day(-1)
    return [
        ("group_by=theme", {"group_by": "theme"}),
        ("group_by=theme,light", {"group_by": "theme,light"}),
        ("group_by=theme,hour; dark", {"group_by": "theme,hour", "light": "dark"}),
        ("group_by=theme,bcu", {"group_by": "theme,bcu"}),
        (
            "theme,period week, 1 year",
            {"group_by": "theme,period", "period": "week", "from": year, "to": today},
        ),
        (
            "theme; bcu+source+90 days",
            {
                "group_by": "theme",
                "bcu": "Central South",
                "source": "participant",
                "from": quarter,
                "to": today,
            },
        ),
    ]


def time_counts(
    http: httpx.Client, size: int, name: str, params: dict[str, str], runs: int
) -> CountsResult:
    """One untimed call, then up to `runs` timed calls (within COUNTS_BUDGET_S)."""
    timings, errors, total = [], [], None
    deadline = time.monotonic() + COUNTS_BUDGET_S
    for attempt in range(runs + 1):
        if attempt > 1 and time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            response = http.get("/v1/counts", params=params)
        except httpx.HTTPError as err:
            errors.append(f"{type(err).__name__}: {err}")
            continue
        elapsed_ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            errors.append(f"{response.status_code}: {response.text[:300]}")
            continue
        total = response.json()["total"]["notes"]
        if attempt > 0:
            timings.append(elapsed_ms)
    return CountsResult(
        size=size,
        query=name,
        params=params,
        runs=len(timings),
        errors=len(errors),
        first_error=errors[0] if errors else None,
        median_ms=rounded(percentile(timings, 50)),
        p95_ms=rounded(percentile(timings, 95)),
        total_notes=total,
    )


def counts_phase(
    args: argparse.Namespace,
    url: str,
    base_url: str,
    key: str,
    seed: list[SeedNote],
    report: Report,
) -> None:
    engine = make_engine(url)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=300) as http:
            print(f"  {counts_header()}", flush=True)
            for size in args.sizes:
                seconds = bulk_load(engine, seed, size, args.seed)
                report.bulk_load_s[size] = round(seconds, 1)
                print(f"  loaded {size:,} synthetic notes in {seconds:.1f} s", flush=True)
                queries = count_queries(utc_now())
                for name, params in queries:
                    result = time_counts(http, size, name, params, args.runs)
                    print_counts_row(result)
                    report.counts.append(result)
                report.paths += compare_paths(engine, size, queries, args.runs)
    finally:
        engine.dispose()


def count_query(params: dict[str, str]) -> CountQuery:
    """The CountQuery the route builds from these parameters (bench queries only)."""

    def moment(name: str) -> datetime | None:
        value = params.get(name)
        return utc_naive(datetime.fromisoformat(value)) if value else None

    return CountQuery(
        group_by=tuple(params["group_by"].split(",")),
        period=params.get("period", "month"),  # type: ignore[arg-type]
        start=moment("from"),
        end=moment("to"),
        themes=tuple(params["theme"].split(",")) if "theme" in params else (),
        bcu=params.get("bcu"),
        borough=params.get("borough"),
        source=params.get("source"),
        light=params.get("light"),
        hour_from=int(params["hour_from"]) if "hour_from" in params else None,
        hour_to=int(params["hour_to"]) if "hour_to" in params else None,
    )


def median_ms(session: Session, query: CountQuery, use_cells: bool, runs: int) -> float | None:
    """Median of `runs` in-process calls, after one untimed call."""
    count(session, query, use_cells=use_cells)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        count(session, query, use_cells=use_cells)
        timings.append((time.perf_counter() - start) * 1000)
    return rounded(percentile(timings, 50))


def compare_paths(
    engine: Engine, size: int, queries: list[tuple[str, dict[str, str]]], runs: int
) -> list[PathsResult]:
    """Each query in-process from the notes and from the cells: times, and same answer?"""
    print(f"  {paths_header()}", flush=True)
    results = []
    with Session(engine) as session:
        for name, params in queries:
            query = count_query(params)
            same = as_json(count(session, query)) == as_json(count(session, query, use_cells=False))
            result = PathsResult(
                size=size,
                query=name,
                notes_ms=median_ms(session, query, False, runs),
                cells_ms=median_ms(session, query, True, runs),
                same=same,
            )
            print(f"  {paths_row(result)}", flush=True)
            results.append(result)
    return results


# ---------------------------------------------------------------- printing


def load_header() -> str:
    return (
        f"{'endpoint':9} {'notes/req':>9} {'clients':>7} {'sent':>6} {'ok':>6} {'errors':>6} "
        f"{'secs':>6} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'notes/s':>8}"
    )


def load_row(r: LoadResult) -> str:
    return (
        f"{r.endpoint:9} {r.notes_per_request:>9} {r.clients:>7} {r.sent:>6} {r.ok:>6} "
        f"{r.errors:>6} {r.elapsed_s:>6} {show(r.p50_ms):>8} {show(r.p99_ms):>8} "
        f"{r.req_per_s:>8} {show(r.notes_per_s):>8}"
    )


def counts_header() -> str:
    return (
        f"{'notes':>9} {'query':28} {'runs':>4} {'errors':>6} {'median ms':>10} "
        f"{'p95 ms':>9} {'total notes':>12}"
    )


def counts_row(r: CountsResult) -> str:
    return (
        f"{r.size:>9,} {r.query:28} {r.runs:>4} {r.errors:>6} {show(r.median_ms):>10} "
        f"{show(r.p95_ms):>9} {show(r.total_notes):>12}"
    )


def paths_header() -> str:
    return f"{'notes':>9} {'query':28} {'notes ms':>9} {'cells ms':>9} {'ratio':>6} {'same':>5}"


def paths_row(r: PathsResult) -> str:
    ratio = f"{r.notes_ms / r.cells_ms:.1f}" if r.notes_ms and r.cells_ms else "-"
    return (
        f"{r.size:>9,} {r.query:28} {show(r.notes_ms):>9} {show(r.cells_ms):>9} "
        f"{ratio:>6} {'yes' if r.same else 'NO':>5}"
    )


def show(value: float | int | None) -> str:
    return "-" if value is None else str(value)


def print_load_row(result: LoadResult) -> None:
    print(f"  {load_row(result)}", flush=True)
    if result.first_error:
        print(f"    first error: {result.first_error}", flush=True)


def print_counts_row(result: CountsResult) -> None:
    print(f"  {counts_row(result)}", flush=True)
    if result.first_error:
        print(f"    first error: {result.first_error}", flush=True)


def print_report(report: Report, args: argparse.Namespace) -> None:
    m, d = report.machine, report.database
    print()
    print(
        f"machine: {m['cpus']} CPUs ({m['usable_cpus']} usable), {m['platform']}, Python {m['python']}"
    )
    print(f"database: {d['backend']} {d['version']}; server: walktalk serve")
    print(f"load: at most {args.max_requests} requests or {args.duration:g} s per run")
    print(load_header())
    for result in report.load:
        print(load_row(result))
    print()
    loads = ", ".join(f"{size:,}: {secs} s" for size, secs in report.bulk_load_s.items())
    print(f"counts (bulk load: {loads}); {args.runs} timed runs per query after one untimed")
    print(counts_header())
    for counts in report.counts:
        print(counts_row(counts))
    print("the same queries in-process (no HTTP), from the notes and from the count cells")
    print(paths_header())
    for paths in report.paths:
        print(paths_row(paths))
    print(json.dumps(report_json(report, args)))


def report_json(report: Report, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "machine": report.machine,
        "database": report.database,
        "settings": {
            "clients": args.clients,
            "duration_s": args.duration,
            "max_requests": args.max_requests,
            "batch": args.batch,
            "runs": args.runs,
            "sizes": args.sizes,
        },
        "load": [asdict(r) for r in report.load],
        "bulk_load_s": {str(k): v for k, v in report.bulk_load_s.items()},
        "counts": [asdict(c) for c in report.counts],
        "paths": [asdict(p) for p in report.paths],
    }


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL on 127.0.0.1")
    parser.add_argument("--sizes", type=int_list, help="stored notes for counts (100000,1000000)")
    parser.add_argument("--clients", type=int_list, help="concurrent clients (1,8,32)")
    parser.add_argument("--duration", type=float, help="seconds per load run (20)")
    parser.add_argument("--max-requests", type=int, help="requests per load run (3000)")
    parser.add_argument("--runs", type=int, help="timed calls per counts query (10)")
    parser.add_argument("--batch", type=int, default=100, help="notes per ingest request")
    parser.add_argument("--seed", type=int, default=7, help="random seed for synthetic notes")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server, e.g. --set pii_ner=false (WALKTALK_ is added)",
    )
    parser.add_argument(
        "--model", type=Path, help="a saved model version folder to serve (default: train linear)"
    )
    parser.add_argument("--counts-only", action="store_true", help="skip the load runs")
    args = parser.parse_args(argv)
    quick = {
        "sizes": [1000, 10000],
        "clients": [1, 8],
        "duration": 3.0,
        "max_requests": 100,
        "runs": 3,
    }
    full = {
        "sizes": [100_000, 1_000_000],
        "clients": [1, 8, 32],
        "duration": 20.0,
        "max_requests": 3000,
        "runs": 10,
    }
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)


def run(args: argparse.Namespace) -> Report:
    seed = load_seed_notes()
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="walktalk-bench-")))
        url = stack.enter_context(database(args.postgres, home))
        if args.model:
            print(f"serving {args.model.name} from {home} ...", flush=True)
            install_model(home, args.model)
        else:
            print(f"training the benchmark model in {home} ...", flush=True)
            train_model(home)
        keys, described = prepare_database(url)
        report = Report(machine=machine(), database=described)
        base_url = stack.enter_context(running_server(home, url, args.workers, args.set))
        print(f"server ready at {base_url} ({described['backend']})", flush=True)
        if not args.counts_only:
            report.load = load_phase(args, base_url, keys["tagger"], seed)
        counts_phase(args, url, base_url, keys["reader"], seed, report)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    args = parse_args(argv)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted: the server was stopped and the temporary data removed", file=sys.stderr)
        raise SystemExit(130) from None
    print_report(report, args)


if __name__ == "__main__":
    main()
