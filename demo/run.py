"""`make demo`: a whole labeling job on the embedded default (SQLite, filesystem broker, local files).

Migrates, starts the API under gunicorn and a Celery worker with beat, creates a private workteam of simulated
labelers, runs an image job (digits) and a text job (reviews) over HTTP, and prints each job's LabelCounters,
cost and output manifest.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests

from demo.labelers import job_finished, run_crowd
from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop
from demo.sample_data import write_digits, write_reviews

LABELERS = 5
ACCURACIES = [0.95, 0.9, 0.9, 0.85, 0.8]


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = requests.post(self.base + path, json=body, headers=self.headers, timeout=60)
        if resp.status_code >= 400:
            raise SystemExit(f"POST {path} failed: {resp.status_code} {resp.text}")
        return resp.json()  # type: ignore[no-any-return]

    def get(self, path: str) -> dict[str, Any]:
        resp = requests.get(self.base + path, headers=self.headers, timeout=60)
        resp.raise_for_status()
        return resp.json()  # type: ignore[no-any-return]


def run_job(api: Api, tokens: list[str], spec: dict[str, Any], truth_by_line: list[str]) -> dict[str, Any]:
    job = api.post("/api/v1/jobs", spec)
    print(f"  created job '{job['name']}' ({job['task_type']}, {spec['workers_per_object']} labelers per object)")

    def oracle(task: dict[str, Any]) -> str:
        if "source_ref_url" in task["input"]:  # fetch the image as a labeling UI would
            requests.get(task["input"]["source_ref_url"], timeout=30).raise_for_status()
        return truth_by_line[int(task["input"]["datasetObjectId"])]

    started = time.monotonic()
    stats = run_crowd(api.base, tokens, oracle, spec["labels"], job_finished(api.base, api.headers["Authorization"][7:],
                      job["name"]), accuracies=ACCURACIES, job_id=job["id"], deadline=300)
    view = api.get(f"/api/v1/jobs/{job['id']}")
    print(f"  finished in {time.monotonic() - started:.1f}s: {sum(s.submitted for s in stats)} answers")
    return view


def check_output(view: dict[str, Any], data_dir: Path, truth_by_line: list[str], labels: list[str]) -> float:
    uri = view["output_manifest_uri"]
    path = Path(uri.removeprefix("file://"))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    attr = view["label_attribute_name"]
    assert len(rows) == len(truth_by_line), "one output line per input line"
    correct = sum(labels[row[attr]] == truth_by_line[i] for i, row in enumerate(rows) if attr in row)
    return correct / len(rows)


def main() -> int:
    data_dir = Path(os.environ.get("GW_DATA_DIR", "var")).resolve()
    sample = data_dir / "demo"
    env = groundwork_env(data_dir, GW_FILE_ROOTS=str(data_dir), GW_SWEEP_SECONDS="1", GW_REDRIVE_SECONDS="30")
    print(f"Groundwork demo (embedded default: SQLite, filesystem broker, files under {data_dir})")
    migrate(env)
    key = create_key(env, "demo")
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    worker = start_worker(env, beat=True, log=logs / "worker.log")
    api_proc, base = start_api(env, workers=2, log=logs / "api.log")
    try:
        api = Api(base, key)
        print(f"API on {base}, Celery worker with beat running; logs in {logs}")
        suffix = time.strftime("%Y%m%d-%H%M%S")
        wf = api.post("/api/v1/workforces", {"name": f"demo-staff-{suffix}", "kind": "private"})
        team = api.post("/api/v1/workteams", {"name": f"demo-team-{suffix}", "workforce_id": wf["id"]})
        tokens = [api.post("/api/v1/labelers", {"name": f"labeler-{i}", "workforce_id": wf["id"],
                                                "workteam_ids": [team["id"]]})["token"] for i in range(LABELERS)]
        digits, digit_truth = write_digits(sample)
        reviews, review_truth = write_reviews(sample)
        digit_lines = [digit_truth[json.loads(line)["source-ref"]] for line in digits.read_text().splitlines()]
        review_lines = [review_truth[json.loads(line)["source"]] for line in reviews.read_text().splitlines()]
        jobs = [
            ({"name": f"digits-{suffix}", "task_type": "image-classification", "label_attribute_name": "digit",
              "labels": [str(d) for d in range(10)], "manifest_uri": digits.as_uri(), "workteam_id": team["id"],
              "workers_per_object": 3, "price_per_task_usd": "0.012", "title": "Which digit is this?",
              "instructions": {"short": "Pick the digit shown (keys 0-9)."}}, digit_lines),
            ({"name": f"reviews-{suffix}", "task_type": "text-classification", "label_attribute_name": "sentiment",
              "labels": ["negative", "positive"], "manifest_uri": reviews.as_uri(), "workteam_id": team["id"],
              "workers_per_object": 3, "price_per_task_usd": "0.024", "title": "Is this review positive?",
              "instructions": {"short": "Pick the review's sentiment."}}, review_lines),
        ]
        for spec, truth in jobs:
            view = run_job(api, tokens, spec, truth)
            accuracy = check_output(view, data_dir, truth, spec["labels"])
            print(f"  status: {view['status']}")
            print(f"  LabelCounters: {json.dumps(view['label_counters'])}")
            print(f"  cost: ${view['cost']['total_usd']} ({json.dumps(view['cost']['by_kind'])})")
            print(f"  accuracy of consolidated labels against the true answers: {accuracy:.3f}")
            print(f"  output manifest: {view['output_manifest_uri']}")
            if view["status"] != "Completed":
                return 1
        print("demo finished: both jobs completed")
        return 0
    finally:
        stop(api_proc)
        stop(worker, grace=10)


if __name__ == "__main__":
    sys.exit(main())
