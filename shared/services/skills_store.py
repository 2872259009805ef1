"""Labelers' skills, kept across batches and jobs: read before a consolidation batch, written back after it.

A skill is an accuracy with the evidence behind it (answers, or effective answers for boxes and masks) and, for
classification, the confusion matrix over the label list it was learned on (`labels_key`). A later batch or job
seeds its estimates from these, so a labeler known to be careless starts out weighted down.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.persistence.engine import conflict_insert
from shared.persistence.tables import LabelerSkill


@dataclass(frozen=True)
class Skill:
    labeler_id: int
    family: str
    accuracy: float
    evidence: float
    labels_key: str | None = None
    confusion: list[list[float]] | None = None


def load(session: Session, labeler_ids: Iterable[int], family: str) -> dict[int, Skill]:
    ids = sorted(set(labeler_ids))
    if not ids:
        return {}
    rows = session.scalars(select(LabelerSkill).where(LabelerSkill.labeler_id.in_(ids),
                                                      LabelerSkill.family == family))
    return {row.labeler_id: Skill(row.labeler_id, row.family, row.accuracy, row.evidence, row.labels_key,
                                  json.loads(row.confusion_json) if row.confusion_json else None)
            for row in rows}


def save(session: Session, skills: Iterable[Skill], now: datetime) -> None:
    """Upsert: the newest estimate replaces the old one (it was seeded from it, so nothing is forgotten)."""
    rows = [{"labeler_id": s.labeler_id, "family": s.family, "accuracy": float(s.accuracy),
             "evidence": float(s.evidence), "labels_key": s.labels_key,
             "confusion_json": json.dumps(s.confusion) if s.confusion is not None else None, "updated_at": now}
            for s in sorted(skills, key=lambda s: s.labeler_id)]  # one lock order: no deadlock
    if not rows:
        return
    statement = conflict_insert(session, LabelerSkill)
    statement = statement.on_conflict_do_update(
        index_elements=[LabelerSkill.labeler_id, LabelerSkill.family],
        set_={key: statement.excluded[key] for key in ("accuracy", "evidence", "labels_key", "confusion_json",
                                                       "updated_at")},
    )
    session.execute(statement, rows)
