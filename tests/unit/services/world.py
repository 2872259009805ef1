"""Object mothers for use-case tests: a requester with one private team of labelers, jobs over small manifests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shared.bootstrap import Deps
from shared.persistence.tables import Assignment, AuditEvent, DataObject, Job
from shared.services import accounts, jobs, lifecycle
from tests.fakes import FakeClock
from tests.helpers import drain, text_lines, write_manifest


@dataclass
class World:
    deps: Deps
    clock: FakeClock
    tmp: Path
    requester_id: int
    team_id: int
    labelers: list[int]
    _jobs: int = field(default=0)

    def spec(self, manifest_uri: str | None, **overrides: Any) -> jobs.JobSpec:
        self._jobs += 1
        values: dict[str, Any] = {
            "name": f"job-{self._jobs}", "task_type": "text-classification", "label_attribute_name": "sentiment",
            "labels": ["negative", "positive"], "label_category_config_uri": None, "manifest_uri": manifest_uri,
            "output_uri": None, "workteam_id": self.team_id, "workers_per_object": 1,
            "price_per_task_micros": 12_000, "task_time_limit_seconds": 300,
            "task_availability_lifetime_seconds": 86_400, "max_concurrent_task_count": 1000,
        }
        values.update(overrides)
        return jobs.JobSpec(**values)

    def create(self, lines: list[str] | None = None, *, raw: bytes | None = None, ingest: bool = True,
               **overrides: Any) -> int:
        """Create a job over a manifest written from `lines` (or `raw` bytes) and, by default, ingest it."""
        path = self.tmp / f"manifest-{self._jobs + 1}.jsonl"
        if raw is not None:
            path.write_bytes(raw)
            uri = path.resolve().as_uri()
        else:
            uri = write_manifest(path, text_lines(4) if lines is None else lines)
        spec = self.spec(uri, **overrides)
        with self.deps.sessions.begin() as session:
            job_id = jobs.create_job(self.deps, session, self.requester_id, spec, None).id
        jobs.announce_job(self.deps, job_id)
        if ingest:
            drain(self.deps)
        return job_id

    def job(self, job_id: int) -> Job:
        with self.deps.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            return job

    def states(self, job_id: int) -> dict[str, int]:
        with self.deps.sessions() as session:
            rows = session.execute(select(DataObject.state, func.count()).where(DataObject.job_id == job_id)
                                   .group_by(DataObject.state)).all()
        return {state: n for state, n in rows}

    def objects(self, job_id: int) -> list[DataObject]:
        with self.deps.sessions() as session:
            return list(session.scalars(select(DataObject).where(DataObject.job_id == job_id)
                                        .order_by(DataObject.line_no)))

    def add_labeler(self, name: str) -> int:
        with self.deps.sessions.begin() as session:
            team = accounts.get_workteam(session, self.requester_id, self.team_id)
            labeler, _ = accounts.create_labeler(session, self.clock, team.workforce_id, name, None, [team.id])
            return labeler.id


def make_world(deps: Deps, clock: FakeClock, tmp: Path) -> World:
    """One requester, one private workforce and team, three labelers on it."""
    with deps.sessions.begin() as session:
        key = accounts.create_api_key(session, clock, "acme")
        wf = accounts.create_workforce(session, clock, key.requester_id, "staff", "private", None)
        team = accounts.create_workteam(session, clock, key.requester_id, "team-a", wf.id, "")
        ids = [accounts.create_labeler(session, clock, wf.id, f"lab{i}", None, [team.id])[0].id for i in range(3)]
    return World(deps, clock, tmp, key.requester_id, team.id, ids)


def settle(world: World, job_id: int, rounds: int = 4) -> Job:
    """Sweep and run queued work until the job has ended and its output is written (or rounds run out)."""
    for _ in range(rounds):
        lifecycle.sweep(world.deps)
        drain(world.deps)
        job = world.job(job_id)
        if job.ended_at is not None and job.export_state in ("done", "none"):
            break
    return world.job(job_id)


def audit_trail_is_complete(world: World, job_id: int) -> None:
    """Every job transition and every assignment transition of the job has exactly one audit event."""
    with world.deps.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.job_id == job_id)
                                      .order_by(AuditEvent.id)))
        assignments = list(session.scalars(select(Assignment).where(Assignment.job_id == job_id)))
    moves = [(e.from_state, e.to_state) for e in events if e.kind == "job_status"]
    assert moves[0] == (None, "Initializing")
    for (_, before), (after, _) in zip(moves, moves[1:], strict=False):
        assert before == after, moves
    assert moves[-1][1] == job.status
    for a in assignments:
        mine = [(e.from_state, e.to_state) for e in events if e.kind == "assignment" and e.assignment_id == a.id]
        expected = [(None, "leased")] + ([] if a.state == "leased" else [("leased", a.state)])
        assert mine == expected, (a.id, a.state, mine)
