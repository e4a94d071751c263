"""How fast `walktalk serve` comes up with several workers, and whether uvicorn kills any.

uvicorn pings each worker and kills one that does not answer within
`timeout_worker_healthcheck` (5 s unless set). A worker that imports torch and
spaCy while it imports the app can miss that on a busy 2-core machine and be
killed and respawned over and over. This starts the server ROUNDS times with
uvicorn's own 5 s (not walktalk's 60 s default), and prints per round the seconds
until every worker finished startup and how many worker processes were started
(more than --workers means some were killed and respawned). It also prints, in
fresh interpreters, how long importing the app takes against importing it with
the model libraries, the cost the app's import used to carry.

    python -m bench.startup [--model FOLDER] [--workers 2] [--rounds 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.api import free_port, install_model, server_env, stop, train_model

STARTED = re.compile(r"Started server process \[(\d+)\]")
READY = "Application startup complete"
TIMEOUT_S = 180.0


def import_seconds(statement: str, repeats: int = 3) -> float:
    """Median wall time of `statement` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(times)


def one_start(home: Path, workers: int, healthcheck_s: int) -> tuple[float, int, bool]:
    """Seconds until every worker is up, worker processes started, and whether all came up."""
    port = free_port()
    env = server_env(home, f"sqlite:///{home / 'walktalk.db'}", port, workers)
    env.update(WALKTALK_LOG_LEVEL="info", WALKTALK_WORKER_HEALTHCHECK_SECONDS=str(healthcheck_s))
    log_path = home / f"serve-{port}.log"
    command = [str(Path(sys.executable).parent / "walktalk"), "serve"]
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        while time.monotonic() - started < TIMEOUT_S:
            text = log_path.read_text(encoding="utf-8", errors="replace")
            if text.count(READY) >= workers:
                return time.monotonic() - started, len(set(STARTED.findall(text))), True
            if process.poll() is not None:
                break
            time.sleep(0.1)
        text = log_path.read_text(encoding="utf-8", errors="replace")
        return time.monotonic() - started, len(set(STARTED.findall(text))), False
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, help="a saved model version folder (default: train linear)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--healthcheck", type=int, default=5, help="uvicorn's ping timeout, s")
    args = parser.parse_args()

    app_only = import_seconds("import api.main")
    with_models = import_seconds("import api.main, models.transformer, nlp.pipeline, sklearn")
    print(
        f"import the app: {app_only:.2f} s; with torch, spaCy and scikit-learn: "
        f"{with_models:.2f} s ({with_models / app_only:.1f}x)"
    )

    with tempfile.TemporaryDirectory(prefix="walktalk-startup-") as tmp:
        home = Path(tmp)
        version = install_model(home, args.model) if args.model else train_model(home)
        print(f"model {version}; {args.workers} workers; uvicorn health ping {args.healthcheck} s")
        results = [one_start(home, args.workers, args.healthcheck) for _ in range(args.rounds)]
    for number, (seconds, processes, ok) in enumerate(results, 1):
        state = "all workers up" if ok else "NOT all up"
        print(f"round {number}: {seconds:5.1f} s, {processes} worker processes started, {state}")
    respawned = sum(max(0, processes - args.workers) for _, processes, _ in results)
    print(
        f"median {statistics.median(s for s, _, _ in results):.1f} s to ready; "
        f"{respawned} worker(s) killed and respawned over {args.rounds} starts"
    )


if __name__ == "__main__":
    main()
