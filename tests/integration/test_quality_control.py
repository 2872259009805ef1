"""Quality control on SQLite and PostgreSQL: gold items score labelers and remove the bad ones; dynamic overlap stops
buying answers once a label is sure."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from shared.domain.errors import ValidationFailed
from shared.persistence.tables import AuditEvent, GoldScore
from shared.services import gold, jobs, labeling, lifecycle, queries, skills_store
from tests.unit.services.world import World, settle

pytestmark = pytest.mark.integration

GOLD = [{"source": f"gold review {i}", "answer": {"label": "positive"}} for i in range(4)]


def _lines(n: int) -> list[str]:
    return [json.dumps({"source": f"review {i}"}) for i in range(n)]


def _work(world: World, job_id: int, labeler: int, label_of: dict[str, str] | None = None,
          default: str = "positive", limit: int = 100) -> list[dict]:
    """One labeler claims and answers until nothing is left for them (or `limit` tasks)."""
    done = []
    for _ in range(limit):
        task = labeling.claim_next(world.deps, labeler, job_id)
        if task is None:
            break
        text = task["input"]["source"]
        label = (label_of or {}).get(text, default)
        labeling.submit(world.deps, labeler, task["assignment_id"], {"label": label})
        world.clock.advance(3)
        done.append(task)
    return done


def test_gold_is_mixed_in_scored_and_never_in_the_output(any_world: World) -> None:
    world = any_world
    job_id = world.create(_lines(3), workers_per_object=1, gold_items=GOLD, gold_rate=1.0)
    tasks = _work(world, job_id, world.labelers[0])
    texts = [t["input"]["source"] for t in tasks]
    # Rate 1.0: every gold item first (each once), then the dataset.
    assert sorted(texts[:4]) == sorted(g["source"] for g in GOLD)
    assert sorted(texts[4:]) == ["review 0", "review 1", "review 2"]
    job = world.job(job_id)
    with world.deps.sessions() as session:
        scores = list(session.scalars(select(GoldScore.score).where(GoldScore.job_id == job_id)))
        report = gold.labeler_report(session, job)
    assert scores == [1.0] * 4
    assert report[0]["gold_answers"] == 4 and report[0]["gold_accuracy"] == 1.0 and not report[0]["removed"]
    job = settle(world, job_id)
    assert job.status == "Completed"
    with world.deps.sessions() as session:
        view = queries.job_view(session, job, world.clock.now())
    assert view["label_counters"]["TotalLabeled"] == 3 and view["label_counters"]["Unlabeled"] == 0
    manifest = world.deps.blobs.read_bytes(view["output_manifest_uri"]).decode().splitlines()
    assert [json.loads(line)["source"] for line in manifest] == ["review 0", "review 1", "review 2"]


def test_a_labeler_below_the_gold_bar_is_removed_with_the_reason(any_world: World) -> None:
    world = any_world
    job_id = world.create(_lines(6), workers_per_object=2, gold_items=GOLD, gold_rate=1.0,
                          gold_min_accuracy=0.75, gold_min_answers=3)
    careless, careful = world.labelers[0], world.labelers[1]
    wrong = {g["source"]: "negative" for g in GOLD}
    tasks = _work(world, job_id, careless, label_of=wrong)
    assert len(tasks) == 3  # judged after 3 gold answers (all wrong), then offered nothing more
    assert labeling.claim_next(world.deps, careless, job_id) is None
    assert len(_work(world, job_id, careful)) == 4 + 6
    job = world.job(job_id)
    with world.deps.sessions() as session:
        report = {r["labeler_id"]: r for r in gold.labeler_report(session, job)}
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.job_id == job_id,
                                                               AuditEvent.kind == "labeler_removed")))
    assert report[careless]["removed"] and "below the job's bar of 0.75" in report[careless]["removal_reason"]
    assert report[careless]["gold_accuracy"] == 0.0 and report[careless]["gold_answers"] == 3
    assert not report[careful]["removed"]
    assert len(events) == 1 and json.loads(events[0].detail)["labeler_id"] == careless


def test_a_score_lost_to_a_crash_is_written_by_the_sweep_once(any_world: World) -> None:
    world = any_world
    job_id = world.create(_lines(1), workers_per_object=1, gold_items=GOLD[:1], gold_rate=1.0)
    task = labeling.claim_next(world.deps, world.labelers[0], job_id)
    assert task is not None
    facts_rate = world.job(job_id).gold_rate
    # The submit commits; the scoring after it is "lost" (as if the process died in between).
    original = gold.after_submit
    gold.after_submit = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        labeling.submit(world.deps, world.labelers[0], task["assignment_id"], {"label": "negative"})
    finally:
        gold.after_submit = original  # type: ignore[assignment]
    assert facts_rate == 1.0
    assert lifecycle.sweep(world.deps)["gold_scored"] == 1
    assert lifecycle.sweep(world.deps)["gold_scored"] == 0
    with world.deps.sessions() as session:
        assert list(session.scalars(select(GoldScore.score))) == [0.0]


def test_gold_answers_are_checked_like_a_labelers(any_world: World) -> None:
    world = any_world
    with pytest.raises(ValidationFailed) as refused:
        world.create(_lines(1), gold_items=[{"source": "x", "answer": {"label": "maybe"}}])
    assert refused.value.field == "gold.items[0].answer.label"
    with pytest.raises(ValidationFailed) as refused:
        world.create(_lines(1), gold_items=[{"answer": {"label": "positive"}}])
    assert refused.value.field == "gold.items[0]"


def test_dynamic_overlap_stops_when_the_label_is_sure(any_world: World) -> None:
    world = any_world
    # Two labelers known to be careful: two agreeing answers reach 0.95, so the third is never bought.
    now = world.clock.now()
    with world.deps.sessions.begin() as session:
        skills_store.save(session, [skills_store.Skill(lab, "class", 0.95, 100.0) for lab in world.labelers], now)
    job_id = world.create(_lines(4), workers_per_object=3, min_workers=2, target_confidence=0.95)
    for labeler in world.labelers:
        _work(world, job_id, labeler)
    job = settle(world, job_id)
    assert job.status == "Completed"
    with world.deps.sessions() as session:
        view = queries.job_view(session, job, world.clock.now())
    overlap = view["dynamic_overlap"]
    assert overlap["answers_bought"] == 8 and overlap["answers_at_full_overlap"] == 12
    assert overlap["answers_saved"] == 4 and overlap["money_saved_usd"] == "0.048"


def test_dynamic_overlap_buys_more_when_answers_disagree(any_world: World) -> None:
    world = any_world
    job_id = world.create(_lines(2), workers_per_object=3, min_workers=2, target_confidence=0.9)
    _work(world, job_id, world.labelers[0], default="positive")
    _work(world, job_id, world.labelers[1], default="negative")
    third = _work(world, job_id, world.labelers[2])
    assert len(third) == 2  # a split vote is not sure: the third answer is bought for both
    settle(world, job_id)


def test_dynamic_overlap_needs_a_task_type_it_can_judge(any_world: World) -> None:
    world = any_world
    with pytest.raises(ValidationFailed) as refused:
        world.create(_lines(1), task_type="named-entity-recognition", labels=["ORG"], workers_per_object=3,
                     min_workers=2, target_confidence=0.9)
    assert refused.value.field == "dynamic_overlap"
    spec = world.spec(None, min_workers=4, target_confidence=0.9, workers_per_object=3)
    with world.deps.sessions.begin() as session, pytest.raises(ValidationFailed) as refused:
        jobs.create_job(world.deps, session, world.requester_id, spec, None)
    assert refused.value.field == "dynamic_overlap.min_workers"


def test_labeler_skills_are_learned_kept_and_carried_into_the_next_job(any_world: World) -> None:
    world = any_world
    truth = {f"review {i}": ("positive" if i % 2 == 0 else "negative") for i in range(12)}
    careless = world.labelers[2]

    def run_job() -> None:
        job_id = world.create(_lines(12), workers_per_object=3)
        for labeler in world.labelers:
            _work(world, job_id, labeler, label_of=None if labeler == careless else truth)
        assert settle(world, job_id).status == "Completed"

    run_job()
    with world.deps.sessions() as session:
        first = skills_store.load(session, world.labelers, "class")
    assert set(first) == set(world.labelers)
    assert first[careless].accuracy < min(first[lab].accuracy for lab in world.labelers[:2])
    assert first[careless].confusion is not None and len(first[careless].confusion) == 2
    run_job()
    with world.deps.sessions() as session:
        second = skills_store.load(session, world.labelers, "class")
    assert all(second[lab].evidence == first[lab].evidence + 12 for lab in world.labelers)
