"""Job transitions: checked against the state machine and written to the audit trail in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.domain.states import TERMINAL_JOB_STATES, JobStatus, check_job_transition
from shared.persistence.tables import Job
from shared.services import audit


def transition_job(
    session: Session, job: Job, target: JobStatus, at: datetime, actor: str, reason: str | None = None
) -> bool:
    """Move `job` to `target` unless another process moved it first; returns whether this call moved it."""
    current = job.status
    check_job_transition(current, target)
    values: dict[str, object] = {"status": target.value, "updated_at": at}
    if reason is not None:
        values["failure_reason"] = reason[:1024]
    if target in TERMINAL_JOB_STATES:
        values["ended_at"] = at
        values["export_state"] = "pending" if target != JobStatus.FAILED or job.chunks_total else "none"
    moved = session.execute(
        update(Job).where(Job.id == job.id, Job.status == current).values(**values)
    ).rowcount
    if not moved:
        session.refresh(job)
        return False
    audit.record(session, at, "job_status", actor, job_id=job.id, from_state=current, to_state=target.value,
                 detail={"reason": reason} if reason else None)
    session.refresh(job)
    return True
