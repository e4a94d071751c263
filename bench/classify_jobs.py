"""Bulk classification jobs through a real server: upload, classify, download, memory.

Starts `walktalk serve` (jobs in its own thread, the embedded default) on
SQLite or PostgreSQL, streams N generated JSON lines to `POST
/v1/classify/jobs` from a generator (the client never holds the upload
either), waits for the job, downloads the results, and prints:

- upload seconds and MB/s; job notes/s; results seconds;
- the server's resident memory before the upload and its peak (VmHWM) after,
  so a growth far below the upload's size shows it was never held whole;
- as a baseline in this process, the same model classifying the same texts in
  one call (prepared exactly as the job prepares them): notes/s, and the job's
  speed as a ratio of it.

    python -m bench.classify_jobs --notes 100000 [--postgres URL] [--model FOLDER]
    python -m bench.classify_jobs --notes 1000000 --upload-only

With `--upload-only` the upload ends with one bad line, so the server reads and
stores every line, then refuses the upload (422) and no job runs: the memory
figure is then the upload's alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.api import (
    database,
    install_model,
    load_seed_notes,
    prepare_database,
    running_server,
    train_model,
)


def lines(texts: list[str], count: int) -> Iterator[bytes]:
    """JSON lines, generated as they are sent, in chunks of about 64 KB."""
    chunk: list[str] = []
    for i in range(count):
        chunk.append(json.dumps({"id": f"n{i}", "text": texts[i % len(texts)]}) + "\n")
        if len(chunk) == 400:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()


def server_memory(port: str) -> tuple[int, int]:
    """(VmRSS, VmHWM) in MiB of the `walktalk serve` process listening on `port`."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and f"WALKTALK_PORT={port}".encode() in environ:
            status = dict(
                line.split(":", 1)
                for line in (proc / "status").read_text().splitlines()
                if ":" in line
            )
            return int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024
    raise RuntimeError(f"no walktalk serve process on port {port}")


def baseline(home: Path, texts: list[str], count: int) -> float:
    """Notes/s of the active model on the same texts, prepared as the job does, in one call."""
    from api.app import build_redactor
    from api.settings import Settings
    from models.predict import Predictor
    from models.registry import ModelRegistry
    from nlp.areas import load_areas
    from nlp.cues import build_lexicon
    from nlp.prepare import prepare_texts
    from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY
    from nlp.taxonomy import load_taxonomy

    registry = ModelRegistry(home / "models")
    version = registry.require_active()
    lexicon = build_lexicon(load_taxonomy(DEFAULT_TAXONOMY))
    predictor = Predictor(registry.load(version), lexicon, version)
    redactor = build_redactor(Settings(home=home), load_areas(DEFAULT_AREAS))
    sample = [texts[i % len(texts)] for i in range(min(count, 5000))]
    start = time.perf_counter()
    predictor.classify([p.text for p in prepare_texts(sample, redactor)])
    return len(sample) / (time.perf_counter() - start)


def upload_only(base: str, key: str, texts: list[str], count: int) -> None:
    """Send `count` good lines and one bad one; print the time and the server's memory."""
    port = base.rsplit(":", 1)[1]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}

    def body() -> Iterator[bytes]:
        yield from lines(texts, count)
        yield b'{"id": "last", "text": ""}\n'

    size = sum(len(chunk) for chunk in lines(texts, count)) / 2**20
    before, _ = server_memory(port)
    start = time.perf_counter()
    answer = httpx.post(f"{base}/v1/classify/jobs", content=body(), headers=headers, timeout=3600)
    elapsed = time.perf_counter() - start
    _, peak = server_memory(port)
    print(
        f"upload of {count:,} lines ({size:.0f} MB) read and refused at its last line: "
        f"{answer.status_code} in {elapsed:.1f} s"
    )
    print(f"server memory: {before} MiB before, peak {peak} MiB after (+{peak - before} MiB)")


def measure(base: str, key: str, texts: list[str], count: int) -> dict[str, float]:
    port = base.rsplit(":", 1)[1]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    rss_before, _ = server_memory(port)
    upload_bytes = sum(len(chunk) for chunk in lines(texts, count))
    start = time.perf_counter()
    answer = httpx.post(
        f"{base}/v1/classify/jobs", content=lines(texts, count), headers=headers, timeout=3600
    )
    uploaded = time.perf_counter() - start
    answer.raise_for_status()
    job_id = answer.json()["id"]
    start = time.perf_counter()
    while True:
        job = httpx.get(f"{base}/v1/classify/jobs/{job_id}", headers=headers, timeout=60).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    classified = time.perf_counter() - start
    _, peak = server_memory(port)
    start = time.perf_counter()
    received = 0
    with httpx.stream(
        "GET", f"{base}/v1/classify/jobs/{job_id}/results", headers=headers, timeout=3600
    ) as response:
        for _ in response.iter_lines():
            received += 1
    downloaded = time.perf_counter() - start
    if job["status"] != "succeeded" or received != count:
        raise RuntimeError(f"job {job['status']}, {received} of {count} results")
    return {
        "upload_mb": upload_bytes / 2**20,
        "upload_s": uploaded,
        "classify_notes_per_s": count / classified,
        "results_s": downloaded,
        "rss_before_mib": rss_before,
        "peak_after_mib": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--model", type=Path, help="a saved model version folder")
    parser.add_argument("--upload-only", action="store_true", help="measure the upload alone")
    args = parser.parse_args()
    texts = [note.text for note in load_seed_notes()]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        _ = install_model(home, args.model) if args.model else train_model(home)
        with database(args.postgres, home) as url:
            keys, db = prepare_database(url)
            with running_server(home, url) as base:
                if args.upload_only:
                    upload_only(base, keys["tagger"], texts, args.notes)
                    return
                figures = measure(base, keys["tagger"], texts, args.notes)
        alone = baseline(home, texts, args.notes)
    print(f"database: {db['backend']} {db['version']}; {args.notes:,} notes")
    print(
        f"upload: {figures['upload_mb']:.1f} MB in {figures['upload_s']:.1f} s "
        f"({figures['upload_mb'] / figures['upload_s']:.1f} MB/s)"
    )
    job = figures["classify_notes_per_s"]
    print(
        f"job: {job:,.0f} notes/s; the same model in one call in this process: {alone:,.0f} "
        f"notes/s ({job / alone:.2f}x)"
    )
    print(f"results: {args.notes:,} lines in {figures['results_s']:.1f} s")
    print(
        f"server memory: {figures['rss_before_mib']} MiB before the upload, peak "
        f"{figures['peak_after_mib']} MiB after (+{figures['peak_after_mib'] - figures['rss_before_mib']} MiB "
        f"for a {figures['upload_mb']:.0f} MB upload)"
    )


if __name__ == "__main__":
    main()
