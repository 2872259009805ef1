"""Recording an accepted answer: close the lease, store the answer, pay once, audit, count, release the next object.

On PostgreSQL this is one statement of data-modifying CTEs, so a submit costs one round trip; every step is
keyed on the assignment leaving 'leased' in that same statement, so a repeated submit matches nothing and
changes nothing. SQLite runs the same steps one by one inside its immediate (single-writer) transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text, update

from shared.domain.states import AssignmentState, ObjectState
from shared.domain.task_types import SPECS, AnswerKind
from shared.persistence.engine import Executor
from shared.persistence.tables import AnswerRow, Assignment, DataObject, LedgerEntry
from shared.services import audit
from shared.services.job_cache import JobFacts
from shared.services.release import replace_one

_LABEL_TYPES = ", ".join(f"'{t.value}'" for t, spec in SPECS.items()
                        if spec.answer_kind in (AnswerKind.CLASS, AnswerKind.VERDICT))

_PG_RECORD = text(f"""
WITH closed AS (
    UPDATE assignment a SET state = 'submitted', ended_at = :now
    FROM job j JOIN workteam w ON w.id = j.workteam_id
    WHERE a.id = :aid AND a.labeler_id = :labeler AND a.state = 'leased' AND a.expires_at >= :now
      AND j.id = a.job_id
      AND (CAST(:label AS text) IS NULL
           OR (j.task_type IN ({_LABEL_TYPES}) AND (j.labels_json::jsonb) ? CAST(:label AS text)))
    RETURNING a.job_id, a.object_id, a.leased_at, j.price_micros, j.workers_per_object AS needed, w.workforce_id
), stored AS (
    INSERT INTO answer (assignment_id, job_id, object_id, labeler_id, content, accepted_at, submitted_at)
    SELECT :aid, job_id, object_id, :labeler, :content, leased_at, :now FROM closed
), paid AS (
    INSERT INTO ledger_entry (key, kind, job_id, workforce_id, labeler_id, object_id, assignment_id,
                              amount_micros, created_at)
    SELECT 'pay:' || :aid, 'worker_pay', job_id, workforce_id, :labeler, object_id, :aid, price_micros, :now
    FROM closed WHERE price_micros > 0
), audited AS (
    INSERT INTO audit_event (at, job_id, object_id, assignment_id, actor, kind, from_state, to_state, detail)
    SELECT :now, job_id, object_id, :aid, :actor, 'assignment', 'leased', 'submitted', '{{}}' FROM closed
), counted AS (
    UPDATE data_object o
    SET answers_count = o.answers_count + 1,
        state = CASE WHEN o.state = 'open' AND o.answers_count + 1 >= closed.needed THEN 'answered'
                     ELSE o.state END
    FROM closed WHERE o.id = closed.object_id
    RETURNING o.job_id, o.state = 'answered' AND o.answers_count = closed.needed AS completed
), released AS (
    UPDATE data_object SET state = 'open', released_at = :now, remaining = (SELECT needed FROM closed)
    WHERE EXISTS (SELECT 1 FROM counted WHERE completed)
      AND id = (SELECT q.id FROM data_object q WHERE q.job_id = (SELECT job_id FROM closed) AND q.state = 'queued'
                ORDER BY q.line_no LIMIT 1 FOR UPDATE SKIP LOCKED)
)
SELECT job_id, object_id FROM closed
""")


def record_answer_postgres(
    conn: Executor, labeler_id: int, assignment_id: int, content: dict[str, Any], now: datetime, actor: str,
    label: str | None,
) -> tuple[int, int] | None:
    """One round trip: the statement itself checks the lease and, given `label`, that the job takes one label
    from its categories and that this is one of them (the fast path for classification and verification).
    With `label` None the caller has already checked the answer against the job's task type.

    Returns the job and object ids, or None when nothing was recorded (not leased to this labeler, no longer
    leased, or a label the job does not have); the caller then finds out which, on the slow path.
    """
    row = conn.execute(_PG_RECORD, {
        "aid": assignment_id, "labeler": labeler_id, "now": now, "content": json.dumps(content, ensure_ascii=False),
        "actor": actor, "label": label,
    }).first()
    return None if row is None else (row[0], row[1])


def record_answer_generic(
    session: Executor, facts: JobFacts, labeler_id: int, assignment_id: int, content: str, now: datetime, actor: str
) -> int | None:
    """The same steps for SQLite; returns the object id, or None when the assignment was not a live lease."""
    row = session.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id, Assignment.labeler_id == labeler_id,
               Assignment.state == AssignmentState.LEASED, Assignment.expires_at >= now)
        .values(state=AssignmentState.SUBMITTED, ended_at=now)
        .returning(Assignment.job_id, Assignment.object_id, Assignment.leased_at)
    ).first()
    if row is None:
        return None
    job_id, object_id, leased_at = row
    session.execute(insert(AnswerRow).values(
        assignment_id=assignment_id, job_id=job_id, object_id=object_id, labeler_id=labeler_id,
        content=content, accepted_at=leased_at, submitted_at=now))
    if facts.price_micros:
        session.execute(insert(LedgerEntry).values(
            key=f"pay:{assignment_id}", kind="worker_pay", job_id=job_id, workforce_id=facts.workforce_id,
            labeler_id=labeler_id, object_id=object_id, assignment_id=assignment_id,
            amount_micros=facts.price_micros, created_at=now))
    audit.record(session, now, "assignment", actor, job_id=job_id, object_id=object_id,
                 assignment_id=assignment_id, from_state=AssignmentState.LEASED, to_state=AssignmentState.SUBMITTED)
    count, state = session.execute(
        update(DataObject).where(DataObject.id == object_id)
        .values(answers_count=DataObject.answers_count + 1)
        .returning(DataObject.answers_count, DataObject.state)
    ).one()
    if count >= facts.workers_per_object and state == ObjectState.OPEN:
        session.execute(update(DataObject).where(DataObject.id == object_id).values(state=ObjectState.ANSWERED))
        replace_one(session, job_id, facts.workers_per_object, now)
    return object_id
