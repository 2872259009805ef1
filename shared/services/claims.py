"""The claim: one indexed statement hands a labeler the next open slot it has not worked on.

PostgreSQL runs it as a single `WITH ... FOR UPDATE SKIP LOCKED ... INSERT ... RETURNING`, so concurrent labelers
never wait on each other and never get the same slot. SQLite (one writer at a time) runs the same steps in an
immediate transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, insert, select, text, update
from sqlalchemy.orm import Session

from shared.domain.states import AssignmentState, JobStatus, ObjectState
from shared.persistence.tables import Assignment, DataObject, Job, WorkteamMember

_PG_CLAIM = text("""
WITH picked AS (
    SELECT o.id FROM data_object o
    WHERE o.job_id IN (
            SELECT j.id FROM job j JOIN workteam_member m ON m.workteam_id = j.workteam_id
            WHERE m.labeler_id = :labeler AND j.status = 'InProgress' AND (:job_id = 0 OR j.id = :job_id))
      AND o.state = 'open' AND o.remaining > 0
      AND NOT EXISTS (SELECT 1 FROM assignment a
                      WHERE a.object_id = o.id AND a.labeler_id = :labeler AND a.state <> 'expired')
    ORDER BY o.job_id, o.line_no
    LIMIT 1
    FOR UPDATE OF o SKIP LOCKED
), taken AS (
    UPDATE data_object o SET remaining = o.remaining - 1 FROM picked WHERE o.id = picked.id
    RETURNING o.id, o.job_id, o.line_no, o.source, o.source_ref
)
INSERT INTO assignment (job_id, object_id, labeler_id, state, leased_at, expires_at)
SELECT t.job_id, t.id, :labeler, 'leased', :now, :now + make_interval(secs => j.task_time_limit_s)
FROM taken t JOIN job j ON j.id = t.job_id
RETURNING id, job_id, object_id, expires_at,
    (SELECT line_no FROM taken), (SELECT source FROM taken), (SELECT source_ref FROM taken)
""")

CLAIM_COLUMNS = ("id", "job_id", "object_id", "expires_at", "line_no", "source", "source_ref")


def claim_postgres(session: Session, labeler_id: int, job_id: int | None, now: datetime) -> dict[str, Any] | None:
    row = session.execute(_PG_CLAIM, {"labeler": labeler_id, "job_id": job_id or 0, "now": now}).first()
    return dict(zip(CLAIM_COLUMNS, row, strict=True)) if row else None


def claim_generic(session: Session, labeler_id: int, job_id: int | None, now: datetime) -> dict[str, Any] | None:
    jobs = (
        select(Job.id).join(WorkteamMember, WorkteamMember.workteam_id == Job.workteam_id)
        .where(WorkteamMember.labeler_id == labeler_id, Job.status == JobStatus.IN_PROGRESS)
    )
    if job_id:
        jobs = jobs.where(Job.id == job_id)
    answered = exists().where(
        Assignment.object_id == DataObject.id, Assignment.labeler_id == labeler_id,
        Assignment.state != AssignmentState.EXPIRED,
    )
    row = session.execute(
        select(DataObject.id, DataObject.job_id, DataObject.line_no, DataObject.source, DataObject.source_ref)
        .where(DataObject.job_id.in_(jobs), DataObject.state == ObjectState.OPEN, DataObject.remaining > 0, ~answered)
        .order_by(DataObject.job_id, DataObject.line_no)
        .limit(1)
    ).first()
    if row is None:
        return None
    object_id, claimed_job, line_no, source, source_ref = row
    session.execute(update(DataObject).where(DataObject.id == object_id).values(remaining=DataObject.remaining - 1))
    limit = session.scalar(select(Job.task_time_limit_s).where(Job.id == claimed_job)) or 0
    expires = now + timedelta(seconds=limit)
    assignment_id = session.execute(
        insert(Assignment).values(job_id=claimed_job, object_id=object_id, labeler_id=labeler_id,
                                  state=AssignmentState.LEASED, leased_at=now, expires_at=expires)
        .returning(Assignment.id)
    ).scalar_one()
    return {"id": assignment_id, "job_id": claimed_job, "object_id": object_id, "expires_at": expires,
            "line_no": line_no, "source": source, "source_ref": source_ref}
