"""The claim: one indexed statement hands a labeler the next open slot it has not worked on.

PostgreSQL runs it as a single `WITH ... FOR UPDATE SKIP LOCKED ... INSERT ... RETURNING`, so concurrent labelers
never wait on each other and never get the same slot. SQLite (one writer at a time) runs the same steps in an
immediate transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, insert, select, text, update

from shared.domain.pricing import WorkforceKind
from shared.domain.states import AssignmentState, JobStatus, ObjectState
from shared.persistence.engine import Executor
from shared.persistence.tables import (
    Assignment,
    DataObject,
    Job,
    Labeler,
    LabelerRemoval,
    Workforce,
    WorkteamMember,
)
from shared.services import audit

_PG_CLAIM = text("""
WITH picked AS (
    SELECT o.id FROM data_object o
    WHERE o.job_id = :job_id AND o.state = 'open' AND o.remaining > 0
      AND (SELECT count(*) FROM assignment a
           WHERE a.object_id = o.id AND a.labeler_id = :labeler AND a.state <> 'expired') = 0
    ORDER BY o.line_no
    LIMIT 1
    FOR UPDATE OF o SKIP LOCKED
), taken AS (
    UPDATE data_object o SET remaining = o.remaining - 1
    FROM picked, job j
    WHERE o.id = picked.id AND j.id = o.job_id AND j.status = 'InProgress'
    RETURNING o.id, o.job_id, o.line_no, o.source, o.source_ref, o.task_input_json, j.task_time_limit_s
), leased AS (
    INSERT INTO assignment (job_id, object_id, labeler_id, state, leased_at, expires_at)
    SELECT t.job_id, t.id, :labeler, 'leased', :now, :now + make_interval(secs => t.task_time_limit_s)
    FROM taken t
    RETURNING id, job_id, object_id, expires_at
), audited AS (
    INSERT INTO audit_event (at, job_id, object_id, assignment_id, actor, kind, to_state, detail)
    SELECT :now, l.job_id, l.object_id, l.id, :actor, 'assignment', 'leased', '{}' FROM leased l
)
SELECT l.id, l.job_id, l.object_id, l.expires_at, t.line_no, t.source, t.source_ref, t.task_input_json
FROM leased l JOIN taken t ON t.id = l.object_id
""")
"""The claim as one statement: pick (index order, skipping locked rows), take the slot, lease it, audit it.

The "already worked on it" test is a per-row subquery on the (object, labeler) unique index rather than an
anti-join, so the plan stays an ordered index walk that stops at the first free row whatever the statistics say.
"""

CLAIM_COLUMNS = ("id", "job_id", "object_id", "expires_at", "line_no", "source", "source_ref", "task_input")


def claim_postgres(session: Executor, labeler_id: int, job_id: int, now: datetime, actor: str) -> dict[str, Any] | None:
    row = session.execute(_PG_CLAIM, {"labeler": labeler_id, "job_id": job_id, "now": now, "actor": actor}).first()
    return dict(zip(CLAIM_COLUMNS, row, strict=True)) if row else None


def claimable_jobs(session: Executor, labeler_id: int, job_id: int | None) -> list[int]:
    """Running jobs of the labeler's workteams (optionally just one), oldest first, less any job that took this
    labeler off for falling below its gold bar."""
    query = (
        select(Job.id).join(WorkteamMember, WorkteamMember.workteam_id == Job.workteam_id)
        .where(WorkteamMember.labeler_id == labeler_id, Job.status == JobStatus.IN_PROGRESS)
        .order_by(Job.id)
    )
    if job_id:
        query = query.where(Job.id == job_id)
    removed = select(LabelerRemoval.job_id).where(LabelerRemoval.labeler_id == labeler_id,
                                                  LabelerRemoval.job_id == Job.id).exists()
    return list(session.scalars(query.where(~removed)))


def qualification_pending(session: Executor, labeler_id: int) -> bool:
    """Whether the labeler must still pass their public workforce's qualification: one primary-key lookup.
    Labelers the requester added are recorded as qualified when created, so only self-signed-up ones wait."""
    row = session.execute(
        select(Labeler.qualified_at, Workforce.kind, Workforce.qualification_json.is_not(None))
        .join(Workforce, Workforce.id == Labeler.workforce_id).where(Labeler.id == labeler_id)
    ).first()
    return row is not None and row[0] is None and row[1] == WorkforceKind.PUBLIC and bool(row[2])


def lease(session: Executor, labeler_id: int, job_id: int, object_id: int, now: datetime,
          actor: str) -> tuple[int, datetime]:
    """Lease one object to a labeler for the job's task time limit, with its audit event; (assignment, expiry)."""
    limit = session.scalar(select(Job.task_time_limit_s).where(Job.id == job_id)) or 0
    expires = now + timedelta(seconds=limit)
    assignment_id = session.execute(
        insert(Assignment).values(job_id=job_id, object_id=object_id, labeler_id=labeler_id,
                                  state=AssignmentState.LEASED, leased_at=now, expires_at=expires)
        .returning(Assignment.id)
    ).scalar_one()
    audit.record(session, now, "assignment", actor, job_id=job_id, object_id=object_id,
                 assignment_id=assignment_id, to_state=AssignmentState.LEASED)
    return assignment_id, expires


def claim_generic(session: Executor, labeler_id: int, job_id: int, now: datetime, actor: str) -> dict[str, Any] | None:
    """The same steps for SQLite, where one writer at a time makes a plain select-then-update safe."""
    if session.scalar(select(Job.status).where(Job.id == job_id)) != JobStatus.IN_PROGRESS:
        return None  # the job list is cached: re-check, as the PostgreSQL statement does (a stopped job leases nothing)
    answered = exists().where(
        Assignment.object_id == DataObject.id, Assignment.labeler_id == labeler_id,
        Assignment.state != AssignmentState.EXPIRED,
    )
    row = session.execute(
        select(DataObject.id, DataObject.job_id, DataObject.line_no, DataObject.source, DataObject.source_ref,
               DataObject.task_input_json)
        .where(DataObject.job_id == job_id, DataObject.state == ObjectState.OPEN, DataObject.remaining > 0, ~answered)
        .order_by(DataObject.line_no)
        .limit(1)
    ).first()
    if row is None:
        return None
    object_id, claimed_job, line_no, source, source_ref, task_input = row
    session.execute(update(DataObject).where(DataObject.id == object_id).values(remaining=DataObject.remaining - 1))
    assignment_id, expires = lease(session, labeler_id, claimed_job, object_id, now, actor)
    return {"id": assignment_id, "job_id": claimed_job, "object_id": object_id, "expires_at": expires,
            "line_no": line_no, "source": source, "source_ref": source_ref, "task_input": task_input}
