"""`walktalk worker`: a process that runs queued jobs until it is told to stop.

One message at a time (training and re-tagging each want every core): a job,
or a share of another worker's re-tag (its chunks of note ids). SIGTERM or
SIGINT stop it between jobs; a job still running when the grace period ends is
left unacknowledged and its lease runs out, so another worker takes it over.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import replace

from api.jobs.catalogue import JobEnv, help_with
from api.jobs.execute import JobBusyError, execute, worker_name
from api.jobs.queue import HELP_ACTOR_NAME, QUEUE_NAME, declare_actor, make_broker

log = logging.getLogger("walktalk.worker")
STOP_GRACE_MS = 10_000
BUSY_RETRY_MS = 5_000
# Help messages a re-tag sends out: each idle worker that takes one scores chunks too.
HELP_MESSAGES = 4


def run_worker(env: JobEnv, url: str, *, heartbeat_seconds: int) -> None:
    """Consume the job queue at `url` until SIGTERM or SIGINT."""
    import dramatiq

    broker = make_broker(url, heartbeat_seconds=heartbeat_seconds)
    owner = worker_name()

    def help_job(job_id: int) -> None:
        done = help_with(job_id, env, owner)
        log.info("job %s: helped with %d chunk(s)", job_id, done)

    helper = declare_actor(broker, help_job, name=HELP_ACTOR_NAME)

    def ask_for_help(job_id: int) -> None:
        for _ in range(HELP_MESSAGES):
            helper.send(job_id)

    env = replace(env, ask_for_help=ask_for_help)

    def run_job(job_id: int) -> None:
        try:
            status = execute(job_id, env, owner)
        except JobBusyError:
            # Another worker holds it and may yet die: ask again later. The new
            # message is queued before this one is acknowledged, so none is lost.
            actor.send_with_options(args=(job_id,), delay=BUSY_RETRY_MS)
            log.info(
                "job %s: held by another worker; asking again in %d s",
                job_id,
                BUSY_RETRY_MS // 1000,
            )
            return
        log.info("job %s: %s", job_id, status)

    actor = declare_actor(broker, run_job)
    worker = dramatiq.Worker(broker, queues={QUEUE_NAME}, worker_threads=1)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("walktalk worker %s ready (queue %s)", owner, QUEUE_NAME)
    stop.wait()
    log.info("stopping: waiting up to %d s for the running job", STOP_GRACE_MS // 1000)
    worker.stop(timeout=STOP_GRACE_MS)
    broker.close()
