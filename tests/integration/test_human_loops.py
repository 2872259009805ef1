"""Real-time human review through the job machinery, on SQLite and on PostgreSQL: a flow's standing job takes
loops as they arrive, labelers claim and submit as for any job, the sweep consolidates and writes A2I's
output.json, and loops stop, expire, and survive a crash between writing the output and marking the loop."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.domain import human_review as hr
from shared.domain.errors import Conflict
from shared.persistence.tables import Job
from shared.services import human_review, jobs, labeling, lifecycle
from tests.helpers import drain
from tests.unit.services.world import World, settle

pytestmark = pytest.mark.integration


def _flow(world: World, **overrides: Any) -> human_review.FlowDefinition:
    values: dict[str, Any] = {
        "name": "reviews", "task_type": "text-classification", "workteam_id": world.team_id,
        "title": "Check the sentiment", "description": "Positive or negative?", "labels": ["negative", "positive"],
        "task_count": 3, "price_per_task_micros": 12_000, "activation_conditions": {"confidence_below": 0.8},
    }
    values.update(overrides)
    with world.deps.sessions.begin() as session:
        flow = human_review.create_flow(world.deps, session, world.requester_id, human_review.FlowSpec(**values))
        session.expunge(flow)
    return flow


def _start(world: World, name: str, text: str, confidence: float | None = None) -> human_review.HumanLoop:
    spec = human_review.LoopSpec("reviews", name, {"source": text, "review-id": name}, "positive", confidence,
                                 confidence is not None)
    with world.deps.sessions.begin() as session:
        loop = human_review.start_loop(world.deps, session, world.requester_id, spec)
        session.expunge(loop)
    return loop


def _loop(world: World, name: str) -> human_review.HumanLoop:
    with world.deps.sessions() as session:
        loop = human_review.get_loop(session, world.requester_id, name)
        session.expunge(loop)
    return loop


def _answer_all(world: World, picks: dict[int, str]) -> int:
    """Every labeler answers whatever it can claim; returns how many answers were given."""
    given, progressed = 0, True
    while progressed:
        progressed = False
        for who, labeler in enumerate(world.labelers):
            task = labeling.claim_next(world.deps, labeler)
            if task is None:
                continue
            result = labeling.submit(world.deps, labeler, task["assignment_id"], {"label": picks[who]})
            assert result["state"] == "submitted"
            world.clock.advance(4)
            given += 1
            progressed = True
    return given


def test_loops_go_to_people_or_not_and_finish_with_a2is_output(any_world: World) -> None:
    world = any_world
    flow = _flow(world)
    unsure = _start(world, "unsure", "the soup was cold", 0.4)
    sure = _start(world, "sure", "lovely staff", 0.97)
    no_prediction = _start(world, "blind", "fine, I guess")

    assert (unsure.status, sure.status, no_prediction.status) == ("InProgress", "Completed", "InProgress")
    assert json.loads(world.deps.blobs.read_bytes(sure.output_uri))["humanAnswers"] == []
    assert [o.line_no for o in world.objects(flow.job_id)] == [0, 1]
    assert _answer_all(world, {0: "negative", 1: "negative", 2: "positive"}) == 6
    settle(world, flow.job_id)

    loop = _loop(world, "unsure")
    assert loop.status == "Completed" and loop.ended_at is not None
    output = json.loads(world.deps.blobs.read_bytes(loop.output_uri))
    assert output["humanLoopName"] == "unsure"
    assert output["inputContent"] == {"source": "the soup was cold", "review-id": "unsure"}
    assert sorted(a["answerContent"]["crowd-classifier"]["label"] for a in output["humanAnswers"]) == [
        "negative", "negative", "positive"]
    assert all(a["timeSpentInSeconds"] >= 0 and a["submissionTime"].endswith("Z") for a in output["humanAnswers"])
    assert output["groundworkConsolidatedAnswer"]["label"] == "negative"
    assert output["groundworkConsolidatedAnswer"]["votes"] == 3
    assert _loop(world, "blind").status == "Completed"
    # The standing job never completes on its own, and the workers were paid as in any job.
    job = world.job(flow.job_id)
    assert job.status == "InProgress" and job.standing and job.dataset_lines == 2
    assert world.states(flow.job_id) == {"labeled": 2}
    # A later loop is taken at once by the same job.
    later = _start(world, "later", "too loud", 0.1)
    assert later.status == "InProgress" and world.states(flow.job_id)["open"] == 1


def test_a_crash_between_writing_and_marking_rewrites_the_same_bytes(any_world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    world = any_world
    _flow(world, task_count=1)
    loop = _start(world, "crashy", "meh", 0.2)
    _answer_all(world, {0: "positive", 1: "positive", 2: "positive"})
    real_move = human_review._move

    def crash(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("worker died")

    monkeypatch.setattr(human_review, "_move", crash)
    with pytest.raises(RuntimeError):
        for _ in range(3):  # consolidate, then the sweep that writes the output dies before marking the loop
            lifecycle.sweep(world.deps)
            drain(world.deps)
    first = world.deps.blobs.read_bytes(loop.output_uri)
    assert _loop(world, "crashy").status == "InProgress"

    monkeypatch.setattr(human_review, "_move", real_move)
    world.clock.advance(120)
    assert human_review.finalize_loops(world.deps) == 1
    assert world.deps.blobs.read_bytes(loop.output_uri) == first
    assert _loop(world, "crashy").status == "Completed"
    assert human_review.finalize_loops(world.deps) == 0  # nothing left to do


def test_an_unanswered_loop_expires_and_a_stopped_one_leaves_the_queue(any_world: World) -> None:
    world = any_world
    flow = _flow(world, task_availability_lifetime_seconds=600, max_concurrent_task_count=1)
    _start(world, "first", "a", 0.1)
    _start(world, "second", "b", 0.1)
    assert world.states(flow.job_id) == {"open": 1, "queued": 1}

    with world.deps.sessions.begin() as session:
        stopped = human_review.stop_loop(world.deps, session, world.requester_id, "first")
        assert stopped.status == "Stopped"
    assert world.states(flow.job_id) == {"unlabeled": 1, "open": 1}  # the next loop took its slot

    world.clock.advance(601)
    settle(world, flow.job_id, rounds=2)
    loop = _loop(world, "second")
    assert loop.status == "Failed" and loop.failure_code == hr.FailureCode.EXPIRED
    assert "TaskAvailabilityLifetime" in (loop.failure_reason or "")
    assert world.job(flow.job_id).status == "InProgress"


def test_starts_on_one_flow_get_distinct_lines_even_after_deletes(any_world: World) -> None:
    world = any_world
    flow = _flow(world, activation_conditions=None)
    for i in range(3):
        _start(world, f"l{i}", f"text {i}")
    with world.deps.sessions.begin() as session:
        human_review.stop_loop(world.deps, session, world.requester_id, "l2")
    with world.deps.sessions.begin() as session:
        human_review.delete_loop(world.deps, session, world.requester_id, "l2")
    _start(world, "l3", "text 3")
    assert [o.line_no for o in world.objects(flow.job_id)] == [0, 1, 2, 3]


def test_stopping_the_flows_job_fails_the_flow_and_its_unanswered_loops(any_world: World) -> None:
    world = any_world
    flow = _flow(world, activation_conditions=None)
    _start(world, "waiting", "nobody will answer this")
    with world.deps.sessions.begin() as session:
        job = session.get(Job, flow.job_id)
        assert job is not None
        jobs.stop_job(world.deps, session, job, "test")
    settle(world, flow.job_id)

    assert world.job(flow.job_id).status == "Stopped"
    assert _loop(world, "waiting").status == "Failed"
    with world.deps.sessions() as session:
        stored = human_review.get_flow(session, world.requester_id, "reviews")
        assert human_review.flow_view(world.deps, session, stored)["status"] == "Failed"
    with world.deps.sessions.begin() as session, pytest.raises(Conflict):
        human_review.start_loop(world.deps, session, world.requester_id,
                                human_review.LoopSpec("reviews", "too-late", {"source": "x"}))
