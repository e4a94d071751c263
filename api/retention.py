"""The retention period, applied once a day while the service runs.

`walktalk serve` starts one timer in its own process (whatever the number of
uvicorn workers), which erases notes older than `WALKTALK_RETENTION_DAYS` at start
and every 24 hours. Erasure locks each batch first, so a second replica doing
the same never erases a note twice. `walktalk notes expire` does one pass, for cron.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from api.notes.erasure import expire
from api.settings import Settings
from api.store import store_sessions

log = logging.getLogger("walktalk.retention")
DAY_SECONDS = 24 * 60 * 60


def expire_once(settings: Settings) -> int:
    """One retention pass; the number of notes erased (0 when no period is set)."""
    if settings.retention_days is None:
        return 0
    with store_sessions(settings) as sessions, sessions() as session:  # commits each batch
        now = datetime.now(UTC).replace(tzinfo=None)
        return expire(session, days=settings.retention_days, now=now)


def start_daily(settings: Settings, stop: threading.Event) -> threading.Thread | None:
    """Run a pass now and then daily in a daemon thread until `stop` is set."""
    if settings.retention_days is None:
        return None

    def loop() -> None:
        while not stop.is_set():
            try:
                erased = expire_once(settings)
                log.info(
                    "retention: erased %d notes older than %d days",
                    erased,
                    settings.retention_days,
                )
            except Exception as err:  # a failed pass must not stop the next one
                log.error("retention pass failed: %s", type(err).__name__)
            stop.wait(DAY_SECONDS)

    thread = threading.Thread(target=loop, name="walktalk-retention", daemon=True)
    thread.start()
    return thread
