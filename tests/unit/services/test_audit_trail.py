"""The audit trail: every job and assignment transition is written, and the database refuses to change it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from shared.persistence.tables import Assignment, AuditEvent
from shared.services import labeling, lifecycle
from tests.unit.services.world import World, audit_trail_is_complete, settle


def test_every_job_and_assignment_transition_of_a_finished_job_has_an_audit_event(world: World) -> None:
    lab0, lab1, lab2 = world.labelers
    job_id = world.create(['{"source": "a"}', '{"source": "b"}'], workers_per_object=2, task_time_limit_seconds=60)
    submitted = labeling.claim_next(world.deps, lab0, job_id)
    declined = labeling.claim_next(world.deps, lab1, job_id)
    expired = labeling.claim_next(world.deps, lab2, job_id)
    assert submitted and declined and expired
    labeling.submit(world.deps, lab0, submitted["assignment_id"], {"label": "positive"})
    labeling.decline(world.deps, lab1, declined["assignment_id"])
    world.clock.advance(61)
    lifecycle.expire_leases(world.deps)
    for _ in range(3):  # everyone answers what is left
        for lab in world.labelers:
            task = labeling.claim_next(world.deps, lab, job_id)
            if task:
                labeling.submit(world.deps, lab, task["assignment_id"], {"label": "negative"})
    assert settle(world, job_id).status == "Completed"

    with world.deps.sessions() as session:
        states = dict(session.execute(select(Assignment.state, func.count()).group_by(Assignment.state)).all())
        kinds = set(session.scalars(select(AuditEvent.kind).where(AuditEvent.job_id == job_id)))
        moves = session.execute(select(AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor)
                                .where(AuditEvent.kind == "job_status").order_by(AuditEvent.id)).all()
    assert states == {"submitted": 4, "declined": 1, "expired": 1}
    assert [(m[0], m[1]) for m in moves] == [(None, "Initializing"), ("Initializing", "InProgress"),
                                             ("InProgress", "Completed")]
    assert moves[0][2] == f"requester:{world.requester_id}"
    assert "exported" in kinds
    audit_trail_is_complete(world, job_id)


def test_an_extended_lease_is_audited_with_its_new_end(world: World) -> None:
    job_id = world.create()
    task = labeling.claim_next(world.deps, world.labelers[0], job_id)
    assert task is not None
    world.clock.advance(10)
    labeling.extend(world.deps, world.labelers[0], task["assignment_id"])

    with world.deps.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "lease_extended")).one()
    assert event.assignment_id == task["assignment_id"]
    assert event.detail == '{"expires_at": "2026-03-01T12:05:10"}'


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor = 'someone else'",
    "UPDATE audit_event SET to_state = 'Completed' WHERE kind = 'job_status'",
    "DELETE FROM audit_event",
    "DELETE FROM audit_event WHERE id = 1",
])
def test_audit_rows_cannot_be_updated_or_deleted(world: World, statement: str) -> None:
    world.create()
    with world.deps.engine.connect() as conn:
        before = conn.execute(text("SELECT id, actor, to_state FROM audit_event ORDER BY id")).all()
    assert before

    with pytest.raises(DBAPIError, match="append-only"), world.deps.engine.begin() as conn:
        conn.execute(text(statement))

    with world.deps.engine.connect() as conn:
        assert conn.execute(text("SELECT id, actor, to_state FROM audit_event ORDER BY id")).all() == before


def test_audit_rows_can_still_be_appended(world: World) -> None:
    job_id = world.create()
    with world.deps.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_event (at, job_id, actor, kind) "
                          "VALUES ('2026-03-01 00:00:00', :j, 'test', 'note')"), {"j": job_id})
    with world.deps.sessions() as session:
        assert session.scalar(select(AuditEvent.detail).where(AuditEvent.kind == "note")) == "{}"
