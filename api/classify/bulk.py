"""Bulk classification as a job: an upload of JSON lines in, results as JSON lines out.

The upload is spooled to a temporary file as it arrives (never held whole in
memory), then read line by line: each good line is stored in `classify_items`
in batches (a repeated id is refused by the table's unique key); each bad line is reported with its number, as `walktalk classify`
does. The job classifies the stored lines in batches with the version that was
active when the upload came in, exactly as `/v1/classify` does (normalise,
redact, classify), stores each result and clears the text. A batch is one
transaction, so a job taken over from a dead worker carries on from the first
line without a result. Results are kept `WALKTALK_CLASSIFY_RESULTS_HOURS`, then
deleted with the job's lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.classify.lines import BadLineError, check_record, repeated
from api.db.tables import ClassifyItem, Job
from api.jobs.context import JobContext, Work
from models.predict import Predictor
from nlp.ahead import ahead
from nlp.prepare import prepare_texts
from nlp.redact import Redacted, Redactor
from training.readers import jsonl_rows

MAX_LINES = 1_000_000
STORE_BATCH = 1000
CLASSIFY_BATCH = 256
MAX_REPORTED = 1000  # bad lines listed in the job; the rest are counted


@dataclass
class Upload:
    """What reading an upload found: lines stored, and the bad ones."""

    stored: int = 0
    bad: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def report(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append({"line": line, "error": message})


def store_upload(
    sessions: sessionmaker[Session], job_id: int, stream: IO[bytes], *, stop_at_first_bad: bool
) -> Upload:
    """Store the good lines of a JSON lines stream for the job; report the bad ones.

    Memory stays that of one batch: repeated ids are found by the database's
    unique (job, id) constraint, not by remembering every id.
    """
    upload = Upload()
    batch: list[dict[str, Any]] = []
    for line, record in jsonl_rows(stream):
        try:
            item_id, text = check_record(record, None)
        except BadLineError as err:
            upload.report(line, str(err))
            if stop_at_first_bad:
                break
            continue
        if upload.stored + len(batch) >= MAX_LINES:
            upload.report(line, f"an upload may hold at most {MAX_LINES:,} notes")
            break
        batch.append({"job_id": job_id, "line": line, "item_id": item_id, "text": text})
        if len(batch) >= STORE_BATCH:
            upload.stored += _insert(sessions, batch, upload)
            if stop_at_first_bad and upload.bad:
                break
    upload.stored += _insert(sessions, batch, upload)
    upload.problems.sort(key=lambda problem: int(problem["line"]))
    return upload


def _insert(sessions: sessionmaker[Session], batch: list[dict[str, Any]], upload: Upload) -> int:
    """Store a batch; if an id repeats, store it line by line and report the repeats."""
    if not batch:
        return 0
    try:
        with sessions() as session, session.begin():
            session.execute(insert(ClassifyItem), batch)
        stored = len(batch)
    except IntegrityError:
        stored = 0
        for row in batch:
            try:
                with sessions() as session, session.begin():
                    session.execute(insert(ClassifyItem), [row])
                stored += 1
            except IntegrityError:
                upload.report(row["line"], repeated(row["item_id"]))
    batch.clear()
    return stored


def classify_work(
    *, sessions: sessionmaker[Session], predictor: Predictor, redactor: Redactor, job_id: int
) -> Work:
    """The job body: classify every stored line without a result, batch by batch.

    The next batch is read and redacted in a thread while this one is classified
    (`nlp.ahead`); a batch's results are written in one transaction, so a job
    resumed after a crash starts from the first line still without one.
    """

    def prepare(batch: list[tuple[int, str]]) -> list[Redacted]:
        return prepare_texts([text for _, text in batch], redactor)

    def work(ctx: JobContext) -> dict[str, Any]:
        total, done = _progress(sessions, job_id)
        if done:
            ctx.log(f"{done} lines were classified by an earlier attempt")
        for batch, prepared in ahead(_batches(sessions, job_id), prepare):
            predictions = predictor.classify([p.text for p in prepared])
            with sessions() as session, session.begin():
                for (line, _), p, prediction in zip(batch, prepared, predictions, strict=True):
                    result = {"text": p.text, **asdict(prediction)}
                    session.execute(
                        update(ClassifyItem)
                        .where(ClassifyItem.job_id == job_id, ClassifyItem.line == line)
                        .values(result=result, text=None)
                    )
            done += len(batch)
            ctx.progress(f"classified {done} of {total} notes", done, total)
        return {"version": predictor.version, "notes": total}

    return work


def _progress(sessions: sessionmaker[Session], job_id: int) -> tuple[int, int]:
    with sessions() as session:
        total = session.scalar(
            select(func.count()).select_from(ClassifyItem).where(ClassifyItem.job_id == job_id)
        )
        done = session.scalar(
            select(func.count())
            .select_from(ClassifyItem)
            .where(ClassifyItem.job_id == job_id, ClassifyItem.result.is_not(None))
        )
    return int(total or 0), int(done or 0)


def _batches(sessions: sessionmaker[Session], job_id: int) -> Iterator[list[tuple[int, str]]]:
    """The lines still to classify, in order, a batch at a time (read one batch ahead)."""
    after = 0
    while batch := _next_batch(sessions, job_id, after):
        yield batch
        after = batch[-1][0]


def _next_batch(sessions: sessionmaker[Session], job_id: int, after: int) -> list[tuple[int, str]]:
    with sessions() as session:
        rows = session.execute(
            select(ClassifyItem.line, ClassifyItem.text)
            .where(
                ClassifyItem.job_id == job_id,
                ClassifyItem.line > after,
                ClassifyItem.text.is_not(None),
            )
            .order_by(ClassifyItem.line)
            .limit(CLASSIFY_BATCH)
        ).all()
    return [(line, text) for line, text in rows if text is not None]


def results(sessions: sessionmaker[Session], job_id: int, page: int = 1000) -> Iterator[str]:
    """The job's results as JSON lines in input order, read a page at a time."""
    after = 0
    while True:
        with sessions() as session:
            rows = session.execute(
                select(ClassifyItem.line, ClassifyItem.item_id, ClassifyItem.result)
                .where(ClassifyItem.job_id == job_id, ClassifyItem.line > after)
                .order_by(ClassifyItem.line)
                .limit(page)
            ).all()
        if not rows:
            return
        for line, item_id, result in rows:
            yield json.dumps({"id": item_id, "line": line, **(result or {})}) + "\n"
        after = rows[-1][0]


def expire(session: Session, hours: float) -> int:
    """Delete classify jobs (and their lines) finished, or abandoned, more than `hours` ago."""
    cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=hours)
    old = select(Job.id).where(
        Job.kind == "classify",
        ((Job.finished_at.is_not(None)) & (Job.finished_at < cutoff))
        | ((Job.status == "uploading") & (Job.created_at < cutoff)),
    )
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(ClassifyItem).where(ClassifyItem.job_id.in_(ids)))
        session.execute(delete(Job).where(Job.id.in_(ids)))
    return len(ids)
