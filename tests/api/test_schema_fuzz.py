"""Schemathesis over the whole API on a real server: no 5xx, every answer matches the schema.

Bounded (a few examples per operation, about 500 requests per database) so that it
runs in CI on SQLite and PostgreSQL; run `st run` by hand for a longer search
(1,486 and 1,482 cases at 30 examples per operation found nothing on 2026-12-06).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from api.auth.keys import create_key
from tests.api.conftest import LiveApi


def test_fuzzing_every_operation_finds_no_server_error_and_no_schema_violation(
    live_api: LiveApi, tmp_path: Path
) -> None:
    with Session(live_api.engine) as session, session.begin():
        admin = create_key(session, name="fuzz-admin", role="admin")[1]
    st = Path(sys.executable).parent / "st"
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{live_api.base}/openapi.json",
            "--header",
            f"Authorization: Bearer {admin}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            "8",
            "--phases",
            "coverage,fuzzing",
            "--seed",
            "20261206",
            # Operations that start background work (a training run takes ten minutes
            # of CPU) have their own tests; fuzzing them would fill the job queue.
            "--exclude-path-regex",
            "^/v1/(training-runs|models/[^/]+/retag|review/label-check)$",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert " passed" in summary
