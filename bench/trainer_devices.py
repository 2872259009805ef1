"""The same active-learning round on the CPU and on CUDA, timed side by side: the prepared script for a machine with
a GPU.

    .venv/bin/python bench/trainer_devices.py [--devices cpu,cuda] [--labeled 300]

In one process, on a throwaway SQLite database: the 1,797 digits as an automated-labeling job, round 0's random
batch labeled with the true answers (three labelers, consolidated), then round 1 (three compact CNNs, threshold,
machine labels) computed once per device from the same claimed round, without writing it. Prints per device: wall
seconds, validation accuracy, the threshold and how many pool objects it would machine-label; on CUDA the forward
passes run in float16 under autocast with a gradient scaler.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.active_learning import DIGITS, write_digits  # noqa: E402
from services.trainer.active import _trained_round, run_round  # noqa: E402
from services.trainer.loop import pick_device  # noqa: E402
from shared.bootstrap import Deps, build_deps  # noqa: E402
from shared.clock import SystemClock  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.messaging import RecordingTaskQueue, TaskNames  # noqa: E402
from shared.persistence.migrate import upgrade  # noqa: E402
from shared.services import accounts, automated_labeling, consolidation, ingest, jobs, labeling, lifecycle  # noqa: E402


def run_queued(deps: Deps) -> None:
    """What a worker would do with the queued messages (ingest, consolidation), until none is left."""
    queue = deps.queue
    assert isinstance(queue, RecordingTaskQueue)
    while queue.sent:
        name, kwargs = queue.sent.pop(0)
        if name == TaskNames.PLAN_INGEST:
            ingest.plan_ingest(deps, **kwargs)
        elif name == TaskNames.INGEST_CHUNK:
            ingest.ingest_chunk(deps, **kwargs)
        elif name == TaskNames.CONSOLIDATE:
            consolidation.consolidate_ready(deps, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", default="cpu,cuda")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gw-devices-") as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder / "gw", file_roots=(folder,))
        settings.data_dir.mkdir(parents=True)
        upgrade(settings.effective_database_url)
        deps = build_deps(settings, queue=RecordingTaskQueue())
        clock = SystemClock()
        with deps.sessions.begin() as session:
            key = accounts.create_api_key(session, clock, "devices")
            wf = accounts.create_workforce(session, clock, key.requester_id, "staff", "private", None)
            team = accounts.create_workteam(session, clock, key.requester_id, "team", wf.id, "")
            labelers = [accounts.create_labeler(session, clock, wf.id, f"l{i}", None, [team.id])[0].id
                        for i in range(3)]
        manifest, truth = write_digits(folder)
        spec = jobs.JobSpec(
            name="digits-devices", task_type="image-classification", label_attribute_name="digit",
            labels=[str(d) for d in range(10)], label_category_config_uri=None, manifest_uri=manifest.as_uri(),
            output_uri=None, workteam_id=team.id, workers_per_object=3, price_per_task_micros=12_000,
            task_time_limit_seconds=300, task_availability_lifetime_seconds=86_400, max_concurrent_task_count=1000,
            auto_labeling=DIGITS)
        with deps.sessions.begin() as session:
            job_id = jobs.create_job(deps, session, key.requester_id, spec, None).id
        jobs.announce_job(deps, job_id)
        run_queued(deps)
        lifecycle.sweep(deps)
        run_round(deps, job_id, 0, device="cpu")  # the random first batch: no model
        lifecycle.sweep(deps)
        for labeler in labelers:
            while (task := labeling.claim_next(deps, labeler, job_id)) is not None:
                answer = truth[int(task["input"]["datasetObjectId"])]
                labeling.submit(deps, labeler, task["assignment_id"], {"label": answer})
        lifecycle.sweep(deps)
        run_queued(deps)
        due = dict(automated_labeling.due_rounds(deps))
        assert due.get(job_id) == 1, f"round 1 is not due: {due}"
        rin = automated_labeling.claim_round(deps, job_id, 1)
        assert rin is not None
        print(f"round 1 of {len(truth)} digits: {len(rin.labeled)} human-labeled objects, {len(rin.pool)} in the pool")
        rows = []
        for name in args.devices.split(","):
            device = pick_device(name)
            start = time.perf_counter()
            decision, stats, note = _trained_round(deps, rin, device, None, np.random.default_rng(0))
            seconds = time.perf_counter() - start
            threshold = decision.plan.overall.threshold if decision.plan else None
            rows.append((name, seconds))
            print(f"  {name:>5}: {seconds:6.1f} s  {note}; validation accuracy {stats.validation_accuracy:.3f}; "
                  f"threshold {threshold}; would machine-label {len(decision.machine)} "
                  f"(+{len(decision.audits)} audits)")
        if len(rows) > 1:
            base = rows[0][1]
            first = rows[0][0]
            print("  " + ", ".join(f"{name} {base / seconds:.1f}x the {first}'s speed" for name, seconds in rows[1:]))


if __name__ == "__main__":
    main()
