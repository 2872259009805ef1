"""A whole job through the Flask app in-process: create, ingest, pull, submit, consolidate, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from services.api.app import create_app
from shared.bootstrap import Deps
from shared.services import lifecycle
from shared.services.accounts import create_api_key
from tests.helpers import drain, text_lines, write_manifest


@pytest.fixture
def client(deps: Deps) -> FlaskClient:
    return create_app(deps=deps).test_client()


@pytest.fixture
def requester(deps: Deps) -> dict[str, str]:
    with deps.sessions.begin() as session:
        key = create_api_key(session, deps.clock, "acme")
    return {"Authorization": f"Bearer {key.token}"}


def make_team(
    client: FlaskClient, auth: dict[str, str], n_labelers: int, kind: str = "private"
) -> tuple[int, list[dict[str, str]]]:
    wf = client.post("/api/v1/workforces", json={"name": "staff", "kind": kind}, headers=auth)
    assert wf.status_code == 201, wf.json
    team = client.post("/api/v1/workteams", json={"name": "team-a", "workforce_id": wf.json["id"]}, headers=auth)
    assert team.status_code == 201, team.json
    labelers = []
    for i in range(n_labelers):
        lab = client.post("/api/v1/labelers", json={"name": f"lab{i}", "workforce_id": wf.json["id"],
                                                    "workteam_ids": [team.json["id"]]}, headers=auth)
        assert lab.status_code == 201, lab.json
        labelers.append({"Authorization": f"Bearer {lab.json['token']}"})
    return team.json["id"], labelers


def test_a_text_job_runs_to_an_output_manifest(client: FlaskClient, deps: Deps, requester: dict[str, str],
                                               tmp_path: Path) -> None:
    team, labelers = make_team(client, requester, 3)
    lines = text_lines(10) + ["not json", ""]
    uri = write_manifest(tmp_path / "in.manifest", lines)
    created = client.post("/api/v1/jobs", headers=requester, json={
        "name": "Reviews-1", "task_type": "text-classification", "labels": ["negative", "positive"],
        "manifest_uri": uri, "workteam_id": team, "workers_per_object": 3, "price_per_task_usd": "0.036",
        "label_attribute_name": "sentiment"})
    assert created.status_code == 201, created.json
    drain(deps)
    job = client.get("/api/v1/jobs/reviews-1", headers=requester).json
    assert job["status"] == "InProgress"
    assert job["objects_by_state"] == {"open": 10, "failed": 1}
    answered = 0
    for who, auth in enumerate(labelers):
        while True:
            task = client.post("/api/v1/work/next", json={}, headers=auth)
            if task.status_code == 204:
                break
            label = "positive" if (int(task.json["input"]["datasetObjectId"]) + who) % 3 else "negative"
            sub = client.post(f"/api/v1/work/{task.json['assignment_id']}/submit", json={"answer": {"label": label}},
                              headers=auth)
            assert sub.status_code == 200, sub.json
            again = client.post(f"/api/v1/work/{task.json['assignment_id']}/submit",
                                json={"answer": {"label": label}}, headers=auth)
            assert again.json["duplicate"] is True
            answered += 1
    assert answered == 30
    lifecycle.sweep(deps)
    drain(deps)
    lifecycle.sweep(deps)
    drain(deps)
    job = client.get("/api/v1/jobs/Reviews-1", headers=requester).json
    assert job["status"] == "Completed", job
    assert job["label_counters"] == {"TotalLabeled": 10, "HumanLabeled": 10, "MachineLabeled": 0,
                                     "FailedNonRetryableError": 1, "Unlabeled": 0}
    assert job["cost"]["total_micros"] == 30 * 36_000 + 10 * 80_000
    out = client.get("/api/v1/jobs/Reviews-1/output", headers=requester)
    assert out.status_code == 200
    rows = [json.loads(line) for line in out.data.decode().splitlines()]
    assert len(rows) == 10
    meta = rows[0]["sentiment-metadata"]
    assert meta["job-name"] == "labeling-job/reviews-1" and meta["type"] == "groundtruth/text-classification"
    assert meta["human-annotated"] == "yes" and meta["confidence"] in (0.67, 1.0)
