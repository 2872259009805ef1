"""`make serve`: Groundwork on the embedded default, left running for a person to use in a browser.

Migrates, starts the API (port GW_PORT, default 8080) and a Celery worker with beat, creates a requester key, a
private workteam with one labeler, and one small job per built-in task family (image and text classification,
multi-label, bounding boxes, semantic segmentation, named entities) on sample data. It prints the console URL with
the key and the labeler's invitation link, then waits until Ctrl+C.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop
from demo.run import Api
from demo.sample_data import write_digits, write_reviews, write_sentences

DIGITS = [str(d) for d in range(1, 10)] + ["0"]  # keys 1-9 pick the digit of the same name


def sample_jobs(sample: Path, team_id: int, suffix: str) -> list[dict[str, Any]]:
    small, _ = write_digits(sample / "small", count=12, size=96)
    large, _ = write_digits(sample / "large", count=6, size=320)
    reviews, _ = write_reviews(sample)
    sentences = write_sentences(sample)
    common = {"workteam_id": team_id, "workers_per_object": 1, "price_per_task_usd": "0.036"}
    jobs: list[dict[str, Any]] = [
        {"name": f"digits-{suffix}", "task_type": "image-classification", "labels": DIGITS,
         "manifest_uri": small.as_uri(), "title": "Which digit is this?",
         "instructions": {"short": "Press the digit's key, then Enter (click the last button for 0)."}},
        {"name": f"reviews-{suffix}", "task_type": "text-classification", "labels": ["negative", "positive"],
         "manifest_uri": reviews.as_uri(), "title": "Is this review positive?",
         "instructions": {"short": "1 = negative, 2 = positive; Enter submits."}},
        {"name": f"review-topics-{suffix}", "task_type": "text-classification-multilabel",
         "labels": ["acting", "plot", "pacing", "tone"], "manifest_uri": reviews.as_uri(),
         "title": "What does the review talk about?", "instructions": {"short": "Toggle every topic that applies."}},
        {"name": f"digit-boxes-{suffix}", "task_type": "bounding-box", "labels": ["digit"],
         "manifest_uri": large.as_uri(), "title": "Draw a box around the digit",
         "instructions": {"short": "Drag a tight box around the ink."}},
        {"name": f"digit-masks-{suffix}", "task_type": "semantic-segmentation", "labels": ["ink"],
         "label_attribute_name": "ink-ref", "manifest_uri": large.as_uri(), "title": "Paint the ink",
         "instructions": {"short": "Brush (B) or polygon (P) over the ink; E erases; Ctrl+Z undoes."}},
        {"name": f"entities-{suffix}", "task_type": "named-entity-recognition",
         "labels": ["person", "organisation", "place"], "manifest_uri": sentences.as_uri(),
         "title": "Tag people, organisations and places",
         "instructions": {"short": "Select words, then press 1-3."}},
    ]
    return [{**common, **job} for job in jobs]


def main() -> int:
    data_dir = Path(os.environ.get("GW_DATA_DIR", "var")).resolve()
    port = int(os.environ.get("GW_PORT", "8080"))
    env = groundwork_env(data_dir, GW_FILE_ROOTS=str(data_dir), GW_SWEEP_SECONDS="1", GW_REDRIVE_SECONDS="30")
    migrate(env)
    key = create_key(env, "console")
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    worker = start_worker(env, beat=True, log=logs / "worker.log")
    api_proc, base = start_api(env, workers=2, log=logs / "api.log", port=port)
    try:
        api = Api(base, key)
        suffix = time.strftime("%Y%m%d-%H%M%S")
        wf = api.post("/api/v1/workforces", {"name": f"staff-{suffix}", "kind": "private"})
        team = api.post("/api/v1/workteams", {"name": f"team-{suffix}", "workforce_id": wf["id"]})
        labeler = api.post("/api/v1/labelers", {"name": "You", "workforce_id": wf["id"], "workteam_ids": [team["id"]]})
        for spec in sample_jobs(data_dir / "serve", team["id"], suffix):
            api.post("/api/v1/jobs", spec)
        invite = labeler.get("invite_url") or f"{base}/portal/signin#token={labeler['token']}"
        print(f"Groundwork is running on {base} (logs in {logs})")
        print(f"  requester console: {base}/console/signin   API key: {key}")
        print(f"  worker portal:     {invite}")
        pair = api.post("/api/v1/access-keys", {})
        print(f"  boto3 (SageMaker API): AWS_ENDPOINT_URL_SAGEMAKER={base} "
              f"AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME={base} AWS_DEFAULT_REGION={pair['region']} "
              f"AWS_ACCESS_KEY_ID={pair['access_key_id']} AWS_SECRET_ACCESS_KEY={pair['secret_access_key']}")
        print("Ctrl+C stops it.")
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    finally:
        stop(api_proc)
        stop(worker, grace=10)


if __name__ == "__main__":
    sys.exit(main())
