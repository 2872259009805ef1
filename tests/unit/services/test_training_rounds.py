"""Training rounds as the database sees them, without torch: when the sweep asks for a round, what a lost,
repeated, stuck or failing round does, and what finishing one writes (once)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from shared.domain.automated_labeling.round import RoundDecision
from shared.messaging import TaskNames
from shared.persistence.tables import ConsolidatedLabel, DataObject, LedgerEntry, TrainingRound
from shared.services import automated_labeling as al
from shared.services import labeling, lifecycle
from tests.helpers import drain, text_lines
from tests.unit.services.world import World

SETTINGS = {"batch_size": 2, "validation_share": 0.5, "audit_rate": 0.0}


def _job(world: World, lines: int = 6, **settings: Any) -> int:
    return world.create(text_lines(lines), auto_labeling={**SETTINGS, **settings})


def _rounds_sent(world: World) -> list[dict[str, int]]:
    """Take the round requests off the queue; leave the rest (consolidation) for `drain`."""
    queue = world.deps.queue.sent  # type: ignore[attr-defined]
    sent = [kw for name, kw in queue if name == TaskNames.TRAIN_ROUND]
    queue[:] = [(name, kw) for name, kw in queue if name != TaskNames.TRAIN_ROUND]
    return sent


def _sweep(world: World) -> list[dict[str, int]]:
    lifecycle.sweep(world.deps)
    return _rounds_sent(world)


def _round(world: World, job_id: int, round_no: int) -> TrainingRound:
    with world.deps.sessions() as session:
        row = session.get(TrainingRound, (job_id, round_no))
        assert row is not None
        session.expunge(row)
        return row


def test_round_zero_is_asked_for_once_ingest_is_done_and_a_lost_message_is_sent_again(world: World) -> None:
    job_id = _job(world)
    assert world.states(job_id) == {"pool": 6}
    assert _sweep(world) == [{"job_id": job_id, "round_no": 0}]
    assert _sweep(world) == []  # pending, and recently asked
    world.clock.advance(world.deps.settings.redrive_seconds + 1)
    assert _sweep(world) == [{"job_id": job_id, "round_no": 0}]  # the message may be lost: ask again


def test_finishing_a_round_writes_once_and_a_second_claim_finds_nothing(world: World) -> None:
    job_id = _job(world)
    _sweep(world)
    rin = al.claim_round(world.deps, job_id, 0)
    assert rin is not None and len(rin.pool) == 6 and rin.labeled == []
    assert al.claim_round(world.deps, job_id, 0) is None  # a repeated message: the round is taken
    first, second, third = (item.object_id for item in rin.pool[:3])
    decision = RoundDecision(machine=[(third, 1, 0.97)], to_humans=[(first, "train"), (second, "validation")])
    stats = al.RoundStats(compute_seconds=7.2, device="cpu", note="test")
    before = REGISTRY.get_sample_value("groundwork_objects_machine_labeled_total", {"job": rin.job_name}) or 0.0
    assert al.finish_round(world.deps, rin, decision, stats) is True
    assert al.finish_round(world.deps, rin, decision, stats) is False  # done already: nothing written twice
    assert world.states(job_id) == {"pool": 3, "queued": 2, "labeled": 1}
    after = REGISTRY.get_sample_value("groundwork_objects_machine_labeled_total", {"job": rin.job_name})
    assert after == before + 1  # once: the refused second finish counts nothing
    assert (REGISTRY.get_sample_value("groundwork_trainer_seconds_total", {"job": rin.job_name, "device": "cpu"})
            or 0) >= 7.2
    with world.deps.sessions() as session:
        label = session.get(ConsolidatedLabel, third)
        assert label is not None and (label.human, label.class_name, label.confidence) == (False, "positive", 0.97)
        assert json.loads(label.meta_json or "{}") == {"class-name": "positive", "confidence": 0.97}
        splits = dict(session.execute(select(DataObject.id, DataObject.al_split)
                                      .where(DataObject.id.in_([first, second]))).all())
        compute = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "trainer_compute")).all()
    assert splits == {first: "train", second: "validation"}
    # 7.2 s at $0.90 an hour = $0.0018 = 1,800 micro-dollars, once
    assert [(c.key, c.amount_micros) for c in compute] == [(f"compute:{job_id}:0", 1800)]
    assert _round(world, job_id, 0).state == "done"


def test_the_next_round_waits_for_the_human_batch(world: World) -> None:
    job_id = _job(world)
    _sweep(world)
    rin = al.claim_round(world.deps, job_id, 0)
    assert rin is not None
    ids = [item.object_id for item in rin.pool]
    al.finish_round(world.deps, rin, RoundDecision(to_humans=[(ids[0], "train"), (ids[1], "validation")]),
                    al.RoundStats(0.0, "cpu"))
    assert _sweep(world) == []  # two objects with people
    for labeler in world.labelers[:1]:
        while (task := labeling.claim_next(world.deps, labeler, job_id)) is not None:
            labeling.submit(world.deps, labeler, task["assignment_id"], {"label": "positive"})
    assert _sweep(world) == []  # answered, not yet consolidated
    drain(world.deps)  # the consolidation the sweep asked for
    assert _sweep(world) == [{"job_id": job_id, "round_no": 1}]
    nxt = al.claim_round(world.deps, job_id, 1)
    assert nxt is not None and {(i.object_id, i.split, i.class_index) for i in nxt.labeled} == {
        (ids[0], "train", 1), (ids[1], "validation", 1)}
    assert nxt.progress.human_labeled == 2 and nxt.progress.dataset_size == 6 and len(nxt.pool) == 4


def test_a_failing_round_is_retried_and_then_fails_the_job_with_its_reason(world: World) -> None:
    job_id = _job(world)
    _sweep(world)
    for attempt in range(al.MAX_ATTEMPTS):
        rin = al.claim_round(world.deps, job_id, 0)
        assert rin is not None, attempt
        al.fail_round(world.deps, rin, "RuntimeError: CUDA out of memory")
        sent = _sweep(world)
        if attempt < al.MAX_ATTEMPTS - 1:
            assert sent == [{"job_id": job_id, "round_no": 0}]
    job = world.job(job_id)
    assert job.status == "Failed"
    assert job.failure_reason == "automated labeling round 0 failed: RuntimeError: CUDA out of memory"


def test_a_round_whose_trainer_died_is_sent_again_after_the_round_redrive_time(world: World) -> None:
    job_id = _job(world)
    _sweep(world)
    assert al.claim_round(world.deps, job_id, 0) is not None  # and the trainer dies
    world.clock.advance(world.deps.settings.redrive_seconds + 1)
    assert _sweep(world) == []  # running: not yet stale
    world.clock.advance(world.deps.settings.round_redrive_seconds)
    assert _sweep(world) == [{"job_id": job_id, "round_no": 0}]
    assert al.claim_round(world.deps, job_id, 0) is not None
    assert _round(world, job_id, 0).attempts == 2


@pytest.mark.parametrize(("seconds", "rate", "micros"), [(0.0, "0.90", 0), (3600, "0.90", 900_000),
                                                          (0.0001, "0.90", 1), (90, "2.40", 60_000)])
def test_compute_cost(seconds: float, rate: str, micros: int) -> None:
    assert al.compute_micros(seconds, rate) == micros


def test_people_disagreeing_with_audited_machine_labels_pause_machine_labeling(world: World) -> None:
    """Two audited machine labels, both contradicted by people: 0 of 2 agree, whose interval's upper end (0.84)
    is under the 0.95 target, so the next round is told the audit is below target."""
    job_id = _job(world)
    _sweep(world)
    rin = al.claim_round(world.deps, job_id, 0)
    assert rin is not None
    first, second = (item.object_id for item in rin.pool[:2])
    al.finish_round(world.deps, rin, RoundDecision(audits=[(first, 1, 0.99), (second, 1, 0.98)]),
                    al.RoundStats(0.0, "cpu"))
    lifecycle.sweep(world.deps)  # opens the audited objects
    for labeler in world.labelers[:1]:
        while (task := labeling.claim_next(world.deps, labeler, job_id)) is not None:
            labeling.submit(world.deps, labeler, task["assignment_id"], {"label": "negative"})
    _sweep(world)
    drain(world.deps)
    with world.deps.sessions() as session:
        report = al.audit_of(session, world.job(job_id), al.settings_of(world.job(job_id)))  # type: ignore[arg-type]
    assert (report["items"], report["agreed"], report["verdict"]) == (2, 0, "below target")
    assert report["upper"] == pytest.approx(1 - 0.025 ** 0.5)
    assert _sweep(world) == [{"job_id": job_id, "round_no": 1}]
    nxt = al.claim_round(world.deps, job_id, 1)
    assert nxt is not None and nxt.audit_below_target is True
