"""Releasing queued objects to labelers, so that at most MaxConcurrentTaskCount objects are open per job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.domain.states import ObjectState
from shared.persistence.engine import Executor
from shared.persistence.tables import DataObject, Job


def _release(session: Executor, job_id: int, workers: int, count: int, now: datetime) -> int:
    if count <= 0:
        return 0
    picked = (
        select(DataObject.id)
        .where(DataObject.job_id == job_id, DataObject.state == ObjectState.QUEUED)
        .order_by(DataObject.line_no)
        .limit(count)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return session.execute(
        update(DataObject)
        .where(DataObject.id.in_(picked))
        .values(state=ObjectState.OPEN, released_at=now, remaining=workers),
        execution_options={"synchronize_session": False},
    ).rowcount


def top_up(session: Session, job: Job, now: datetime) -> int:
    """Open queued objects until the job has max_concurrent open ones; the job row lock serialises top-ups.

    The lock is FOR NO KEY UPDATE: it excludes other top-ups but not the key-share locks that inserting rows
    which reference the job takes (a chunk's COPY, a claim), so two chunks ingesting at once cannot deadlock.
    """
    session.execute(select(Job.id).where(Job.id == job.id).with_for_update(key_share=True))
    open_now = session.scalar(
        select(func.count()).select_from(DataObject)
        .where(DataObject.job_id == job.id, DataObject.state == ObjectState.OPEN)
    ) or 0
    return _release(session, job.id, job.workers_per_object, job.max_concurrent - open_now, now)


def replace_one(conn: Executor, job_id: int, workers: int, now: datetime) -> int:
    """An object just left 'open': open the next queued one in its place (no count, no job lock)."""
    return _release(conn, job_id, workers, 1, now)
