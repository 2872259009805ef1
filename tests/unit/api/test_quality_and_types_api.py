"""The REST front door for the newer task types and quality control: boxes submitted over HTTP (a bad one is a 422
naming the member), gold items and a removed labeler visible to the requester, dynamic overlap settings."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient
from PIL import Image

from shared.bootstrap import Deps
from tests.helpers import drain, write_manifest
from tests.unit.api.test_validation_and_access import Headers, create_job, error_of, job_body, labeler


def _image_manifest(tmp_path: Path) -> str:
    path = tmp_path / "img.png"
    Image.new("RGB", (40, 30)).save(path)
    return write_manifest(tmp_path / "boxes.manifest", [json.dumps({"source-ref": path.resolve().as_uri()})])


def test_boxes_over_http_with_a_bad_box_named(client: FlaskClient, acme: Headers, deps: Deps,
                                              staff: tuple[int, int], tmp_path: Path) -> None:
    job = create_job(client, acme, job_body(staff[1], _image_manifest(tmp_path), name="boxes",
                                            task_type="bounding-box", label_attribute_name="boxes",
                                            labels=["car", "bike"]))
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "ana")
    task = client.post("/api/v1/work/next", json={}, headers=lab)
    assert task.status_code == 200 and task.json["task_type"] == "bounding-box"
    aid = task.json["assignment_id"]
    bad = client.post(f"/api/v1/work/{aid}/submit", headers=lab, json={"answer": {"crowd-bounding-box": {
        "boundingBoxes": [{"label": "car", "left": 1, "top": 1, "width": -5, "height": 4}],
        "inputImageProperties": {"width": 40, "height": 30}}}})
    assert bad.status_code == 422
    assert error_of(bad)["field"].startswith("answer.boundingBoxes[0]")
    good = client.post(f"/api/v1/work/{aid}/submit", headers=lab, json={"answer": {"crowd-bounding-box": {
        "boundingBoxes": [{"label": "car", "left": 1, "top": 1, "width": 5, "height": 4}],
        "inputImageProperties": {"width": 40, "height": 30}}}})
    assert good.status_code == 200, good.json
    objects = client.get(f"/api/v1/jobs/{job['id']}/objects", headers=acme).json["items"]
    assert objects[0]["answers"][0]["answer"]["boundingBoxes"][0]["width"] == 5


def test_gold_and_a_removed_labeler_are_visible_to_the_requester(client: FlaskClient, acme: Headers, deps: Deps,
                                                                 staff: tuple[int, int], manifest: str) -> None:
    gold = {"items": [{"source": f"gold {i}", "answer": {"label": "positive"}} for i in range(2)], "rate": 1.0,
            "min_accuracy": 0.5, "min_answers": 2}
    job = create_job(client, acme, job_body(staff[1], manifest, gold=gold))
    assert job["gold"] == {"items": 2, "rate": 1.0, "min_accuracy": 0.5, "min_answers": 2}
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "ana")
    for _ in range(2):
        task = client.post("/api/v1/work/next", json={}, headers=lab).json
        assert task["input"]["source"].startswith("gold")
        client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {"label": "negative"}},
                    headers=lab)
    assert client.post("/api/v1/work/next", json={}, headers=lab).status_code == 204
    report = client.get(f"/api/v1/jobs/{job['id']}/labelers", headers=acme).json["items"]
    assert report[0]["removed"] and report[0]["gold_accuracy"] == 0.0
    assert "below the job's bar" in report[0]["removal_reason"]
    view = client.get(f"/api/v1/jobs/{job['id']}", headers=acme).json
    assert view["label_counters"]["Unlabeled"] == 4  # gold items are not dataset objects


def test_quality_settings_are_checked_and_named(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                                manifest: str) -> None:
    bad_gold = client.post("/api/v1/jobs", headers=acme, json=job_body(
        staff[1], manifest, gold={"items": [{"source": "x", "answer": {"label": "maybe"}}]}))
    assert bad_gold.status_code == 422 and error_of(bad_gold)["field"] == "gold.items[0].answer.label"
    bad_overlap = client.post("/api/v1/jobs", headers=acme, json=job_body(
        staff[1], manifest, name="o", workers_per_object=3,
        dynamic_overlap={"min_workers": 5, "target_confidence": 0.9}))
    assert bad_overlap.status_code == 422 and error_of(bad_overlap)["field"] == "dynamic_overlap.min_workers"
    made = create_job(client, acme, job_body(staff[1], manifest, name="o2", workers_per_object=5,
                                             dynamic_overlap={"min_workers": 2, "target_confidence": 0.95}))
    assert made["dynamic_overlap"]["min_workers"] == 2 and made["dynamic_overlap"]["answers_bought"] == 0
