"""Audit trail writes: one row per job or assignment transition (and a few other events worth proving)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from shared.persistence.engine import Executor
from shared.persistence.tables import AuditEvent


def record(
    session: Executor,
    at: datetime,
    kind: str,
    actor: str,
    *,
    job_id: int | None = None,
    object_id: int | None = None,
    assignment_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.execute(
        insert(AuditEvent).values(
            at=at, kind=kind, actor=actor, job_id=job_id, object_id=object_id, assignment_id=assignment_id,
            from_state=from_state, to_state=to_state, detail=json.dumps(detail or {}),
        )
    )


def record_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk form for sweeps that move many assignments at once."""
    batch = [{"detail": "{}", "object_id": None, "assignment_id": None, **row} for row in rows]
    if batch:
        session.execute(insert(AuditEvent), batch)
