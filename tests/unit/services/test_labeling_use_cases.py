"""Labeler use cases on SQLite with a hand-moved clock: claim, submit (idempotent, paid once), extend, decline."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.persistence.tables import AnswerRow, Assignment, DataObject, LedgerEntry
from shared.services import labeling, lifecycle
from tests.unit.services.world import World


def _assignment(world: World, assignment_id: int) -> Assignment:
    with world.deps.sessions() as session:
        row = session.get(Assignment, assignment_id)
        assert row is not None
        return row


def _object(world: World, object_id: int) -> DataObject:
    with world.deps.sessions() as session:
        row = session.get(DataObject, object_id)
        assert row is not None
        return row


def _object_of(world: World, assignment_id: int) -> int:
    return _assignment(world, assignment_id).object_id


def test_a_second_submit_of_the_same_assignment_is_a_duplicate_that_stores_and_pays_nothing(world: World) -> None:
    job_id = world.create(workers_per_object=1)
    lab = world.labelers[0]
    task = labeling.claim_next(world.deps, lab, job_id)
    assert task is not None
    aid = task["assignment_id"]

    first = labeling.submit(world.deps, lab, aid, {"label": "positive"})
    again = labeling.submit(world.deps, lab, aid, {"label": "negative"})

    assert first["duplicate"] is False and first["answer"] == {"label": "positive"}
    assert again["duplicate"] is True and again["answer"] == {"label": "positive"}
    with world.deps.sessions() as session:
        answers = session.scalar(select(func.count()).select_from(AnswerRow).where(AnswerRow.assignment_id == aid))
        pay = session.execute(select(LedgerEntry.amount_micros).where(LedgerEntry.assignment_id == aid)).all()
    assert answers == 1
    assert pay == [(12_000,)]
    assert _object(world, _object_of(world, aid)).answers_count == 1


def test_an_answer_outside_the_label_categories_is_refused_and_leaves_the_lease_open(world: World) -> None:
    job_id = world.create()
    lab = world.labelers[0]
    task = labeling.claim_next(world.deps, lab, job_id)
    assert task is not None

    with pytest.raises(ValidationFailed) as refused:
        labeling.submit(world.deps, lab, task["assignment_id"], {"label": "maybe"})

    assert refused.value.field == "answer.label"
    assert _assignment(world, task["assignment_id"]).state == "leased"
    assert labeling.submit(world.deps, lab, task["assignment_id"], {"label": "negative"})["duplicate"] is False


def test_a_submit_after_the_lease_expired_is_refused_and_the_slot_returns_after_the_sweep(world: World) -> None:
    job_id = world.create(["{\"source\": \"only one\"}"], workers_per_object=1, task_time_limit_seconds=60)
    first, second = world.labelers[:2]
    task = labeling.claim_next(world.deps, first, job_id)
    assert task is not None
    world.clock.advance(61)

    with pytest.raises(Conflict) as late:
        labeling.submit(world.deps, first, task["assignment_id"], {"label": "positive"})
    assert late.value.status == 409 and "expired" in late.value.message
    assert labeling.claim_next(world.deps, second, job_id) is None  # still held until the sweep expires it

    assert lifecycle.expire_leases(world.deps) == 1

    assert _assignment(world, task["assignment_id"]).state == "expired"
    with pytest.raises(Conflict):
        labeling.submit(world.deps, first, task["assignment_id"], {"label": "positive"})
    retry = labeling.claim_next(world.deps, second, job_id)
    assert retry is not None and retry["input"]["source"] == "only one"
    assert labeling.submit(world.deps, second, retry["assignment_id"], {"label": "positive"})["duplicate"] is False
    with world.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1  # the late answer was never paid


def test_a_labeler_never_gets_an_object_it_has_answered_or_declined(world: World) -> None:
    job_id = world.create(["{\"source\": \"a\"}", "{\"source\": \"b\"}"], workers_per_object=3)
    lab0, lab1, lab2 = world.labelers

    seen0 = []
    while (task := labeling.claim_next(world.deps, lab0, job_id)) is not None:
        seen0.append(task["input"]["datasetObjectId"])
        labeling.submit(world.deps, lab0, task["assignment_id"], {"label": "positive"})
    assert seen0 == ["0", "1"]

    declined = labeling.claim_next(world.deps, lab1, job_id)
    assert declined is not None and declined["input"]["datasetObjectId"] == "0"
    labeling.decline(world.deps, lab1, declined["assignment_id"])
    other = labeling.claim_next(world.deps, lab1, job_id)
    assert other is not None and other["input"]["datasetObjectId"] == "1"
    labeling.submit(world.deps, lab1, other["assignment_id"], {"label": "positive"})
    assert labeling.claim_next(world.deps, lab1, job_id) is None

    third = labeling.claim_next(world.deps, lab2, job_id)
    assert third is not None and third["input"]["datasetObjectId"] == "0"  # the declined slot went to someone else


def test_a_labeler_may_get_an_object_back_after_its_own_lease_expired(world: World) -> None:
    job_id = world.create(["{\"source\": \"a\"}"], workers_per_object=1, task_time_limit_seconds=60)
    lab = world.labelers[0]
    task = labeling.claim_next(world.deps, lab, job_id)
    assert task is not None
    assert labeling.claim_next(world.deps, lab, job_id) is None

    world.clock.advance(120)
    lifecycle.expire_leases(world.deps)
    back = labeling.claim_next(world.deps, lab, job_id)

    assert back is not None and back["assignment_id"] != task["assignment_id"]
    assert _object_of(world, back["assignment_id"]) == _object_of(world, task["assignment_id"])
    assert labeling.submit(world.deps, lab, back["assignment_id"], {"label": "negative"})["duplicate"] is False


def test_decline_reopens_the_slot_for_another_labeler(world: World) -> None:
    job_id = world.create(["{\"source\": \"a\"}"], workers_per_object=1)
    lab0, lab1 = world.labelers[:2]
    task = labeling.claim_next(world.deps, lab0, job_id)
    assert task is not None
    assert labeling.claim_next(world.deps, lab1, job_id) is None

    assert labeling.decline(world.deps, lab0, task["assignment_id"])["state"] == "declined"

    assert _object(world, _object_of(world, task["assignment_id"])).remaining == 1
    taken = labeling.claim_next(world.deps, lab1, job_id)
    assert taken is not None and taken["input"]["source"] == "a"
    with pytest.raises(Conflict):
        labeling.decline(world.deps, lab0, task["assignment_id"])
    with pytest.raises(Conflict):
        labeling.submit(world.deps, lab0, task["assignment_id"], {"label": "negative"})


def test_extend_moves_the_lease_end_so_a_late_but_extended_submit_counts(world: World) -> None:
    job_id = world.create(workers_per_object=1, task_time_limit_seconds=300)
    lab = world.labelers[0]
    start = world.clock.now()
    task = labeling.claim_next(world.deps, lab, job_id)
    assert task is not None
    assert task["lease_expires_at"] == "2026-03-01T12:05:00Z"

    world.clock.advance(200)
    extended = labeling.extend(world.deps, lab, task["assignment_id"])

    assert extended["lease_expires_at"] == "2026-03-01T12:08:20Z"
    assert (_assignment(world, task["assignment_id"]).expires_at - start).total_seconds() == 500
    world.clock.advance(200)  # past the first end, before the new one
    assert lifecycle.expire_leases(world.deps) == 0
    assert labeling.submit(world.deps, lab, task["assignment_id"], {"label": "positive"})["duplicate"] is False


def test_an_expired_lease_cannot_be_extended(world: World) -> None:
    job_id = world.create(task_time_limit_seconds=60)
    lab = world.labelers[0]
    task = labeling.claim_next(world.deps, lab, job_id)
    assert task is not None
    world.clock.advance(61)

    with pytest.raises(Conflict):
        labeling.extend(world.deps, lab, task["assignment_id"])


@pytest.mark.parametrize("action", ["submit", "extend", "decline"])
def test_a_labeler_cannot_touch_another_labelers_assignment(world: World, action: str) -> None:
    job_id = world.create()
    owner, intruder = world.labelers[:2]
    task = labeling.claim_next(world.deps, owner, job_id)
    assert task is not None

    with pytest.raises(NotFound):
        if action == "submit":
            labeling.submit(world.deps, intruder, task["assignment_id"], {"label": "positive"})
        elif action == "extend":
            labeling.extend(world.deps, intruder, task["assignment_id"])
        else:
            labeling.decline(world.deps, intruder, task["assignment_id"])
    assert _assignment(world, task["assignment_id"]).state == "leased"
