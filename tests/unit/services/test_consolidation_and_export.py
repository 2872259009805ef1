"""Consolidation and export are safe to repeat: the fee is charged once, and a re-run export writes the same bytes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select, update

from shared.domain.output import JobLayout
from shared.persistence.tables import ConsolidatedLabel, Job, LedgerEntry
from shared.services import consolidation, export, labeling
from tests.unit.services.world import World, settle


def _answer_all(world: World, job_id: int, label_for: dict[int, list[str]] | None = None) -> None:
    """Labelers take turns answering whatever they can get until nobody gets anything; 7 s pass per answer.

    `label_for[labeler_index][line]` picks the label (default: "positive").
    """
    progressed = True
    while progressed:
        progressed = False
        for who, lab in enumerate(world.labelers):
            if label_for is not None and who not in label_for:
                continue
            task = labeling.claim_next(world.deps, lab, job_id)
            if task is None:
                continue
            line = int(task["input"]["datasetObjectId"])
            label = label_for[who][line] if label_for else "positive"
            labeling.submit(world.deps, lab, task["assignment_id"], {"label": label})
            world.clock.advance(7)
            progressed = True


def _fees(world: World, job_id: int) -> tuple[int, int]:
    with world.deps.sessions() as session:
        row = session.execute(select(func.count(), func.coalesce(func.sum(LedgerEntry.amount_micros), 0))
                              .where(LedgerEntry.job_id == job_id, LedgerEntry.kind == "service_fee")).one()
    return int(row[0]), int(row[1])


def test_consolidation_run_twice_charges_the_service_fee_once(world: World) -> None:
    job_id = world.create(workers_per_object=1)
    _answer_all(world, job_id)

    assert consolidation.consolidate_ready(world.deps) == 4
    assert consolidation.consolidate_ready(world.deps) == 0
    assert consolidation.consolidate_ready(world.deps, job_id) == 0
    with world.deps.sessions.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert consolidation.consolidate_job_batch(world.deps, session, job) == 0

    assert _fees(world, job_id) == (4, 4 * 80_000)
    with world.deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ConsolidatedLabel)) == 4


@pytest.mark.parametrize(("labels", "tie_winner"), [(["negative", "positive"], "negative"),
                                                     (["positive", "negative"], "positive")])
def test_a_tied_vote_goes_to_the_label_listed_first(world: World, labels: list[str], tie_winner: str) -> None:
    job_id = world.create(['{"source": "a"}', '{"source": "b"}'], workers_per_object=2, labels=labels,
                          consolidator="majority-vote")
    votes = [["positive", "positive"], ["negative", "positive"]]
    _answer_all(world, job_id, dict(enumerate(votes)))
    settle(world, job_id)

    with world.deps.sessions() as session:
        rows = session.execute(select(ConsolidatedLabel.class_name, ConsolidatedLabel.class_index,
                                      ConsolidatedLabel.confidence).order_by(ConsolidatedLabel.object_id)).all()
    assert [tuple(r) for r in rows] == [(tie_winner, labels.index(tie_winner), 0.5),
                                        ("positive", labels.index("positive"), 1.0)]


def _files_under(uri: str) -> dict[str, bytes]:
    root = Path(urlparse(uri).path)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _finished_job(world: World) -> tuple[int, str]:
    lines = [json.dumps({"source": f"t{i}", "note": "ünïcode"}) for i in range(5)] + ["{oops"]
    job_id = world.create(lines, workers_per_object=2, max_concurrent_task_count=2)
    _answer_all(world, job_id)
    job = settle(world, job_id)
    assert job.status == "Completed" and job.export_state == "done"
    return job_id, JobLayout.for_job(job.output_uri, job.name).root


def test_an_export_run_twice_writes_the_same_bytes(world: World) -> None:
    job_id, root = _finished_job(world)
    first = _files_under(root)
    assert sorted(first)[:2] == ["annotations/worker-response/iteration-1/0/2026-03-01_12:00:00.json",
                                 "annotations/worker-response/iteration-1/1/2026-03-01_12:00:14.json"]
    assert len([name for name in first if name.startswith("annotations/")]) == 5

    assert export.export_job(world.deps, job_id) is None  # done already: nothing to claim
    world.clock.advance(3600)
    with world.deps.sessions.begin() as session:  # a re-driven export, as after a lost acknowledgement
        session.execute(update(Job).where(Job.id == job_id).values(export_state="pending"))
    assert export.export_job(world.deps, job_id) is not None

    assert _files_under(root) == first


def test_a_stale_running_export_is_claimed_again_but_a_fresh_one_is_not(world: World) -> None:
    job_id, root = _finished_job(world)
    before = _files_under(root)
    with world.deps.sessions.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(export_state="pending"))
    assert export.claim_export(world.deps, job_id) is True  # a worker claimed it, then died

    assert export.export_job(world.deps, job_id) is None
    world.clock.advance(world.deps.settings.redrive_seconds + 1)
    assert export.export_job(world.deps, job_id) is not None
    assert world.job(job_id).export_state == "done"
    assert _files_under(root) == before


def test_the_output_manifest_keeps_lines_in_order_with_failures_beside_it(world: World) -> None:
    job_id, root = _finished_job(world)
    files = _files_under(root)

    rows = [json.loads(line) for line in files["manifests/output/output.manifest"].decode().splitlines()]
    failures = [json.loads(line) for line in files["manifests/output/failures.jsonl"].decode().splitlines()]

    assert [r["source"] for r in rows] == [f"t{i}" for i in range(5)]
    assert all(r["note"] == "ünïcode" and r["sentiment"] == 1 for r in rows)
    assert "ünïcode" in files["manifests/output/output.manifest"].decode()  # kept raw, as Ground Truth writes it
    assert failures == [{"datasetObjectId": "5", "line": 6, "reason": failures[0]["reason"]}]
    assert failures[0]["reason"].startswith("line 6: not valid JSON")
    worker = json.loads(files["annotations/worker-response/iteration-1/0/2026-03-01_12:00:00.json"])
    assert [a["answerContent"] for a in worker["answers"]] == [{"crowd-classifier": {"label": "positive"}}] * 2


@pytest.fixture
def new_york_time() -> Iterator[None]:
    """Run the test with the process's local zone five hours behind UTC (naive UTC must not be read as local)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_output_timestamps_are_utc_whatever_the_local_time_zone(world: World, new_york_time: None) -> None:
    _, root = _finished_job(world)
    files = _files_under(root)

    rows = [json.loads(line) for line in files["manifests/output/output.manifest"].decode().splitlines()]
    worker = json.loads(files["annotations/worker-response/iteration-1/0/2026-03-01_12:00:00.json"])

    created = rows[0]["sentiment-metadata"]["creation-date"]
    assert created.startswith("2026-03-01T12:01:")  # the clock's naive UTC time, not shifted by five hours
    assert [(a["acceptanceTime"], a["submissionTime"]) for a in worker["answers"]] == [
        ("2026-03-01T12:00:00.000Z", "2026-03-01T12:00:00.000Z"),
        ("2026-03-01T12:00:07.000Z", "2026-03-01T12:00:07.000Z"),
    ]
