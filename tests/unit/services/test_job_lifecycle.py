"""Job-level rules over time: MaxConcurrentTaskCount, TaskAvailabilityLifetimeInSeconds and stopping a job."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from shared.domain.errors import Conflict
from shared.domain.output import JobLayout
from shared.persistence.tables import ConsolidatedLabel, DataObject, Job, LedgerEntry
from shared.services import jobs, labeling, lifecycle, queries
from tests.helpers import drain
from tests.unit.services.world import World, audit_trail_is_complete, settle


def _lines(n: int) -> list[str]:
    return [json.dumps({"source": f"text {i}"}) for i in range(n)]


def _view(world: World, job_id: int) -> dict:
    with world.deps.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return queries.job_view(session, job, world.clock.now())


@pytest.mark.parametrize("chunk_lines", [2000, 3], ids=["one-chunk", "four-chunks"])
def test_max_concurrent_task_count_caps_open_objects_and_more_open_as_objects_are_answered(
        world: World, chunk_lines: int) -> None:
    world.deps.settings = world.deps.settings.with_overrides(chunk_lines=chunk_lines)
    job_id = world.create(_lines(10), workers_per_object=1, max_concurrent_task_count=3)
    assert world.states(job_id) == {"open": 3, "queued": 7}

    pending = [(lab, labeling.claim_next(world.deps, lab, job_id)) for lab in world.labelers]
    assert all(task is not None for _, task in pending)
    assert labeling.claim_next(world.deps, world.add_labeler("extra"), job_id) is None  # nothing else is open

    answered = 0
    while pending:
        lab, task = pending.pop(0)
        assert task is not None
        labeling.submit(world.deps, lab, task["assignment_id"], {"label": "positive"})
        answered += 1
        states = world.states(job_id)
        assert states.get("open", 0) <= 3, states
        assert states.get("answered", 0) == answered
        assert states.get("open", 0) == min(3, 10 - answered)  # a queued object opened in the answered one's place
        nxt = labeling.claim_next(world.deps, lab, job_id)
        if nxt is not None:
            pending.append((lab, nxt))
    assert answered == 10

    job = settle(world, job_id)
    assert job.status == "Completed"
    assert world.states(job_id) == {"labeled": 10}


def test_answered_objects_can_open_more_only_up_to_the_cap_across_many_labelers(world: World) -> None:
    labelers = world.labelers + [world.add_labeler(f"more{i}") for i in range(3)]
    job_id = world.create(_lines(10), workers_per_object=2, max_concurrent_task_count=3)

    peak = 0
    for _ in range(30):
        progressed = False
        for lab in labelers:
            task = labeling.claim_next(world.deps, lab, job_id)
            if task is None:
                continue
            peak = max(peak, world.states(job_id).get("open", 0))
            labeling.submit(world.deps, lab, task["assignment_id"], {"label": "negative"})
            progressed = True
        if not progressed:
            break
    assert peak == 3
    assert world.states(job_id) == {"answered": 10}


def test_after_the_availability_lifetime_partial_objects_are_consolidated_and_unanswered_ones_fail(
        world: World) -> None:
    lab0, lab1, lab2 = world.labelers
    job_id = world.create(_lines(4), workers_per_object=2, task_availability_lifetime_seconds=3600,
                          task_time_limit_seconds=7200)
    for lab in (lab0, lab1):  # object 0: both answers
        task = labeling.claim_next(world.deps, lab, job_id)
        assert task is not None and task["input"]["datasetObjectId"] == "0"
        labeling.submit(world.deps, lab, task["assignment_id"], {"label": "positive"})
    partial = labeling.claim_next(world.deps, lab0, job_id)  # object 1: one of two answers
    assert partial is not None and partial["input"]["datasetObjectId"] == "1"
    labeling.submit(world.deps, lab0, partial["assignment_id"], {"label": "negative"})
    straggler = labeling.claim_next(world.deps, lab2, job_id)  # holds object 1's second slot past the lifetime
    assert straggler is not None and straggler["input"]["datasetObjectId"] == "1"

    world.clock.advance(3599)
    lifecycle.sweep(world.deps)
    drain(world.deps)
    assert _view(world, job_id)["status"] == "InProgress"

    world.clock.advance(2)
    job = settle(world, job_id)

    assert job.status == "Completed"
    with pytest.raises(Conflict):
        labeling.submit(world.deps, lab2, straggler["assignment_id"], {"label": "positive"})
    objects = world.objects(job_id)
    assert [o.state for o in objects] == ["labeled", "labeled", "failed", "failed"]
    assert all("TaskAvailabilityLifetimeInSeconds" in (o.failure_reason or "") for o in objects[2:])
    with world.deps.sessions() as session:
        votes = dict(session.execute(select(ConsolidatedLabel.object_id, ConsolidatedLabel.votes)).all())
    assert votes == {objects[0].id: 2, objects[1].id: 1}
    view = _view(world, job_id)
    assert view["label_counters"] == {"TotalLabeled": 2, "HumanLabeled": 2, "MachineLabeled": 0,
                                      "FailedNonRetryableError": 2, "Unlabeled": 0}
    failures = world.deps.blobs.read_bytes(JobLayout.for_job(job.output_uri, job.name).failures).decode()
    assert [json.loads(line)["line"] for line in failures.splitlines()] == [3, 4]
    audit_trail_is_complete(world, job_id)


def test_stopping_a_job_drains_leases_consolidates_partial_answers_and_writes_the_output(world: World) -> None:
    lab0, lab1, lab2 = world.labelers
    job_id = world.create(_lines(6), workers_per_object=2, price_per_task_micros=36_000)
    for lab in (lab0, lab1):  # object 0: complete
        task = labeling.claim_next(world.deps, lab, job_id)
        assert task is not None
        labeling.submit(world.deps, lab, task["assignment_id"], {"label": "positive"})
    one = labeling.claim_next(world.deps, lab0, job_id)  # object 1: one answer of two
    assert one is not None and one["input"]["datasetObjectId"] == "1"
    labeling.submit(world.deps, lab0, one["assignment_id"], {"label": "negative"})
    held = labeling.claim_next(world.deps, lab2, job_id)  # object 0 is done, so lab2 gets object 1
    assert held is not None and held["input"]["datasetObjectId"] == "1"
    leased_only = labeling.claim_next(world.deps, lab2, job_id)  # object 2: leased, never answered
    assert leased_only is not None and leased_only["input"]["datasetObjectId"] == "2"

    with world.deps.sessions.begin() as session:
        job = jobs.get_job(session, world.requester_id, str(job_id))
        jobs.stop_job(world.deps, session, job, "requester:test")
    assert world.job(job_id).status == "Stopping"

    lifecycle.sweep(world.deps)
    drain(world.deps)
    assert world.job(job_id).status == "Stopping"  # two leases are still out
    assert labeling.claim_next(world.deps, lab1, job_id) is None  # a stopping job hands out nothing new
    labeling.submit(world.deps, lab2, held["assignment_id"], {"label": "negative"})  # a live lease still counts
    labeling.decline(world.deps, lab2, leased_only["assignment_id"])

    job = settle(world, job_id)

    assert job.status == "Stopped" and job.export_state == "done"
    assert [o.state for o in world.objects(job_id)] == ["labeled", "labeled", "unlabeled", "unlabeled",
                                                        "unlabeled", "unlabeled"]
    view = _view(world, job_id)
    counters = view["label_counters"]
    assert counters == {"TotalLabeled": 2, "HumanLabeled": 2, "MachineLabeled": 0, "FailedNonRetryableError": 0,
                        "Unlabeled": 4}
    assert counters["TotalLabeled"] + counters["FailedNonRetryableError"] + counters["Unlabeled"] == 6
    assert view["cost"]["total_micros"] == 4 * 36_000 + 2 * 80_000
    output = world.deps.blobs.read_bytes(JobLayout.for_job(job.output_uri, job.name).output_manifest).decode()
    rows = [json.loads(line) for line in output.splitlines()]
    assert [r["source"] for r in rows] == [f"text {i}" for i in range(6)]
    assert [r.get("sentiment") for r in rows] == [1, 0, None, None, None, None]
    audit_trail_is_complete(world, job_id)


def test_stopping_waits_for_a_held_lease_to_expire(world: World) -> None:
    job_id = world.create(_lines(2), workers_per_object=1, task_time_limit_seconds=60)
    held = labeling.claim_next(world.deps, world.labelers[0], job_id)
    assert held is not None
    with world.deps.sessions.begin() as session:
        jobs.stop_job(world.deps, session, jobs.get_job(session, world.requester_id, str(job_id)), "test")

    assert settle(world, job_id, rounds=2).status == "Stopping"
    world.clock.advance(61)
    job = settle(world, job_id)

    assert job.status == "Stopped"
    assert world.states(job_id) == {"unlabeled": 2}
    with world.deps.sessions() as session:
        assert session.scalars(select(LedgerEntry)).all() == []
        assert session.scalar(select(DataObject.remaining).where(DataObject.job_id == job_id).limit(1)) == 0
    audit_trail_is_complete(world, job_id)


def test_a_job_that_has_ended_cannot_be_stopped(world: World) -> None:
    job_id = world.create(_lines(1), workers_per_object=1)
    task = labeling.claim_next(world.deps, world.labelers[0], job_id)
    assert task is not None
    labeling.submit(world.deps, world.labelers[0], task["assignment_id"], {"label": "positive"})
    assert settle(world, job_id).status == "Completed"

    with world.deps.sessions.begin() as session, pytest.raises(Conflict):
        jobs.stop_job(world.deps, session, jobs.get_job(session, world.requester_id, str(job_id)), "test")
