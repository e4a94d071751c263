"""Roles and permissions: authorisation decided in one table.

| role | may |
| --- | --- |
| tagger | classify texts, ingest notes |
| reader | read notes and counts |
| reviewer | read notes, work through the review queue, correct labels |
| analyst | read notes and counts, adjudicate disputed reviews, manage models and training |
| safeguarding | read the notes flagged for urgent reading, and record that they were read |
| admin | everything (and force a model past the promotion gate, delete model versions, and erase notes) |

The text of a flagged note is shown only to the safeguarding role and admins:
every other role sees that it is withheld.

Every role may read the taxonomy and the model registry's summary.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    tagger = "tagger"
    reader = "reader"
    reviewer = "reviewer"
    analyst = "analyst"
    safeguarding = "safeguarding"
    admin = "admin"


class Permission(StrEnum):
    classify = "classify"
    ingest = "ingest"
    read_notes = "read_notes"
    read_counts = "read_counts"
    read_meta = "read_meta"
    review = "review"
    adjudicate = "adjudicate"
    manage_models = "manage_models"
    force_models = "force_models"
    delete_models = "delete_models"
    erase_notes = "erase_notes"
    read_safeguarding = "read_safeguarding"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.tagger: frozenset({Permission.classify, Permission.ingest, Permission.read_meta}),
    Role.reader: frozenset({Permission.read_notes, Permission.read_counts, Permission.read_meta}),
    Role.reviewer: frozenset({Permission.read_notes, Permission.review, Permission.read_meta}),
    Role.analyst: frozenset(
        {
            Permission.read_notes,
            Permission.read_counts,
            Permission.read_meta,
            Permission.adjudicate,
            Permission.manage_models,
        }
    ),
    Role.safeguarding: frozenset({Permission.read_safeguarding, Permission.read_meta}),
    Role.admin: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
