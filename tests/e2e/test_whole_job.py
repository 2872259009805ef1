"""A whole labeling job over HTTP, run the way it runs in production: the API under gunicorn, a Celery worker
with beat, and simulated labelers pulling and submitting. Once on the embedded default (SQLite, filesystem
broker, file:// blobs) and once on PostgreSQL, Redis and S3 (moto). The output, the metrics, the audit trail
and the ledger are then checked against each other and against the database."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import boto3
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from demo.labelers import job_finished, run_crowd
from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop
from shared.config import from_env
from shared.domain.output import gt_creation_date
from shared.persistence.engine import make_engine
from shared.persistence.tables import AnswerRow, Assignment, AuditEvent, ConsolidatedLabel, DataObject, LedgerEntry
from tests.support.services import postgres_database, redis_db, s3_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LABELS = ["cat", "dog", "bird"]
IMAGES = 12
BAD_AT = 5  # 0-based position of the line that is not JSON
PRICE_MICROS, FEE_MICROS = 36_000, 80_000
ACCURACIES = [1.0, 1.0, 1.0, 0.0]  # one labeler always wrong: the majority must still win
CREATION_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$")


class Files(Protocol):
    def put(self, key: str, data: bytes) -> str: ...

    def get(self, uri: str) -> bytes: ...

    def under(self, uri: str) -> list[str]: ...


class LocalFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes) -> str:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.resolve().as_uri()

    def get(self, uri: str) -> bytes:
        return Path(unquote(urlparse(uri).path)).read_bytes()

    def under(self, uri: str) -> list[str]:
        folder = Path(unquote(urlparse(uri).path))
        return sorted(p.as_uri() for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


class S3Files:
    def __init__(self, endpoint: str, bucket: str = "groundwork") -> None:
        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")

    def put(self, key: str, data: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def get(self, uri: str) -> bytes:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]

    def under(self, uri: str) -> list[str]:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/")
        return sorted(f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", []))


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = requests.post(self.base + path, json=body, headers=self.headers, timeout=60)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()  # type: ignore[no-any-return]

    def get(self, path: str) -> requests.Response:
        resp = requests.get(self.base + path, headers=self.headers, timeout=60)
        assert resp.status_code == 200, resp.text
        return resp


@contextmanager
def groundwork(env: dict[str, str], logs: Path) -> Iterator[tuple[str, str]]:
    """Migrate, create a requester key, run a worker with beat and the API; yields (API URL, key)."""
    logs.mkdir(parents=True, exist_ok=True)
    migrate(env)
    key = create_key(env, "e2e")
    worker = start_worker(env, beat=True, log=logs / "worker.log")
    try:
        api, base = start_api(env, workers=2, log=logs / "api.log")
        try:
            yield base, key
        except BaseException:
            for log in sorted(logs.glob("*.log")):  # shown by pytest on failure
                print(f"----- {log.name} (tail) -----\n{log.read_text(errors='replace')[-4000:]}")
            raise
        finally:
            stop(api)
    finally:
        stop(worker, grace=10)


def _image(truth: str, i: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + json.dumps({"label": truth, "i": i}).encode()


def _manifest(files: Files) -> tuple[bytes, dict[int, str], dict[int, str]]:
    """Image lines around one line that is not JSON; returns the bytes, truth and source-ref by line number."""
    lines: list[str] = []
    truth: dict[int, str] = {}
    refs: dict[int, str] = {}
    for i in range(IMAGES):
        if len(lines) == BAD_AT:
            lines.append("this line is not JSON")
        label = LABELS[i % len(LABELS)]
        ref = files.put(f"in/img-{i:02d}.png", _image(label, i))
        truth[len(lines)], refs[len(lines)] = label, ref
        lines.append(json.dumps({"source-ref": ref, "image-no": i}))
    return "".join(line + "\n" for line in lines).encode(), truth, refs


def _fetching_oracle(truth: dict[int, str]) -> Any:
    """Answer from the image bytes the task's URL serves, and check they are the bytes of that object."""
    def oracle(task: dict[str, Any]) -> str:
        resp = requests.get(task["input"]["source_ref_url"], timeout=30)
        assert resp.status_code == 200, resp.text
        label = json.loads(resp.content[8:])["label"]
        assert label == truth[int(task["input"]["datasetObjectId"])]
        return str(label)

    return oracle


def _metrics(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = requests.get(base + "/metrics", timeout=30).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _sum(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(v for (n, lab), v in samples.items() if n == name and set(labels.items()) <= set(lab))


def _check_database(engine: Engine, job_id: int, job_name: str, samples: Any, view: dict[str, Any]) -> None:
    with engine.connect() as conn:
        assignments = conn.execute(select(Assignment.id, Assignment.state).where(Assignment.job_id == job_id)).all()
        answers = conn.scalar(select(func.count()).select_from(AnswerRow).where(AnswerRow.job_id == job_id))
        states = dict(conn.execute(select(DataObject.state, func.count()).where(DataObject.job_id == job_id)
                                   .group_by(DataObject.state)).all())
        events = conn.execute(select(AuditEvent.kind, AuditEvent.assignment_id, AuditEvent.from_state,
                                     AuditEvent.to_state).where(AuditEvent.job_id == job_id)
                              .order_by(AuditEvent.id)).all()
        ledger = conn.scalar(select(func.sum(LedgerEntry.amount_micros)).where(LedgerEntry.job_id == job_id))

    # /metrics (summed over every API and worker process) agrees with the database
    assert _sum(samples, "groundwork_tasks_leased_total", job=job_name) == len(assignments)
    assert _sum(samples, "groundwork_answers_submitted_total", job=job_name) == answers
    for state, count in states.items():
        assert _sum(samples, "groundwork_objects", job=job_name, state=state) == count, state
    assert _sum(samples, "groundwork_objects", job=job_name) == sum(states.values())
    # ... and under Ground Truth's CloudWatch names (doc §3.12), per job and per workteam
    assert _sum(samples, "gt_dataset_objects_human_annotated", job=job_name) == states["labeled"]
    assert _sum(samples, "gt_dataset_objects_auto_annotated", job=job_name) == 0
    assert _sum(samples, "gt_total_dataset_objects_labeled", job=job_name) == states["labeled"]
    assert _sum(samples, "gt_dataset_objects_labeling_failed", job=job_name) == states.get("failed", 0)
    assert _sum(samples, "gt_tasks_total", event="submitted", workteam="team-a") == answers
    assert _sum(samples, "gt_jobs_total", status="Completed") >= 1
    assert _sum(samples, "gt_task_time_seconds_total", workteam="team-a") > 0

    # every assignment transition is in the audit trail, in order
    trail: dict[int, list[tuple[str | None, str | None]]] = {}
    for kind, aid, before, after in events:
        if kind == "assignment":
            trail.setdefault(aid, []).append((before, after))
    assert set(trail) == {aid for aid, _ in assignments}
    for aid, state in assignments:
        expected = [(None, "leased")] + ([] if state == "leased" else [("leased", state)])
        assert trail[aid] == expected, aid
    assert Counter(state for _, state in assignments) == Counter({"submitted": answers})
    job_moves = [(before, after) for kind, _, before, after in events if kind == "job_status"]
    assert job_moves == [(None, "Initializing"), ("Initializing", "InProgress"), ("InProgress", "Completed")]
    assert [kind for kind, *_ in events].count("exported") == 1

    # the ledger pays every answer once and charges the fee once per labeled object
    assert answers == IMAGES * 3
    assert ledger == answers * PRICE_MICROS + states["labeled"] * FEE_MICROS
    assert view["cost"]["total_micros"] == ledger


def _check_output(files: Files, engine: Engine, view: dict[str, Any], truth: dict[int, str],
                  refs: dict[int, str], api_bytes: bytes) -> None:
    uri = view["output_manifest_uri"]
    raw = files.get(uri)
    assert raw == api_bytes
    rows = [json.loads(line) for line in raw.decode().splitlines()]
    assert [row["source-ref"] for row in rows] == [refs[n] for n in sorted(refs)]
    with engine.connect() as conn:
        labels = {line_no: (created, confidence) for line_no, created, confidence in conn.execute(
            select(DataObject.line_no, ConsolidatedLabel.created_at, ConsolidatedLabel.confidence)
            .join(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
            .where(DataObject.job_id == view["id"]))}
    assert set(labels) == set(refs)
    for line_no, row in zip(sorted(refs), rows, strict=True):
        meta = row["animal-metadata"]
        assert row["animal"] == LABELS.index(truth[line_no])
        assert meta["class-name"] == truth[line_no]
        assert meta["type"] == "groundtruth/image-classification"
        assert meta["job-name"] == f"labeling-job/{view['name'].lower()}"
        assert meta["human-annotated"] == "yes"
        assert meta["confidence"] == labels[line_no][1] and 0.5 <= meta["confidence"] <= 1.0  # a posterior
        assert CREATION_DATE.match(meta["creation-date"]), meta["creation-date"]
        assert meta["creation-date"] == gt_creation_date(labels[line_no][0])  # UTC, whatever the host's TZ

    root = uri.rsplit("/manifests/output/", 1)[0]
    responses = files.under(f"{root}/annotations/worker-response/iteration-1")
    by_object: dict[int, list[str]] = {}
    for item in responses:
        by_object.setdefault(int(item.split("/iteration-1/")[1].split("/")[0]), []).append(item)
    assert set(by_object) == set(refs)
    for line_no, items in by_object.items():
        assert len(items) == 1 and items[0].endswith(".json")
        answers = json.loads(files.get(items[0]))["answers"]
        assert len(answers) == 3
        assert Counter(a["answerContent"]["crowd-image-classifier"]["label"] for a in answers)[truth[line_no]] >= 2

    failures = [json.loads(line) for line in files.get(f"{root}/manifests/output/failures.jsonl").decode().splitlines()]
    assert [(f["datasetObjectId"], f["line"]) for f in failures] == [(str(BAD_AT), BAD_AT + 1)]
    assert failures[0]["reason"].startswith(f"line {BAD_AT + 1}: not valid JSON")


@pytest.mark.parametrize("stack", ["embedded", "postgres-redis-s3"])
def test_a_whole_job_runs_over_http_to_a_checked_output(stack: str, tmp_path: Path) -> None:
    with ExitStack() as services:
        data_dir = tmp_path / "var"
        overrides = {"TZ": "Asia/Kolkata"}  # output timestamps must stay UTC on a host in another zone
        if stack == "embedded":
            files: Files = LocalFiles(tmp_path)
            output_uri = None
        else:
            endpoint = services.enter_context(s3_server())
            files = S3Files(endpoint)
            overrides |= {"GW_DATABASE_URL": services.enter_context(postgres_database()),
                          "GW_BROKER_URL": redis_db(2), "GW_BLOB_URL": "s3://groundwork/blobs",
                          "GW_S3_ENDPOINT_URL": endpoint}
            output_uri = "s3://groundwork/out"
        env = groundwork_env(data_dir, **overrides)
        settings = from_env(env)
        embedded = stack == "embedded"
        assert settings.effective_database_url.startswith("sqlite" if embedded else "postgresql")
        assert settings.broker_url.startswith("filesystem://" if embedded else "redis://")
        manifest, truth, refs = _manifest(files)
        manifest_uri = files.put("in/x.manifest", manifest)
        base, key = services.enter_context(groundwork(env, tmp_path / "logs"))
        engine = make_engine(settings.effective_database_url)
        services.callback(engine.dispose)

        api = Api(base, key)
        wf = api.post("/api/v1/workforces", {"name": "staff", "kind": "private"})
        team = api.post("/api/v1/workteams", {"name": "team-a", "workforce_id": wf["id"]})
        tokens = [api.post("/api/v1/labelers", {"name": f"lab{i}", "workforce_id": wf["id"],
                                                "workteam_ids": [team["id"]]})["token"] for i in range(4)]
        job = api.post("/api/v1/jobs", {
            "name": "Whole-Job", "task_type": "image-classification", "label_attribute_name": "animal",
            "labels": LABELS, "manifest_uri": manifest_uri, "output_uri": output_uri, "workteam_id": team["id"],
            "workers_per_object": 3, "price_per_task_usd": "0.036"})
        stats = run_crowd(base, tokens, _fetching_oracle(truth), LABELS, job_finished(base, key, job["name"]),
                          accuracies=ACCURACIES, job_id=job["id"], deadline=120)
        assert sum(s.submitted for s in stats) == IMAGES * 3 and not any(s.errors for s in stats)

        view = api.get("/api/v1/jobs/whole-job").json()
        assert view["status"] == "Completed"
        counters = view["label_counters"]
        assert counters["TotalLabeled"] + counters["FailedNonRetryableError"] + counters["Unlabeled"] == IMAGES + 1
        assert counters == {"TotalLabeled": IMAGES, "HumanLabeled": IMAGES, "MachineLabeled": 0,
                            "FailedNonRetryableError": 1, "Unlabeled": 0}
        assert view["dataset_lines"] == IMAGES + 1
        assert view["output_manifest_uri"].startswith(output_uri or "file://")
        _check_output(files, engine, view, truth, refs, api.get("/api/v1/jobs/whole-job/output").content)
        _check_database(engine, view["id"], view["name"], _metrics(base), view)
