"""Automated labeling benchmark: human answers bought against labeling everything by hand, at a stated guarantee.

    .venv/bin/python bench/active_learning.py [--datasets digits,reviews] [--reviews 3000] [--error-rate 0.05]

Groundwork runs as production does: the API under gunicorn, a Celery worker with beat (ingest, sweep,
consolidation, export) and the trainer (its own Celery worker, solo pool, on the CPU here), on a fresh PostgreSQL
database with the filesystem broker. Simulated labelers pull and submit over HTTP only, like people: three per
object, each answering the true label except with probability `--error-rate` (default 5%), and the answers are
consolidated; the trainer never sees the truth. Data, offline only: scikit-learn's `load_digits` (1,797 scans)
rendered as 8x8 PNG images, and a random sample of `$GW_REFERENCE_DIR/datasets/rotten_tomatoes/reviews.csv`.

Every job runs with the default guarantee (target accuracy 0.95 at one-sided confidence 0.95, audit rate 0.02).
The baseline, measured in the same run's terms, is 3 answers x every object. Printed per dataset: human answers
bought (validation and audit answers included), the share saved, final label accuracy against the truth,
machine-label accuracy against the truth, the audit's measured accuracy with its interval, and the trainer's wall
time per round. Targets (the issue): on digits at least 75% fewer answers at final accuracy >= 0.95, and machine-
label accuracy >= the requested target on both datasets. `reviews@0.85` is a requester asking for 0.85 on the same
review snippets: at the default 0.95 this text model's confident predictions never pass the bound, so that job
shows the guarantee refusing, and this one shows it granting and being kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import fresh_postgres  # noqa: E402
from demo.labelers import job_finished, run_crowd  # noqa: E402
from demo.processes import (  # noqa: E402
    create_key,
    groundwork_env,
    start_api,
    start_trainer,
    start_worker,
    stop,
)
from demo.run import Api  # noqa: E402
from demo.sample_data import write_digits as demo_digits  # noqa: E402

REFERENCE = Path(os.environ.get("GW_REFERENCE_DIR", ROOT.parent / "shared"))
WORKERS_PER_OBJECT = 3


def write_digits(folder: Path) -> tuple[Path, list[str]]:
    """All 1,797 digits as 8x8 grayscale PNGs (the demo's renderer at their own size) and the truth per line."""
    manifest, truth = demo_digits(folder, count=None, size=8)
    lines = manifest.read_text(encoding="utf-8").splitlines()
    return manifest, [truth[json.loads(line)["source-ref"]] for line in lines]


def write_reviews(folder: Path, count: int, seed: int = 0) -> tuple[Path, list[str]]:
    with (REFERENCE / "datasets" / "rotten_tomatoes" / "reviews.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    picked = np.random.default_rng(seed).permutation(len(rows))[:count]
    manifest = folder / "reviews.manifest"
    manifest.write_text("".join(json.dumps({"source": rows[i]["text"]}) + "\n" for i in picked), encoding="utf-8")
    return manifest, [rows[i]["label"] for i in picked]


def run_dataset(api: Api, key: str, tokens: list[str], team: int, name: str, manifest: Path, truth: list[str],
                labels: list[str], task_type: str, automated: dict[str, Any], error_rate: float) -> dict[str, Any]:
    job = api.post("/api/v1/jobs", {
        "name": f"al-{name.replace('@', '-at-').replace('.', '')}-{time.strftime('%H%M%S')}",
        "task_type": task_type, "label_attribute_name": "label",
        "labels": labels, "manifest_uri": manifest.as_uri(), "workteam_id": team,
        "workers_per_object": WORKERS_PER_OBJECT, "price_per_task_usd": "0.012",
        "max_concurrent_task_count": 1000, "automated_labeling": automated})
    started = time.monotonic()
    stats = run_crowd(api.base, tokens, lambda task: truth[int(task["input"]["datasetObjectId"])], labels,
                      job_finished(api.base, key, job["name"]), accuracies=[1 - error_rate] * len(tokens),
                      job_id=job["id"], deadline=1500)
    wall = time.monotonic() - started
    view = api.get(f"/api/v1/jobs/{job['id']}")
    rows = [json.loads(line) for line in Path(view["output_manifest_uri"].removeprefix("file://")).read_text(
        encoding="utf-8").splitlines()]
    final = [labels[r["label"]] == truth[i] if "label" in r else False for i, r in enumerate(rows)]
    machine = [labels[r["label"]] == truth[i] for i, r in enumerate(rows)
               if "label" in r and r["label-metadata"]["human-annotated"] == "no"]
    report = view["automated_labeling"]
    rounds = [r for r in report["rounds"] if r["compute_seconds"]]
    return {
        "dataset": name, "objects": len(truth), "status": view["status"],
        "answers": sum(s.submitted for s in stats), "baseline": WORKERS_PER_OBJECT * len(truth),
        "machine_labeled": len(machine), "final_accuracy": float(np.mean(final)),
        "machine_accuracy": float(np.mean(machine)) if machine else None,
        "audit": report["audit"], "rounds": rounds, "wall_s": wall,
        "counters": view["label_counters"], "cost": view["cost"]["by_kind"],
        "saved_usd": report["money_saved_usd"],
    }


def print_result(r: dict[str, Any], target: float) -> None:
    saved = 1 - r["answers"] / r["baseline"]
    audit = r["audit"]
    interval = (f"{audit['accuracy']:.3f} [{audit['lower']:.3f}, {audit['upper']:.3f}] of {audit['items']}"
                if audit["items"] else "no audit items")
    per_round = ", ".join(f"{x['compute_seconds']:.1f}" for x in r["rounds"])
    machine = "-" if r["machine_accuracy"] is None else f"{r['machine_accuracy']:.4f}"
    print(f"\n{r['dataset']}: {r['objects']} objects, job {r['status']}, {r['wall_s']:.0f} s end to end")
    print(f"  human answers bought {r['answers']} vs all-manual {r['baseline']} -> {saved:.1%} saved")
    print(f"  machine-labeled {r['machine_labeled']} ({r['machine_labeled'] / r['objects']:.1%}); "
          f"LabelCounters {json.dumps(r['counters'])}")
    print(f"  final accuracy {r['final_accuracy']:.4f}; machine-label accuracy {machine} (target {target}); "
          f"audit {interval} ({audit['verdict']})")
    print(f"  trainer seconds per round on the CPU: {per_round}; cost by kind {json.dumps(r['cost'])}, "
          f"saved ${r['saved_usd']}")
    checks = [("machine-label accuracy >= target", r["machine_accuracy"] is not None
               and r["machine_accuracy"] >= target)]
    if r["dataset"].startswith("digits"):
        checks += [(">= 75% fewer answers", saved >= 0.75), ("final accuracy >= 0.95", r["final_accuracy"] >= 0.95)]
    for text, ok in checks:
        print(f"  target {text}: {'yes' if ok else 'NO'}")


DIGITS = {"initial_batch_size": 300, "batch_size": 100, "validation_share": 0.5}
REVIEWS = {"initial_batch_size": 600, "batch_size": 300, "validation_share": 0.5}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="digits,reviews,reviews@0.85",
                        help="dataset[@target accuracy], comma-separated (default target 0.95)")
    parser.add_argument("--reviews", type=int, default=3000, help="how many review snippets to label")
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--keep", action="store_true", help="keep the data folder (var/bench-al)")
    args = parser.parse_args()
    folder = ROOT / "var" / "bench-al"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data_dir = folder / "gw"
    with fresh_postgres() as url:
        env = groundwork_env(data_dir, GW_DATABASE_URL=url, GW_SWEEP_SECONDS="1", GW_REDRIVE_SECONDS="30",
                             GW_FILE_ROOTS=str(folder))
        key = create_key(env, "bench-al")
        logs = folder / "logs"
        logs.mkdir()
        worker = start_worker(env, beat=True, log=logs / "worker.log")
        trainer = start_trainer(env, log=logs / "trainer.log")
        api_proc, base = start_api(env, workers=2, log=logs / "api.log")
        try:
            api = Api(base, key)
            wf = api.post("/api/v1/workforces", {"name": "bench-crowd", "kind": "private"})
            team = api.post("/api/v1/workteams", {"name": "bench-team", "workforce_id": wf["id"]})
            tokens = [api.post("/api/v1/labelers", {"name": f"sim-{i}", "workforce_id": wf["id"],
                                                    "workteam_ids": [team["id"]]})["token"] for i in range(3)]
            results = []
            for entry in args.datasets.split(","):
                name, _, wanted = entry.partition("@")
                target = float(wanted or 0.95)
                if name == "digits":
                    manifest, truth = write_digits(folder)
                    labels, task_type, settings = [str(d) for d in range(10)], "image-classification", DIGITS
                elif name == "reviews":
                    manifest, truth = write_reviews(folder, args.reviews)
                    labels, task_type, settings = ["fresh", "rotten"], "text-classification", REVIEWS
                else:
                    raise SystemExit(f"unknown dataset {name}")
                results.append(run_dataset(api, key, tokens, team["id"], entry, manifest, truth, labels, task_type,
                                           {**settings, "target_accuracy": target}, args.error_rate))
                print_result(results[-1], target)
        finally:
            stop(api_proc)
            stop(trainer, grace=10)
            stop(worker, grace=10)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
