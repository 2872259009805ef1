"""The portal's and console's REST endpoints (issue 5): invitation links, vendor keys and vendor sign-in, a public
workforce's qualification gating the claim, a labeler's own earnings and accuracy, the gallery of consolidated
results, per-labeler agreement and earnings, and names on the cost breakdown."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from shared.bootstrap import Deps
from shared.persistence.tables import AuditEvent, Labeler, Workforce
from shared.services import lifecycle
from shared.services.tokens import digest
from tests.helpers import drain, text_lines, write_manifest
from tests.unit.api.test_validation_and_access import (
    Headers,
    create_job,
    error_of,
    job_body,
    labeler,
    requester_key,
    workforce,
    workteam,
)


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def fetch(client: FlaskClient, url: str) -> Any:
    """Open an absolute link the API made, through the test client."""
    parsed = urlparse(url)
    assert parsed.scheme == "http" and parsed.netloc == "localhost", url
    return client.get(f"{parsed.path}?{parsed.query}")


def png(tmp_path: Path, name: str, size: tuple[int, int] = (4, 3)) -> str:
    path = tmp_path / name
    Image.new("RGB", size, (10, 20, 30)).save(path)
    return path.resolve().as_uri()


def mask_answer(pixels: list[tuple[int, int]], size: tuple[int, int] = (4, 3)) -> dict[str, Any]:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    for xy in pixels:
        image.putpixel(xy, (255, 0, 0, 255))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return {"crowd-semantic-segmentation": {
        "labeledImage": {"pngImageData": base64.b64encode(buf.getvalue()).decode()},
        "labelMappings": {"cat": {"color": "#ff0000"}},
        "inputImageProperties": {"width": size[0], "height": size[1]}}}


def settle(deps: Deps) -> None:
    """The sweep hands answered objects to consolidation (as the beat would), then the queued work runs."""
    for _ in range(2):
        lifecycle.sweep(deps)
        drain(deps)


def label_all(client: FlaskClient, lab: Headers, answer: Any) -> int:
    done = 0
    while (task := client.post("/api/v1/work/next", json={}, headers=lab)).status_code == 200:
        chosen = answer(task.json) if callable(answer) else answer
        submitted = client.post(f"/api/v1/work/{task.json['assignment_id']}/submit", json={"answer": chosen},
                                headers=lab)
        assert submitted.status_code == 200, submitted.json
        done += 1
    assert task.status_code == 204, task.json
    return done


# ------------------------------------------------------------------------------------------------ invitations

def test_a_new_labeler_comes_with_an_invitation_link(client: FlaskClient, acme: Headers,
                                                     staff: tuple[int, int]) -> None:
    made = client.post("/api/v1/labelers", headers=acme,
                       json={"name": "ana", "workforce_id": staff[0], "workteam_ids": [staff[1]]})

    assert made.status_code == 201
    token = made.json["token"]
    assert made.json["invite_url"] == f"http://localhost/portal/signin#token={token}"
    assert client.get("/api/v1/work/jobs", headers=bearer(token)).status_code == 200


def test_the_invitation_uses_the_public_base_url_when_set(deps: Deps, acme: Headers,
                                                          staff: tuple[int, int]) -> None:
    from dataclasses import replace

    from services.api.app import create_app

    deps.settings = replace(deps.settings, public_base_url="https://label.example.org")
    other = create_app(deps=deps).test_client()
    made = other.post("/api/v1/labelers", headers=acme, json={"name": "bo", "workforce_id": staff[0]})

    assert made.json["invite_url"].startswith("https://label.example.org/portal/signin#token=gwl_")


# ------------------------------------------------------------------------------------------------ vendors

def test_a_vendor_workforce_gets_its_key_once_and_only_its_digest_is_kept(client: FlaskClient, acme: Headers,
                                                                          deps: Deps) -> None:
    made = client.post("/api/v1/workforces", json={"name": "vend", "kind": "vendor", "vendor_price_usd": "0.05"},
                       headers=acme)
    private = client.post("/api/v1/workforces", json={"name": "mine", "kind": "private"}, headers=acme)

    assert made.status_code == 201 and made.json["vendor_key"].startswith("gwv_")
    assert "vendor_key" not in private.json
    listed = client.get("/api/v1/workforces", headers=acme).json["items"]
    assert all("vendor_key" not in w for w in listed)
    with deps.sessions() as session:
        stored = session.scalar(select(Workforce.vendor_key_digest).where(Workforce.id == made.json["id"]))
    assert stored == digest(made.json["vendor_key"])


def test_a_vendor_labeler_signs_in_with_the_vendor_key(client: FlaskClient, acme: Headers, deps: Deps,
                                                       manifest: str) -> None:
    made = client.post("/api/v1/workforces", json={"name": "vend", "kind": "vendor", "vendor_price_usd": "0.05"},
                       headers=acme).json
    key = made["vendor_key"]
    teams = [workteam(client, acme, made["id"], "vend-a"), workteam(client, acme, made["id"], "vend-b")]
    create_job(client, acme, job_body(teams[1], manifest))
    drain(deps)

    first = client.post("/api/v1/portal/vendor-signin",
                        json={"vendor_key": key, "name": "Vera", "email": "Vera@Vendor.example"})
    again = client.post("/api/v1/portal/vendor-signin",
                        json={"vendor_key": key, "name": "Vera V.", "email": "vera@vendor.example"})

    assert first.status_code == 201, first.json
    assert first.json["workteam_ids"] == teams and first.json["workforce_id"] == made["id"]
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert again.json["token"] != first.json["token"]
    # The digest rotated: the first token is revoked (it was never used, so no cache holds it).
    assert client.get("/api/v1/work/jobs", headers=bearer(first.json["token"])).status_code == 401
    task = client.post("/api/v1/work/next", json={}, headers=bearer(again.json["token"]))
    assert task.status_code == 200  # vendor labelers are never gated by a qualification


def test_a_new_vendor_key_revokes_the_old_one(client: FlaskClient, acme: Headers, deps: Deps,
                                              staff: tuple[int, int]) -> None:
    made = client.post("/api/v1/workforces", json={"name": "vend", "kind": "vendor", "vendor_price_usd": "0.05"},
                       headers=acme).json
    signin = {"name": "Vera", "email": "vera@vendor.example"}

    rotated = client.post(f"/api/v1/workforces/{made['id']}/vendor-key", headers=acme)

    assert rotated.status_code == 201 and rotated.json["vendor_key"] != made["vendor_key"]
    old = client.post("/api/v1/portal/vendor-signin", json={**signin, "vendor_key": made["vendor_key"]})
    new = client.post("/api/v1/portal/vendor-signin", json={**signin, "vendor_key": rotated.json["vendor_key"]})
    assert old.status_code == 401 and new.status_code == 201
    assert client.post(f"/api/v1/workforces/{staff[0]}/vendor-key", headers=acme).status_code == 422
    other = requester_key(deps, "globex")
    assert client.post(f"/api/v1/workforces/{made['id']}/vendor-key", headers=other).status_code == 404


@pytest.mark.parametrize("key", ["gwv_not-a-key", "gwk_whatever", "nothing"])
def test_an_unknown_vendor_key_is_refused_naming_it(client: FlaskClient, key: str) -> None:
    response = client.post("/api/v1/portal/vendor-signin",
                           json={"vendor_key": key, "name": "x", "email": "x@example.org"})

    assert response.status_code == 401 and error_of(response)["field"] == "vendor_key"


def test_vendor_signin_needs_an_email(client: FlaskClient) -> None:
    response = client.post("/api/v1/portal/vendor-signin", json={"vendor_key": "gwv_x", "name": "x"})

    assert response.status_code == 422 and error_of(response)["field"] == "body.email"


# ------------------------------------------------------------------------------------------------ qualification

def public_crowd(client: FlaskClient, acme: Headers) -> tuple[int, int]:
    wf = workforce(client, acme, "crowd", "public")
    return wf, workteam(client, acme, wf, "crowd-team")


QUAL = {"task_type": "text-classification", "labels": ["negative", "positive"], "pass_ratio": 0.6,
        "max_attempts": 2,
        "items": [{"source": "great", "answer": {"label": "positive"}},
                  {"source": "awful", "answer": {"crowd-classifier": {"label": "negative"}}},
                  {"source": "superb", "answer": {"label": "positive"}}]}


@pytest.mark.parametrize(("change", "status", "field"), [
    pytest.param({"items": []}, 422, "body.items", id="no-items"),
    pytest.param({"items": [{"source": "x", "answer": {"label": "positive"}}] * 51}, 422, "body.items",
                 id="too-many-items"),
    pytest.param({"items": [{"source": "x", "answer": {"label": "neutral"}}]}, 422, "items[0].answer.label",
                 id="bad-answer"),
    pytest.param({"items": [{"source": "x", "answer": {"label": "positive"}}, {"answer": {"label": "positive"}}]},
                 422, "items[1]", id="no-data-key"),
    pytest.param({"items": [{"source-ref": "file:///x.png", "answer": {"label": "positive"}}]}, 422, "items[0]",
                 id="wrong-data-key"),
    pytest.param({"labels": ["only"]}, 422, "labels", id="one-label"),
    pytest.param({"task_type": "verification-bounding-box"}, 422, "task_type", id="verification"),
    pytest.param({"pass_ratio": 0}, 422, "body.pass_ratio", id="zero-ratio"),
])
def test_a_bad_qualification_is_refused_naming_the_field(client: FlaskClient, acme: Headers, change: dict[str, Any],
                                                         status: int, field: str) -> None:
    wf, _ = public_crowd(client, acme)

    response = client.put(f"/api/v1/workforces/{wf}/qualification", json={**QUAL, **change}, headers=acme)

    assert response.status_code == status, response.json
    assert error_of(response)["field"] == field


def test_only_your_public_workforce_takes_a_qualification(client: FlaskClient, acme: Headers, deps: Deps,
                                                          staff: tuple[int, int]) -> None:
    wf, _ = public_crowd(client, acme)
    other = requester_key(deps, "globex")

    assert client.put(f"/api/v1/workforces/{staff[0]}/qualification", json=QUAL, headers=acme).status_code == 404
    assert client.put(f"/api/v1/workforces/{wf}/qualification", json=QUAL, headers=other).status_code == 404
    stored = client.put(f"/api/v1/workforces/{wf}/qualification", json=QUAL, headers=acme)
    assert stored.status_code == 200 and stored.json["max_attempts"] == 2 and len(stored.json["items"]) == 3
    shown = client.get(f"/api/v1/workforces/{wf}/qualification", headers=acme).json
    assert shown["items"][1]["answer"] == {"label": "negative"}


def test_a_signed_up_labeler_must_pass_the_qualification_before_any_task(client: FlaskClient, acme: Headers,
                                                                         deps: Deps, manifest: str) -> None:
    wf, team = public_crowd(client, acme)
    create_job(client, acme, job_body(team, manifest, price_per_task_usd="0.012",
                                      task_availability_lifetime_seconds=3600))
    drain(deps)
    assert client.put(f"/api/v1/workforces/{wf}/qualification", json=QUAL, headers=acme).status_code == 200
    signed = client.post(f"/api/v1/workforces/{wf}/signup", json={"name": "sam"})
    assert signed.json["qualification_required"] is True
    sam = bearer(signed.json["token"])
    vouched = labeler(client, acme, wf, [team], "vip")  # added by the requester: never gated

    refused = client.post("/api/v1/work/next", json={}, headers=sam)
    assert refused.status_code == 403
    assert error_of(refused)["field"] == "qualification"
    assert "pass the workforce's qualification first" in error_of(refused)["message"]
    assert client.post("/api/v1/work/next", json={}, headers=vouched).status_code == 200

    shown = client.get("/api/v1/work/qualification", headers=sam).json
    assert shown["status"] == "required" and shown["attempts_left"] == 2 and shown["labels"] == QUAL["labels"]
    assert shown["items"] == [{"index": 0, "input": {"taskObject": "great"}},
                              {"index": 1, "input": {"taskObject": "awful"}},
                              {"index": 2, "input": {"taskObject": "superb"}}]
    assert client.get("/api/v1/work/me", headers=sam).json["qualification"] == "required"

    wrong_count = client.post("/api/v1/work/qualification", json={"answers": [{"label": "positive"}]}, headers=sam)
    assert wrong_count.status_code == 422 and error_of(wrong_count)["field"] == "answers"
    malformed = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [
        {"label": "positive"}, {"label": "meh"}, {"label": "positive"}]})
    assert malformed.status_code == 422 and error_of(malformed)["field"] == "answers[1].label"

    failed = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [
        {"label": "negative"}, {"label": "negative"}, {"label": "negative"}]})
    assert failed.json == {"passed": False, "score": 0.3333, "correct": 1, "total": 3, "attempts_left": 1}
    assert client.post("/api/v1/work/next", json={}, headers=sam).status_code == 403

    passed = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [
        {"label": "positive"}, {"crowd-classifier": {"label": "negative"}}, {"label": "negative"}]})
    assert passed.json == {"passed": True, "score": 0.6667, "correct": 2, "total": 3, "attempts_left": 0}
    assert client.post("/api/v1/work/next", json={}, headers=sam).status_code == 200  # at once, no cache wait
    assert client.get("/api/v1/work/qualification", headers=sam).json["status"] == "passed"
    again = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [{"label": "positive"}] * 3})
    assert again.status_code == 409

    with deps.sessions() as session:
        row = session.scalars(select(Labeler).where(Labeler.id == signed.json["id"])).one()
        assert row.qualification_attempts == 2 and row.qualified_at is not None
        events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "qualification")).all()
    assert [json.loads(e.detail)["passed"] for e in events] == [False, True]


def test_a_labeler_out_of_attempts_has_failed(client: FlaskClient, acme: Headers) -> None:
    wf, _ = public_crowd(client, acme)
    client.put(f"/api/v1/workforces/{wf}/qualification", json={**QUAL, "max_attempts": 1}, headers=acme)
    sam = bearer(client.post(f"/api/v1/workforces/{wf}/signup", json={"name": "sam"}).json["token"])

    first = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [{"label": "negative"}] * 3})

    assert first.json["passed"] is False and first.json["attempts_left"] == 0
    shown = client.get("/api/v1/work/qualification", headers=sam).json
    assert shown["status"] == "failed" and shown["attempts_left"] == 0
    assert client.post("/api/v1/work/qualification", headers=sam,
                       json={"answers": [{"label": "positive"}] * 3}).status_code == 409
    assert client.post("/api/v1/work/next", json={}, headers=sam).status_code == 403


def test_without_a_qualification_nothing_is_gated(client: FlaskClient, acme: Headers,
                                                  staff: tuple[int, int]) -> None:
    wf, _ = public_crowd(client, acme)
    sam = bearer(client.post(f"/api/v1/workforces/{wf}/signup", json={"name": "sam"}).json["token"])
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")

    assert client.post("/api/v1/work/next", json={}, headers=sam).status_code == 204
    for who in (sam, ana):
        shown = client.get("/api/v1/work/qualification", headers=who).json
        assert shown["status"] == "none" and shown["items"] == []
    assert client.post("/api/v1/work/qualification", headers=sam, json={"answers": []}).status_code == 404


def test_image_qualification_items_are_signed_links(client: FlaskClient, acme: Headers, tmp_path: Path) -> None:
    wf, _ = public_crowd(client, acme)
    ref = png(tmp_path, "q.png")
    body = {"task_type": "image-classification", "labels": ["cat", "dog"],
            "items": [{"source-ref": ref, "answer": {"crowd-image-classifier": {"label": "cat"}}}]}
    assert client.put(f"/api/v1/workforces/{wf}/qualification", json=body, headers=acme).status_code == 200
    sam = bearer(client.post(f"/api/v1/workforces/{wf}/signup", json={"name": "sam"}).json["token"])

    url = client.get("/api/v1/work/qualification", headers=sam).json["items"][0]["input"]["taskObject"]

    assert url.startswith("http://localhost/api/v1/blob?") and "sig=" in url
    image = fetch(client, url)
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert ref not in client.get("/api/v1/work/qualification", headers=sam).json["items"][0]["input"].values()


def test_a_mask_qualification_is_scored_by_pixels(client: FlaskClient, acme: Headers, tmp_path: Path) -> None:
    wf, _ = public_crowd(client, acme)
    body = {"task_type": "semantic-segmentation", "labels": ["cat"], "pass_ratio": 1.0,
            "items": [{"source-ref": png(tmp_path, "m.png"), "answer": mask_answer([(0, 0), (1, 0)])}]}
    bad = {**body, "items": [{"source-ref": png(tmp_path, "m.png"), "answer": {"crowd-semantic-segmentation": {
        **mask_answer([(0, 0)])["crowd-semantic-segmentation"], "labelMappings": {"cat": {"color": "#00ff00"}}}}}]}
    refused = client.put(f"/api/v1/workforces/{wf}/qualification", json=bad, headers=acme)
    assert refused.status_code == 422 and error_of(refused)["field"].startswith("items[0].answer")
    assert client.put(f"/api/v1/workforces/{wf}/qualification", json=body, headers=acme).status_code == 200
    sam = bearer(client.post(f"/api/v1/workforces/{wf}/signup", json={"name": "sam"}).json["token"])

    graded = client.post("/api/v1/work/qualification", headers=sam, json={"answers": [mask_answer([(0, 0)])]})

    assert graded.json["correct"] == 1 and graded.json["passed"] is True
    assert graded.json["score"] == round(11 / 12, 4)


# ------------------------------------------------------------------------------------------------ /work/me

def test_me_shows_earnings_jobs_and_gold_accuracy(client: FlaskClient, acme: Headers, deps: Deps,
                                                  staff: tuple[int, int], manifest: str) -> None:
    gold = {"items": [{"source": "gold 1", "answer": {"label": "positive"}}], "rate": 0.0}
    job = create_job(client, acme, job_body(staff[1], manifest, price_per_task_usd="0.05", gold=gold))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    labeled = label_all(client, ana, {"label": "positive"})

    me = client.get("/api/v1/work/me", headers=ana).json

    assert me["labeler"]["name"] == "ana" and me["labeler"]["workforce"] == {"id": staff[0], "name": "staff",
                                                                             "kind": "private"}
    assert me["qualification"] == "none"
    assert me["earnings_usd"] == "0.200" and me["tasks_paid"] == labeled == 4
    assert me["jobs"] == [{"id": job["id"], "name": "reviews", "title": "", "task_type": "text-classification",
                           "status": "InProgress", "answers": 4, "earnings_usd": "0.200", "gold_answers": 0,
                           "gold_accuracy": None, "available": True}]
    client.post(f"/api/v1/jobs/{job['id']}/stop", headers=acme)
    assert client.get("/api/v1/work/me", headers=ana).json["jobs"][0]["available"] is False


def test_me_counts_gold_accuracy(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int],
                                 manifest: str) -> None:
    gold = {"items": [{"source": f"gold {i}", "answer": {"label": "positive"}} for i in range(2)], "rate": 1.0}
    create_job(client, acme, job_body(staff[1], manifest, gold=gold))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    for answer in ("positive", "negative"):
        task = client.post("/api/v1/work/next", json={}, headers=ana).json
        client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {"label": answer}}, headers=ana)

    job = client.get("/api/v1/work/me", headers=ana).json["jobs"][0]

    assert job["gold_answers"] == 2 and job["gold_accuracy"] == 0.5 and job["answers"] == 2


def test_work_endpoints_need_a_labeler_token(client: FlaskClient, acme: Headers) -> None:
    for path in ("/api/v1/work/me", "/api/v1/work/qualification"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=acme).status_code == 401


# ------------------------------------------------------------------------------------------------ console data

def test_labelers_report_agreement_and_earnings_and_cost_names(client: FlaskClient, acme: Headers, deps: Deps,
                                                               staff: tuple[int, int], tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "two.manifest", text_lines(2))
    job = create_job(client, acme, job_body(staff[1], manifest, workers_per_object=3, price_per_task_usd="0.01"))
    drain(deps)
    crew = {name: labeler(client, acme, staff[0], [staff[1]], name) for name in ("ana", "bo", "cy")}
    label_all(client, crew["ana"], {"label": "positive"})
    label_all(client, crew["bo"], {"label": "positive"})
    label_all(client, crew["cy"], lambda task: {"label": "negative" if task["input"]["source"].endswith("0")
                                                else "positive"})
    settle(deps)

    report = {r["name"]: r for r in client.get(f"/api/v1/jobs/{job['id']}/labelers", headers=acme).json["items"]}

    assert report["ana"]["agreement"] == 1.0 and report["cy"]["agreement"] == 0.5
    assert report["ana"]["earnings_usd"] == "0.020"
    cost = client.get(f"/api/v1/jobs/{job['id']}", headers=acme).json["cost"]
    assert [(c["name"], c["usd"]) for c in cost["by_labeler"]] == [("ana", "0.020"), ("bo", "0.020"),
                                                                   ("cy", "0.020")]
    assert cost["by_workforce"][0]["name"] == "staff"


def test_agreement_is_null_before_consolidation(client: FlaskClient, acme: Headers, deps: Deps,
                                                staff: tuple[int, int], manifest: str) -> None:
    job = create_job(client, acme, job_body(staff[1], manifest, workers_per_object=2))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    label_all(client, ana, {"label": "positive"})

    report = client.get(f"/api/v1/jobs/{job['id']}/labelers", headers=acme).json["items"]

    assert report[0]["agreement"] is None and report[0]["earnings_usd"] == "0.000"


def test_boxes_agreement(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int],
                         tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "b.manifest", [json.dumps({"source-ref": png(tmp_path, "b.png", (40, 30))})])
    job = create_job(client, acme, job_body(staff[1], manifest, name="boxes", task_type="bounding-box",
                                            label_attribute_name="boxes", labels=["car", "bike"]))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    label_all(client, ana, {"crowd-bounding-box": {
        "boundingBoxes": [{"label": "car", "left": 1, "top": 1, "width": 10, "height": 8}],
        "inputImageProperties": {"width": 40, "height": 30}}})
    settle(deps)

    report = client.get(f"/api/v1/jobs/{job['id']}/labelers", headers=acme).json["items"]

    assert report[0]["agreement"] == 1.0


def test_the_gallery_pages_through_labeled_images_with_signed_links(client: FlaskClient, acme: Headers,
                                                                    deps: Deps, staff: tuple[int, int],
                                                                    tmp_path: Path) -> None:
    refs = [png(tmp_path, f"g{i}.png") for i in range(3)]
    lines = [json.dumps({"source-ref": ref}) for ref in refs] + ['{"source": "wrong key"}']
    manifest = write_manifest(tmp_path / "g.manifest", lines)
    job = create_job(client, acme, job_body(staff[1], manifest, name="pets", task_type="image-classification",
                                            label_attribute_name="pet", labels=["cat", "dog"]))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    label_all(client, ana, {"crowd-image-classifier": {"label": "dog"}})
    settle(deps)

    first = client.get(f"/api/v1/jobs/{job['id']}/gallery?limit=2", headers=acme).json
    rest = client.get(f"/api/v1/jobs/{job['id']}/gallery?limit=2&cursor={first['next_cursor']}", headers=acme).json
    failed = client.get("/api/v1/jobs/pets/gallery?state=failed", headers=acme).json

    items = first["items"] + rest["items"]
    assert [i["line_no"] for i in items] == [0, 1, 2, 3] and rest["next_cursor"] == "3"
    last = client.get(f"/api/v1/jobs/{job['id']}/gallery?limit=2&cursor=3", headers=acme).json
    assert last == {"items": [], "next_cursor": None}
    assert first["next_cursor"] == "1"
    item = items[0]
    assert item["state"] == "labeled" and item["label"] == 1 and item["class_name"] == "dog"
    assert item["human"] is True and item["answers"] == 1 and item["mask_url"] is None
    assert 0 <= item["confidence"] <= 1 and item["source"] is None
    assert item["media_url"].startswith("http://localhost/api/v1/blob?")
    assert fetch(client, item["media_url"]).data.startswith(b"\x89PNG")
    assert items[3]["state"] == "failed" and items[3]["label"] is None and items[3]["media_url"] is None
    assert [i["line_no"] for i in failed["items"]] == [3]
    assert client.get(f"/api/v1/jobs/{job['id']}/gallery", headers=requester_key(deps, "globex")).status_code == 404
    assert client.get(f"/api/v1/jobs/{job['id']}/gallery?state=gold", headers=acme).status_code == 422


def test_the_gallery_links_the_consolidated_mask(client: FlaskClient, acme: Headers, deps: Deps,
                                                 staff: tuple[int, int], tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "s.manifest", [json.dumps({"source-ref": png(tmp_path, "s.png")})])
    job = create_job(client, acme, job_body(staff[1], manifest, name="seg", task_type="semantic-segmentation",
                                            label_attribute_name="seg-ref", labels=["cat"]))
    drain(deps)
    ana = labeler(client, acme, staff[0], [staff[1]], "ana")
    label_all(client, ana, mask_answer([(0, 0), (1, 1)]))
    settle(deps)

    item = client.get(f"/api/v1/jobs/{job['id']}/gallery", headers=acme).json["items"][0]

    assert item["state"] == "labeled" and isinstance(item["label"], str)
    mask = fetch(client, item["mask_url"])
    assert mask.status_code == 200 and mask.data.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(mask.data)).size == (4, 3)
    report = client.get(f"/api/v1/jobs/{job['id']}/labelers", headers=acme).json["items"]
    assert report[0]["agreement"] is None  # masks are not compared in the report
