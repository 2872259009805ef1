"""Jobs with automated labeling end to end, on SQLite and PostgreSQL, with the real trainer on the CPU: a random
first batch to people, rounds that train, machine-label what the bound allows, audit a sample and send the least
certain objects to people, until the job completes and its output manifest says which labels are the machine's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from services.trainer import checkpoint
from services.trainer.active import run_round
from shared.messaging import TaskNames
from shared.persistence.tables import AuditEvent, LedgerEntry, TrainingRound
from shared.services import labeling, lifecycle, queries
from tests.helpers import drain
from tests.unit.services.world import World

pytestmark = pytest.mark.integration

# A loose target keeps the data small: 8 validation items, all right, bound the accuracy above 0.8 at 0.8.
EASY_GUARANTEE = {"target_accuracy": 0.8, "confidence": 0.8, "audit_rate": 0.1, "validation_share": 0.5,
                  "batch_size": 20, "per_class_min_items": 1000, "epochs": 30, "seed": 7}


def _bar_image(path: Path, horizontal: bool, rng: np.random.Generator) -> str:
    """12x12 noise with a bright bar across (class 0) or down (class 1) at a random place."""
    pixels = rng.integers(0, 60, size=(12, 12), dtype=np.uint8)
    at = int(rng.integers(2, 10))
    if horizontal:
        pixels[at - 1:at + 1, :] = 230
    else:
        pixels[:, at - 1:at + 1] = 230
    Image.fromarray(pixels, mode="L").save(path)
    return path.resolve().as_uri()


def _drive(world: World, job_id: int, truth: dict[int, int], answer: Any, limit: int = 40) -> None:
    """Sweep, run queued work (the trainer's rounds included) and let labelers answer the truth, until done."""
    extra = {TaskNames.TRAIN_ROUND: lambda kw: run_round(world.deps, device="cpu", **kw)}
    for _ in range(limit):
        lifecycle.sweep(world.deps)
        drain(world.deps, extra=extra)
        for labeler in world.labelers:
            while (task := labeling.claim_next(world.deps, labeler, job_id)) is not None:
                line = int(task["input"]["datasetObjectId"])
                labeling.submit(world.deps, labeler, task["assignment_id"], answer(truth[line]))
        world.clock.advance(3)
        job = world.job(job_id)
        if job.ended_at is not None and job.export_state == "done":
            return
    raise AssertionError(f"job did not finish: {world.states(job_id)}")


def _output(world: World, job_id: int) -> list[dict[str, Any]]:
    job = world.job(job_id)
    data = world.deps.blobs.read_bytes(f"{job.output_uri}/{job.name}/manifests/output/output.manifest")
    return [json.loads(line) for line in data.decode().splitlines()]


def _check_outcome(world: World, job_id: int, truth: dict[int, int], attribute: str) -> dict[str, Any]:
    lines = _output(world, job_id)
    assert len(lines) == len(truth)
    machine = [(n, line) for n, line in enumerate(lines) if line[f"{attribute}-metadata"]["human-annotated"] == "no"]
    assert machine, "the trainer machine-labeled nothing"
    for _, line in machine:
        meta = line[f"{attribute}-metadata"]
        assert 0.0 <= meta["confidence"] <= 1.0 and meta["class-name"] in ("across", "down", "negative", "positive")
    # The guarantee asked for: machine labels at least 0.8 accurate (easy data; in practice nearly all right).
    assert np.mean([line[attribute] == truth[n] for n, line in machine]) >= EASY_GUARANTEE["target_accuracy"]
    with world.deps.sessions() as session:
        job = world.job(job_id)
        view = queries.job_view(session, job, world.clock.now())
        rounds = list(session.scalars(select(TrainingRound).where(TrainingRound.job_id == job_id)))
        compute = list(session.scalars(select(LedgerEntry).where(LedgerEntry.job_id == job_id,
                                                                 LedgerEntry.kind == "trainer_compute")))
    assert view["status"] == "Completed"
    assert view["label_counters"]["MachineLabeled"] == len(machine)
    assert view["label_counters"]["TotalLabeled"] == len(truth)
    report = view["automated_labeling"]
    assert report["machine_labeled"] == len(machine)
    assert report["human_answers_avoided"] == len(machine) * job.workers_per_object
    assert all(r.state == "done" for r in rounds) and len(rounds) >= 2
    assert rounds[0].machine_labeled == 0 and rounds[0].sent_to_humans == 20
    assert len(compute) == sum(1 for r in rounds if (r.compute_seconds or 0) > 0)
    assert report["audit"]["items"] >= 1 and report["audit"]["pending"] == 0
    assert 0 <= report["audit"]["agreed"] <= report["audit"]["items"]
    assert job.final_model_uri and world.deps.blobs.exists(job.final_model_uri)
    return report


def test_image_job_with_automated_labeling(any_world: World) -> None:
    world = any_world
    rng = np.random.default_rng(0)
    truth = {n: n % 2 for n in range(80)}
    lines = [json.dumps({"source-ref": _bar_image(world.tmp / f"bar{n}.png", truth[n] == 0, rng)}) for n in truth]
    job_id = world.create(lines, task_type="image-classification", label_attribute_name="bar",
                          labels=["across", "down"], workers_per_object=1, auto_labeling=EASY_GUARANTEE)
    assert world.states(job_id) == {"pool": 80}
    _drive(world, job_id, truth, lambda cls: {"crowd-image-classifier": {"label": ["across", "down"][cls]}})
    report = _check_outcome(world, job_id, truth, "bar")
    spec, labels, _ = checkpoint.load(world.deps.blobs.read_bytes(world.job(job_id).final_model_uri or ""))
    assert (spec.arch, spec.input_size, labels) == ("small-cnn", 16, ["across", "down"])
    assert report["rounds"][1]["threshold"]["overall"]["threshold"] is not None


WORDS = {0: ["dull", "boring", "awful", "tedious", "weak", "messy"],
         1: ["superb", "moving", "brilliant", "charming", "sharp", "witty"]}


def test_text_job_with_automated_labeling_on_the_ngram_model(any_world: World) -> None:
    world = any_world
    world.deps.settings = world.deps.settings.with_overrides(trainer_text_model="ngram")
    rng = np.random.default_rng(1)
    truth = {n: int(rng.integers(0, 2)) for n in range(80)}
    lines = [json.dumps({"source": f"a {' and '.join(rng.choice(WORDS[truth[n]], 2))} film, take {n}"})
             for n in truth]
    job_id = world.create(lines, task_type="text-classification", label_attribute_name="sentiment",
                          labels=["negative", "positive"], workers_per_object=1, auto_labeling=EASY_GUARANTEE)
    _drive(world, job_id, truth, lambda cls: {"label": ["negative", "positive"][cls]})
    _check_outcome(world, job_id, truth, "sentiment")


def _round_notes(world: World, job_id: int) -> list[str]:
    with world.deps.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.job_id == job_id,
                                                          AuditEvent.kind == "training_round",
                                                          AuditEvent.to_state == "done").order_by(AuditEvent.id))
        return [json.loads(e.detail)["model"] for e in events]


def test_a_finished_jobs_model_seeds_the_next_job_and_a_stopping_condition_stops_it(any_world: World) -> None:
    world = any_world
    rng = np.random.default_rng(2)
    truth = {n: n % 2 for n in range(80)}
    lines = [json.dumps({"source-ref": _bar_image(world.tmp / f"b{n}.png", truth[n] == 0, rng)}) for n in truth]
    first = world.create(lines, task_type="image-classification", label_attribute_name="bar",
                         labels=["across", "down"], workers_per_object=1, auto_labeling=EASY_GUARANTEE)
    answer = lambda cls: {"label": ["across", "down"][cls]}  # noqa: E731
    _drive(world, first, truth, answer)
    model = world.job(first).final_model_uri
    assert _round_notes(world, first)[1] == "small-cnn x3 from scratch"
    # The second job starts from the first one's model and may buy at most 20 human labels: round 0 buys them;
    # round 1 cannot certify 0.99 from 10 validation objects (that takes 160 at 0.8), may buy no more, and stops
    # the job; the rest is Unlabeled.
    second = world.create(lines, task_type="image-classification", label_attribute_name="bar",
                          labels=["across", "down"], workers_per_object=1,
                          auto_labeling={**EASY_GUARANTEE, "initial_model_uri": model, "target_accuracy": 0.99,
                                         "max_human_labeled": 20})
    _drive(world, second, truth, answer)
    assert _round_notes(world, second)[1] == "small-cnn x3 from the seed model"
    job = world.job(second)
    assert job.status == "Stopped" and "MaxHumanLabeledObjectCount" in (job.failure_reason or "")
    states = world.states(second)
    assert states == {"labeled": 20, "unlabeled": 60}


def test_the_cli_runs_a_jobs_due_round_by_hand(any_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from services.trainer.__main__ import main

    world = any_world
    job_id = world.create([json.dumps({"source": f"review {n}"}) for n in range(12)],
                          auto_labeling={**EASY_GUARANTEE, "batch_size": 5})
    monkeypatch.setenv("GW_DATA_DIR", str(world.deps.settings.data_dir))
    monkeypatch.setenv("GW_DATABASE_URL", world.deps.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GW_FILE_ROOTS", str(world.tmp))
    result = CliRunner().invoke(main, ["round", "--job", str(job_id), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    ran = json.loads(result.output)
    assert (ran["ran"], ran["round_no"], ran["sent_to_humans"], ran["machine_labeled"]) == (True, 0, 5, 0)
    assert world.states(job_id) == {"pool": 7, "queued": 5}
    again = CliRunner().invoke(main, ["round", "--job", world.job(job_id).name, "--round", "0"])
    assert again.exit_code == 1 and json.loads(again.output)["ran"] is False  # done already: nothing to do
