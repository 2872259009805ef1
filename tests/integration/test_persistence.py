"""The schema on SQLite and PostgreSQL: migrations match the models, and the database itself keeps the audit
trail append-only, one live assignment per (object, labeler) and one ledger entry per key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.bootstrap import Deps
from shared.domain.states import AssignmentState
from shared.persistence.migrate import alembic_config
from shared.persistence.tables import Assignment, AuditEvent, Base, DataObject, LedgerEntry
from shared.services import audit
from tests.helpers import drain, text_lines, write_manifest
from tests.integration.factories import make_crew, start_job

pytestmark = pytest.mark.integration


def _job_with_objects(deps: Deps, tmp_path: Path, labelers: int = 2) -> tuple[int, list[int], list[int]]:
    crew = make_crew(deps, labelers)
    job_id = start_job(deps, crew, write_manifest(tmp_path / "in.manifest", text_lines(3)), "schema-check")
    drain(deps)
    with deps.sessions() as session:
        objects = list(session.scalars(select(DataObject.id).where(DataObject.job_id == job_id)
                                       .order_by(DataObject.line_no)))
    assert len(objects) == 3
    return job_id, objects, crew.labeler_ids


def _lease(deps: Deps, job_id: int, object_id: int, labeler_id: int,
           state: AssignmentState = AssignmentState.LEASED) -> int:
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        row = Assignment(job_id=job_id, object_id=object_id, labeler_id=labeler_id, state=state.value,
                         leased_at=now, expires_at=now + timedelta(seconds=300))
        session.add(row)
        session.flush()
        return row.id


def test_migrations_create_exactly_the_schema_the_models_describe(any_deps: Deps) -> None:
    with any_deps.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        differences = compare_metadata(context, Base.metadata)
        current = context.get_current_revision()
    assert differences == []
    url = any_deps.engine.url.render_as_string(hide_password=False)
    assert current == ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_the_partial_unique_index_exists_with_its_where_clause(any_deps: Deps) -> None:
    with any_deps.engine.connect() as conn:
        if any_deps.is_postgres:
            ddl = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_assignment_object_labeler'"))
        else:
            ddl = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'uq_assignment_object_labeler'"))
    assert ddl is not None and "UNIQUE" in ddl.upper() and "expired" in ddl


def test_audit_events_can_be_appended_but_never_updated_or_deleted(any_deps: Deps) -> None:
    now = any_deps.clock.now()
    with any_deps.sessions.begin() as session:
        audit.record(session, now, "job_status", "test", job_id=1, to_state="Initializing")
        audit.record(session, now, "job_status", "test", job_id=1, from_state="Initializing", to_state="InProgress")
    changes = [update(AuditEvent).values(actor="forger"), update(AuditEvent).values(to_state="Completed"),
               delete(AuditEvent), delete(AuditEvent).where(AuditEvent.from_state.is_(None))]
    if any_deps.is_postgres:
        changes.append(text("TRUNCATE audit_event"))
    for change in changes:
        with pytest.raises(DBAPIError, match="append-only"), any_deps.sessions.begin() as session:
            session.execute(change)
    with any_deps.sessions() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.to_state).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("test", "Initializing"), ("test", "InProgress")]


def test_a_second_live_assignment_of_the_same_object_to_the_same_labeler_is_refused(
    any_deps: Deps, tmp_path: Path
) -> None:
    job_id, objects, (alice, bob) = _job_with_objects(any_deps, tmp_path)
    _lease(any_deps, job_id, objects[0], alice)
    for state in (AssignmentState.LEASED, AssignmentState.SUBMITTED, AssignmentState.DECLINED):
        with pytest.raises(IntegrityError):
            _lease(any_deps, job_id, objects[0], alice, state)
    _lease(any_deps, job_id, objects[0], bob)  # another labeler on the same object
    _lease(any_deps, job_id, objects[1], alice)  # the same labeler on another object
    with any_deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 3


def test_an_expired_lease_lets_the_same_labeler_take_the_object_again_once(any_deps: Deps, tmp_path: Path) -> None:
    job_id, objects, (alice, _) = _job_with_objects(any_deps, tmp_path)
    first = _lease(any_deps, job_id, objects[0], alice)
    with any_deps.sessions.begin() as session:
        session.execute(update(Assignment).where(Assignment.id == first).values(state=AssignmentState.EXPIRED))
    _lease(any_deps, job_id, objects[0], alice, AssignmentState.EXPIRED)  # expired ones never conflict
    second = _lease(any_deps, job_id, objects[0], alice)
    with pytest.raises(IntegrityError):
        _lease(any_deps, job_id, objects[0], alice)
    with any_deps.sessions() as session:
        states = session.execute(select(Assignment.id, Assignment.state).where(Assignment.object_id == objects[0])
                                 .order_by(Assignment.id)).all()
    assert [s for _, s in states] == ["expired", "expired", "leased"] and states[-1][0] == second


def test_a_ledger_key_is_written_only_once(any_deps: Deps, tmp_path: Path) -> None:
    job_id, objects, _ = _job_with_objects(any_deps, tmp_path)
    now = any_deps.clock.now()

    def fee(amount: int) -> LedgerEntry:
        return LedgerEntry(key=f"fee:{objects[0]}", kind="service_fee", job_id=job_id, object_id=objects[0],
                           amount_micros=amount, created_at=now)

    with any_deps.sessions.begin() as session:
        session.add(fee(80_000))
    with pytest.raises(IntegrityError), any_deps.sessions.begin() as session:
        session.add(fee(80_000))
    with any_deps.sessions.begin() as session:
        session.add(LedgerEntry(key=f"fee:{objects[1]}", kind="service_fee", job_id=job_id, object_id=objects[1],
                                amount_micros=80_000, created_at=now))
    with any_deps.sessions() as session:
        total = session.scalar(select(func.sum(LedgerEntry.amount_micros)).where(LedgerEntry.job_id == job_id))
    assert total == 160_000
