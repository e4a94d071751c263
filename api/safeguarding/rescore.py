"""Score stored notes with the active safeguarding flag, in batches.

Notes stored before a flag existed (or before migration 0010) have no score.
Each batch commits, so a long run can be stopped and started again; it picks up
the notes still unscored.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import Note
from api.errors import UnavailableError
from api.safeguarding.flagger import Flagger

BATCH = 500


def rescore_notes(session: Session, flagger: Flagger, *, everything: bool) -> tuple[int, int]:
    """(notes scored, notes flagged among them)."""
    if flagger.registry.active() is None:
        raise UnavailableError("No safeguarding flag is active: run `walktalk safeguarding train`.")
    scored = flagged = 0
    last = 0
    while True:
        query = select(Note).where(Note.id > last).order_by(Note.id).limit(BATCH)
        if not everything:
            query = query.where(Note.urgent_score.is_(None))
        notes = list(session.scalars(query))
        if not notes:
            return scored, flagged
        for note, flag in zip(notes, flagger.flags([n.text for n in notes]), strict=True):
            if flag is not None:
                note.urgent, note.urgent_score, note.flag_version = (
                    flag.urgent,
                    flag.score,
                    flag.version,
                )
                flagged += flag.urgent
        scored += len(notes)
        last = notes[-1].id
        session.commit()
