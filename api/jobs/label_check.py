"""A label check as a background job: flag reviewed notes whose labels look wrong.

Runs `training.label_issues.check_labels` over the settled reviewed notes, with
the seed training split as background, and marks the flagged notes
`suspect_label` so the review queue offers them for a second look. Notes not
flagged this time are cleared, so the flags always reflect the latest check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.db.tables import Note
from api.jobs.context import JobContext, Work
from api.jobs.training import reviewed_notes
from nlp.areas import Areas
from nlp.taxonomy import Taxonomy


def label_check_work(
    *, sessions: sessionmaker[Session], taxonomy: Taxonomy, areas: Areas, seed_path: Path
) -> Work:
    def work(ctx: JobContext) -> dict[str, Any]:
        from training.label_issues import check_labels  # heavy: only in the job
        from training.train import load_seed

        with sessions() as session:
            notes = reviewed_notes(session)
        ctx.progress(f"checking the labels of {len(notes)} reviewed notes", 1, 3)
        seed = load_seed(seed_path, taxonomy=taxonomy, areas=areas)
        checks = check_labels(notes, seed.train, taxonomy.names)
        flagged = [int(c.note_id.removeprefix("store-")) for c in checks if c.flagged]
        ctx.progress(f"{len(flagged)} of {len(notes)} flagged", 2, 3)
        with sessions() as session, session.begin():
            session.execute(
                update(Note).where(Note.suspect_label.is_(True)).values(suspect_label=False)
            )
            for start in range(0, len(flagged), 500):
                chunk = flagged[start : start + 500]
                session.execute(update(Note).where(Note.id.in_(chunk)).values(suspect_label=True))
        return {"checked": len(notes), "flagged": len(flagged)}

    return work
