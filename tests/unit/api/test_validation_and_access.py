"""The REST API in-process: request validation that names the field, who may see and touch what, media links,
uploads, label-category files, public sign-up, pagination and /metrics."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask.testing import FlaskClient

from services.api.app import create_app
from shared.bootstrap import Deps
from shared.services.accounts import create_api_key
from shared.services.media import sign_media
from tests.helpers import drain, text_lines, write_manifest

Headers = dict[str, str]


@pytest.fixture
def client(deps: Deps) -> FlaskClient:
    return create_app(deps=deps).test_client()


def requester_key(deps: Deps, name: str) -> Headers:
    with deps.sessions.begin() as session:
        key = create_api_key(session, deps.clock, name)
    return {"Authorization": f"Bearer {key.token}"}


@pytest.fixture
def acme(deps: Deps) -> Headers:
    return requester_key(deps, "acme")


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    return write_manifest(tmp_path / "in.manifest", text_lines(4))


def workforce(client: FlaskClient, auth: Headers, name: str, kind: str = "private",
              vendor_price: str | None = None) -> int:
    body: dict[str, Any] = {"name": name, "kind": kind}
    if vendor_price is not None:
        body["vendor_price_usd"] = vendor_price
    made = client.post("/api/v1/workforces", json=body, headers=auth)
    assert made.status_code == 201, made.json
    return int(made.json["id"])


def workteam(client: FlaskClient, auth: Headers, workforce_id: int, name: str) -> int:
    made = client.post("/api/v1/workteams", json={"name": name, "workforce_id": workforce_id}, headers=auth)
    assert made.status_code == 201, made.json
    return int(made.json["id"])


def labeler(client: FlaskClient, auth: Headers, workforce_id: int, teams: list[int], name: str) -> Headers:
    made = client.post("/api/v1/labelers", headers=auth,
                       json={"name": name, "workforce_id": workforce_id, "workteam_ids": teams})
    assert made.status_code == 201, made.json
    return {"Authorization": f"Bearer {made.json['token']}"}


@pytest.fixture
def staff(client: FlaskClient, acme: Headers) -> tuple[int, int]:
    wf = workforce(client, acme, "staff")
    return wf, workteam(client, acme, wf, "team-a")


def job_body(team_id: int, manifest_uri: str | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "reviews", "task_type": "text-classification", "labels": ["negative", "positive"],
        "manifest_uri": manifest_uri, "workteam_id": team_id, "workers_per_object": 1,
        "label_attribute_name": "sentiment",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create_job(client: FlaskClient, auth: Headers, body: dict[str, Any]) -> dict[str, Any]:
    made = client.post("/api/v1/jobs", json=body, headers=auth)
    assert made.status_code == 201, made.json
    return dict(made.json)


def error_of(response: Any) -> dict[str, Any]:
    assert response.is_json, response.data[:200]
    return dict(response.json["error"])


# ---------------------------------------------------------------------------------------------------- validation

DROP = object()

BAD_JOBS = [
    pytest.param({"name": DROP}, 422, "body.name", id="missing-name"),
    pytest.param({"name": "no spaces allowed"}, 422, "name", id="bad-name"),
    pytest.param({"workers_per_object": 10}, 422, "body.workers_per_object", id="ten-workers"),
    pytest.param({"workers_per_object": 0}, 422, "body.workers_per_object", id="no-workers"),
    pytest.param({"task_type": "video-object-tracking"}, 422, "body.task_type", id="bad-task-type"),
    pytest.param({"label_attribute_name": "sentiment-metadata"}, 422, "label_attribute_name", id="attr-metadata"),
    pytest.param({"label_attribute_name": "sentiment-ref"}, 422, "label_attribute_name", id="attr-ref"),
    pytest.param({"label_attribute_name": "source"}, 422, "label_attribute_name", id="attr-reserved"),
    pytest.param({"labels": ["cat", "dog", "cat"]}, 422, "labels[2]", id="duplicate-label"),
    pytest.param({"labels": ["only"]}, 422, "labels", id="one-label"),
    pytest.param({"labels": ["cat", ""]}, 422, "labels[1]", id="empty-label"),
    pytest.param({"labels": DROP}, 422, "labels", id="no-labels"),
    pytest.param({"manifest_uri": "http://example.com/in.manifest"}, 422, "manifest_uri", id="http-manifest"),
    pytest.param({"manifest_uri": "file:///etc/passwd"}, 422, "manifest_uri", id="manifest-outside-roots"),
    pytest.param({"manifest_uri": DROP}, 422, "manifest_uri", id="no-manifest"),
    pytest.param({"output_uri": "ftp://host/out"}, 422, "output_uri", id="ftp-output"),
    pytest.param({"colour": "blue"}, 422, "body.colour", id="unknown-field"),
    pytest.param({"price_per_task_usd": "0.0000001"}, 422, "body.price_per_task_usd", id="sub-micro-price"),
    pytest.param({"task_time_limit_seconds": 5}, 422, "body.task_time_limit_seconds", id="short-lease"),
    pytest.param({"workteam_id": 999}, 404, "workteam_id", id="unknown-team"),
    pytest.param({"label_category_config_uri": "file:///nowhere/labels.json"}, 422, "labels",
                 id="labels-and-label-file"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_JOBS)
def test_a_bad_create_job_request_gets_an_error_that_names_the_field(
        client: FlaskClient, acme: Headers, staff: tuple[int, int], manifest: str,
        change: dict[str, Any], status: int, field: str) -> None:
    body = job_body(staff[1], manifest)
    for key, value in change.items():
        if value is DROP:
            body.pop(key)
        else:
            body[key] = value

    response = client.post("/api/v1/jobs", json=body, headers=acme)

    assert response.status_code == status, response.json
    error = error_of(response)
    assert error["field"] == field
    assert field in error["message"]
    assert client.get("/api/v1/jobs", headers=acme).json["items"] == []


def test_a_public_workforce_accepts_only_mturk_prices(client: FlaskClient, acme: Headers, manifest: str) -> None:
    team = workteam(client, acme, workforce(client, acme, "crowd", "public"), "crowd-team")
    lifetime = {"task_availability_lifetime_seconds": 43_200}

    odd = client.post("/api/v1/jobs", headers=acme,
                      json=job_body(team, manifest, price_per_task_usd="0.05", **lifetime))
    free = client.post("/api/v1/jobs", headers=acme, json=job_body(team, manifest, **lifetime))
    too_long = client.post("/api/v1/jobs", headers=acme, json=job_body(team, manifest, price_per_task_usd="0.036",
                                                                        task_availability_lifetime_seconds=43_201))
    fine = client.post("/api/v1/jobs", headers=acme, json=job_body(team, manifest, price_per_task_usd="0.036",
                                                                    **lifetime))

    for refused in (odd, free):
        assert refused.status_code == 422
        assert error_of(refused)["field"] == "price_per_task_usd"
        assert "0.012" in error_of(refused)["message"]
    assert too_long.status_code == 422 and error_of(too_long)["field"] == "task_availability_lifetime_seconds"
    assert fine.status_code == 201 and fine.json["price_per_task_usd"] == "0.036"


def test_a_vendor_job_pays_the_agreed_price_and_refuses_another(client: FlaskClient, acme: Headers,
                                                                manifest: str) -> None:
    team = workteam(client, acme, workforce(client, acme, "vendorco", "vendor", "0.5"), "vendor-team")

    other = client.post("/api/v1/jobs", headers=acme, json=job_body(team, manifest, price_per_task_usd="0.4"))
    agreed = client.post("/api/v1/jobs", headers=acme, json=job_body(team, manifest))

    assert other.status_code == 422 and error_of(other)["field"] == "price_per_task_usd"
    assert "0.500" in error_of(other)["message"]
    assert agreed.status_code == 201 and agreed.json["price_per_task_usd"] == "0.500"


def test_a_vendor_workforce_needs_a_price_and_others_must_not_have_one(client: FlaskClient, acme: Headers) -> None:
    no_price = client.post("/api/v1/workforces", json={"name": "v", "kind": "vendor"}, headers=acme)
    priced = client.post("/api/v1/workforces", json={"name": "p", "kind": "private", "vendor_price_usd": "1"},
                         headers=acme)
    bad_kind = client.post("/api/v1/workforces", json={"name": "k", "kind": "robots"}, headers=acme)

    assert no_price.status_code == 422 and error_of(no_price)["field"] == "vendor_price_usd"
    assert priced.status_code == 422 and error_of(priced)["field"] == "vendor_price_usd"
    assert bad_kind.status_code == 422 and error_of(bad_kind)["field"] == "body.kind"


@pytest.mark.parametrize(("data", "content_type", "status"), [
    ("{not json", "application/json", 400),
    ("name=reviews", "application/x-www-form-urlencoded", 400),
    ("[1, 2]", "application/json", 422),
    ("\"reviews\"", "application/json", 422),
])
def test_a_body_that_is_not_a_json_object_is_refused_naming_the_body(
        client: FlaskClient, acme: Headers, data: str, content_type: str, status: int) -> None:
    response = client.post("/api/v1/jobs", data=data, content_type=content_type, headers=acme)

    assert response.status_code == status
    assert error_of(response)["field"] == "body"
    assert "body" in error_of(response)["message"]


def test_a_bad_query_parameter_is_named(client: FlaskClient, acme: Headers) -> None:
    response = client.get("/api/v1/jobs?limit=0", headers=acme)

    assert response.status_code == 422 and error_of(response)["field"] == "query.limit"


def test_a_job_name_is_unique_ignoring_case(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                            manifest: str) -> None:
    create_job(client, acme, job_body(staff[1], manifest, name="Reviews"))

    again = client.post("/api/v1/jobs", headers=acme, json=job_body(staff[1], manifest, name="REVIEWS"))

    assert again.status_code == 409 and error_of(again)["field"] == "name"
    assert "reviews" in error_of(again)["message"].lower()
    assert [j["name"] for j in client.get("/api/v1/jobs", headers=acme).json["items"]] == ["Reviews"]


# ---------------------------------------------------------------------------------------------------- access


def test_a_requester_sees_only_its_own_jobs(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                            manifest: str, deps: Deps) -> None:
    mine = create_job(client, acme, job_body(staff[1], manifest, name="mine"))
    other = requester_key(deps, "globex")
    theirs = create_job(client, other, job_body(workteam(client, other, workforce(client, other, "crew"), "crew-a"),
                                                manifest, name="theirs"))
    drain(deps)

    for ref in (str(theirs["id"]), "theirs", "THEIRS"):
        assert client.get(f"/api/v1/jobs/{ref}", headers=acme).status_code == 404
        for sub in ("objects", "audit", "output"):
            assert client.get(f"/api/v1/jobs/{ref}/{sub}", headers=acme).status_code == 404
        assert client.post(f"/api/v1/jobs/{ref}/stop", headers=acme).status_code == 404
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=acme).json["items"]] == [mine["id"]]
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=other).json["items"]] == [theirs["id"]]
    assert client.get(f"/api/v1/jobs/{theirs['id']}", headers=other).json["status"] == "InProgress"
    borrowed = client.post("/api/v1/jobs", headers=other, json=job_body(staff[1], manifest, name="borrowed"))
    assert borrowed.status_code == 404 and error_of(borrowed)["field"] == "workteam_id"
    listed = client.get("/api/v1/workteams", headers=other).json["items"]
    assert staff[1] not in [t["id"] for t in listed]


def test_a_labeler_sees_and_gets_only_the_jobs_of_its_workteams(client: FlaskClient, acme: Headers, deps: Deps,
                                                                 staff: tuple[int, int], manifest: str) -> None:
    wf, team_a = staff
    team_b = workteam(client, acme, wf, "team-b")
    job_a = create_job(client, acme, job_body(team_a, manifest, name="for-a", workers_per_object=2))
    job_b = create_job(client, acme, job_body(team_b, manifest, name="for-b", workers_per_object=2))
    drain(deps)
    only_a = labeler(client, acme, wf, [team_a], "only-a")
    both = labeler(client, acme, wf, [team_a, team_b], "both")

    assert [j["name"] for j in client.get("/api/v1/work/jobs", headers=only_a).json["items"]] == ["for-a"]
    assert [j["name"] for j in client.get("/api/v1/work/jobs", headers=both).json["items"]] == ["for-a", "for-b"]
    assert client.post("/api/v1/work/next", json={"job_id": job_b["id"]}, headers=only_a).status_code == 204
    pulled = []
    while (task := client.post("/api/v1/work/next", json={}, headers=only_a)).status_code == 200:
        pulled.append(task.json["job_id"])
    assert task.status_code == 204
    assert pulled == [job_a["id"]] * 4
    from_b = client.post("/api/v1/work/next", json={"job_id": job_b["id"]}, headers=both)
    assert from_b.status_code == 200 and from_b.json["job_name"] == "for-b"


@pytest.mark.parametrize("action", ["submit", "extend", "decline"])
def test_a_labeler_cannot_act_on_another_labelers_assignment(client: FlaskClient, acme: Headers, deps: Deps,
                                                             staff: tuple[int, int], manifest: str,
                                                             action: str) -> None:
    wf, team = staff
    create_job(client, acme, job_body(team, manifest))
    drain(deps)
    owner, intruder = labeler(client, acme, wf, [team], "owner"), labeler(client, acme, wf, [team], "intruder")
    task = client.post("/api/v1/work/next", json={}, headers=owner).json
    body = {"answer": {"label": "positive"}} if action == "submit" else None

    response = client.post(f"/api/v1/work/{task['assignment_id']}/{action}", json=body, headers=intruder)

    assert response.status_code == 404 and error_of(response)["field"] == "assignment_id"
    assert client.post(f"/api/v1/work/{task['assignment_id']}/extend", headers=owner).status_code == 200


def test_a_submit_with_an_answer_outside_the_labels_is_refused_naming_it(client: FlaskClient, acme: Headers,
                                                                         deps: Deps, staff: tuple[int, int],
                                                                         manifest: str) -> None:
    create_job(client, acme, job_body(staff[1], manifest))
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "lab")
    task = client.post("/api/v1/work/next", json={}, headers=lab).json

    wrong = client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {"label": "meh"}}, headers=lab)
    empty = client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {}}, headers=lab)
    element = client.post(f"/api/v1/work/{task['assignment_id']}/submit", headers=lab,
                          json={"answer": {"crowd-classifier": {"label": "negative"}}})

    assert wrong.status_code == 422 and error_of(wrong)["field"] == "answer.label"
    assert empty.status_code == 422 and error_of(empty)["field"] == "body.answer"
    assert element.status_code == 200 and element.json["answer"] == {"label": "negative"}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearer gwk_not-a-key",
                                    "Bearer gwl_not-a-token", "Bearer nonsense"])
def test_a_missing_or_unknown_bearer_token_gets_401(client: FlaskClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}

    for path, method in (("/api/v1/jobs", "GET"), ("/api/v1/workforces", "GET"), ("/api/v1/work/jobs", "GET"),
                         ("/api/v1/work/next", "POST"), ("/api/v1/jobs/1/stop", "POST")):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 401, path
        assert error_of(response)["field"] == "Authorization"


def test_a_requester_key_is_no_labeler_token_and_the_other_way_round(client: FlaskClient, acme: Headers,
                                                                     staff: tuple[int, int]) -> None:
    lab = labeler(client, acme, staff[0], [staff[1]], "lab")

    assert client.post("/api/v1/work/next", json={}, headers=acme).status_code == 401
    assert client.get("/api/v1/jobs", headers=lab).status_code == 401


# ---------------------------------------------------------------------------------------------------- media

PNG = bytes.fromhex("89504e470d0a1a0a") + b"not really an image, but bytes all the same"


def lease_image_task(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int],
                     tmp_path: Path) -> tuple[Headers, dict[str, Any]]:
    """A one-image job on a file:// PNG, and a labeler holding its task."""
    image = tmp_path / "images" / "cat 1.png"
    image.parent.mkdir()
    image.write_bytes(PNG)
    uri = write_manifest(tmp_path / "images.manifest", [json.dumps({"source-ref": image.as_uri()})])
    create_job(client, acme, job_body(staff[1], uri, task_type="image-classification", labels=["cat", "dog"],
                                      label_attribute_name="animal"))
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "lab")
    task = client.post("/api/v1/work/next", json={}, headers=lab)
    assert task.status_code == 200, task.json
    return lab, dict(task.json)


@pytest.fixture
def image_task(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int],
               tmp_path: Path) -> tuple[Headers, dict[str, Any]]:
    return lease_image_task(client, acme, deps, staff, tmp_path)


def test_a_signed_media_link_serves_the_bytes_of_a_file_image(client: FlaskClient,
                                                              image_task: tuple[Headers, dict[str, Any]]) -> None:
    _, task = image_task
    link = urlparse(task["input"]["taskObject"])

    response = client.get(f"{link.path}?{link.query}")

    assert task["input"]["taskObject"].startswith("http://localhost/api/v1/media/")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"


def test_media_links_use_the_public_base_url_when_one_is_set(client: FlaskClient, deps: Deps, acme: Headers,
                                                             staff: tuple[int, int], tmp_path: Path) -> None:
    deps.settings = deps.settings.with_overrides(public_base_url="https://label.example.com")

    _, task = lease_image_task(client, acme, deps, staff, tmp_path)

    assert task["input"]["taskObject"].startswith("https://label.example.com/api/v1/media/")


def test_a_tampered_or_expired_media_link_is_refused(client: FlaskClient, deps: Deps,
                                                     image_task: tuple[Headers, dict[str, Any]]) -> None:
    _, task = image_task
    aid = task["assignment_id"]
    link = urlparse(task["input"]["taskObject"])
    exp, sig = parse_qs(link.query)["exp"][0], parse_qs(link.query)["sig"][0]
    past = int(time.time()) - 1
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")

    for query in (f"exp={exp}&sig={flipped}", f"exp={int(exp) + 1}&sig={sig}", f"exp={exp}", "",
                  f"exp=soon&sig={sig}", f"exp={past}&sig={sign_media(deps.settings.secret_key, aid, past)}",
                  f"exp={exp}&sig={sign_media('another-secret', aid, int(exp))}"):
        response = client.get(f"/api/v1/media/{aid}?{query}")
        assert response.status_code == 403, query
        assert error_of(response)["field"] == "sig"
    assert client.get(f"/api/v1/media/{aid + 1}?exp={exp}&sig={sig}").status_code == 403  # another assignment
    assert client.get(f"/api/v1/media/{aid}?exp={exp}&sig={sig}").status_code == 200


# ---------------------------------------------------------------------------------------------------- creating jobs


def test_a_multipart_upload_creates_a_job_that_ingests(client: FlaskClient, acme: Headers, deps: Deps,
                                                       staff: tuple[int, int]) -> None:
    lines = "".join(line + "\n" for line in text_lines(5)).encode()
    body = job_body(staff[1], None, name="uploaded")

    made = client.post("/api/v1/jobs", headers=acme, content_type="multipart/form-data",
                       data={"job": json.dumps(body), "manifest": (io.BytesIO(lines), "in.manifest")})
    assert made.status_code == 201, made.json
    drain(deps)

    job = client.get("/api/v1/jobs/uploaded", headers=acme).json
    assert job["status"] == "InProgress" and job["objects_by_state"] == {"open": 5}
    assert job["manifest_uri"].endswith(f"/uploads/{job['id']}/input.manifest")
    assert deps.blobs.read_bytes(job["manifest_uri"]) == lines


@pytest.mark.parametrize(("data", "field"), [
    ({"job": "{not json"}, "job"),
    ({"job": json.dumps({"name": "x"})}, "manifest"),
    ({}, "manifest"),
])
def test_a_bad_multipart_upload_names_the_part(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                               data: dict[str, Any], field: str) -> None:
    payload = dict(data)
    if field == "job":
        payload["manifest"] = (io.BytesIO(b'{"source": "x"}\n'), "in.manifest")

    made = client.post("/api/v1/jobs", headers=acme, content_type="multipart/form-data", data=payload)

    assert made.status_code == 422 and error_of(made)["field"] == field


def test_a_multipart_job_that_fails_validation_names_the_field_inside_the_job_part(
        client: FlaskClient, acme: Headers, staff: tuple[int, int]) -> None:
    body = job_body(staff[1], None, workers_per_object=10)

    made = client.post("/api/v1/jobs", headers=acme, content_type="multipart/form-data",
                       data={"job": json.dumps(body), "manifest": (io.BytesIO(b'{"source": "x"}\n'), "m")})

    assert made.status_code == 422 and error_of(made)["field"] == "job.workers_per_object"


LABEL_FILE = {
    "document-version": "2018-11-28",
    "labels": [{"label": "zebra"}, {"label": "apple"}, {"label": "mango"}],
    "instructions": {"shortInstruction": "Pick the fruit", "fullInstruction": "<p>Zebras are not fruit</p>"},
}


@pytest.mark.parametrize("how", ["inline", "uri", "uri-without-version"])
def test_a_label_category_file_sets_the_labels_and_their_order_fixes_class_indices(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], manifest: str, tmp_path: Path,
        how: str) -> None:
    body = job_body(staff[1], manifest, labels=None)
    if how == "inline":
        body["label_category_config"] = LABEL_FILE
    else:
        doc = {k: v for k, v in LABEL_FILE.items() if how == "uri" or k != "document-version"}
        (tmp_path / "labels.json").write_text(json.dumps(doc))
        body["label_category_config_uri"] = (tmp_path / "labels.json").as_uri()

    job = create_job(client, acme, body)
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "lab")
    while (task := client.post("/api/v1/work/next", json={}, headers=lab)).status_code == 200:
        assert task.json["labels"] == ["zebra", "apple", "mango"]
        assert task.json["instructions"] == {"short": "Pick the fruit", "full": "<p>Zebras are not fruit</p>"}
        client.post(f"/api/v1/work/{task.json['assignment_id']}/submit", json={"answer": {"label": "mango"}},
                    headers=lab)
    from shared.services import lifecycle

    lifecycle.sweep(deps)
    drain(deps)
    lifecycle.sweep(deps)
    drain(deps)

    assert job["labels"] == ["zebra", "apple", "mango"]
    objects = client.get(f"/api/v1/jobs/{job['id']}/objects", headers=acme).json["items"]
    assert [o["label"]["class_index"] for o in objects] == [2, 2, 2, 2]
    output = client.get(f"/api/v1/jobs/{job['id']}/output", headers=acme)
    assert output.status_code == 200, output.json
    rows = [json.loads(line) for line in output.data.decode().splitlines()]
    assert {(r["sentiment"], r["sentiment-metadata"]["class-name"]) for r in rows} == {(2, "mango")}


@pytest.mark.parametrize(("change", "field"), [
    ({"label_category_config": {"labels": [{"label": "a"}, {"label": "a"}]}}, "label_category_config.labels[1]"),
    ({"label_category_config": {"labels": "a,b"}}, "label_category_config"),
    ({"label_category_config": {"labels": [{"name": "a"}, {"label": "b"}]}}, "label_category_config.labels[0]"),
    ({"label_category_config_uri": "file:///nowhere/labels.json"}, "label_category_config_uri"),
    ({"label_category_config": {"labels": [{"label": "a"}, {"label": "b"}]}, "labels": ["a", "b"]},
     "label_category_config"),
])
def test_a_bad_label_category_file_is_refused_naming_it(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                                        manifest: str, change: dict[str, Any], field: str) -> None:
    body = job_body(staff[1], manifest, labels=None)
    body.update(change)

    response = client.post("/api/v1/jobs", headers=acme, json=body)

    assert response.status_code == 422, response.json
    assert error_of(response)["field"] == field


def test_a_label_category_uri_that_is_not_json_is_refused(client: FlaskClient, acme: Headers, tmp_path: Path,
                                                          staff: tuple[int, int], manifest: str) -> None:
    (tmp_path / "labels.json").write_text("labels: a, b")
    body = job_body(staff[1], manifest, labels=None, label_category_config_uri=(tmp_path / "labels.json").as_uri())

    response = client.post("/api/v1/jobs", headers=acme, json=body)

    assert response.status_code == 422 and error_of(response)["field"] == "label_category_config_uri"


# ---------------------------------------------------------------------------------------------------- public sign-up


def test_signing_up_to_a_public_workforce_gives_a_token_that_pulls_its_teams_tasks(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], manifest: str) -> None:
    crowd = workforce(client, acme, "crowd", "public")
    crowd_team = workteam(client, acme, crowd, "crowd-team")
    public_job = create_job(client, acme, job_body(crowd_team, manifest, name="public-job", price_per_task_usd="0.012",
                                                   task_availability_lifetime_seconds=3600))
    create_job(client, acme, job_body(staff[1], manifest, name="private-job"))
    drain(deps)

    signed = client.post(f"/api/v1/workforces/{crowd}/signup", json={"name": "turker", "email": "t@example.com"})
    assert signed.status_code == 201, signed.json
    assert signed.json["workteam_ids"] == [crowd_team] and signed.json["token"].startswith("gwl_")
    turker = {"Authorization": f"Bearer {signed.json['token']}"}

    assert [j["name"] for j in client.get("/api/v1/work/jobs", headers=turker).json["items"]] == ["public-job"]
    task = client.post("/api/v1/work/next", json={}, headers=turker)
    assert task.status_code == 200 and task.json["job_id"] == public_job["id"]
    paid = client.post(f"/api/v1/work/{task.json['assignment_id']}/submit", json={"answer": {"label": "positive"}},
                       headers=turker)
    assert paid.status_code == 200
    cost = client.get("/api/v1/jobs/public-job", headers=acme).json["cost"]
    assert cost["by_kind"] == {"worker_pay": "0.012"}


def test_only_a_public_workforce_takes_sign_ups(client: FlaskClient, staff: tuple[int, int]) -> None:
    private = client.post(f"/api/v1/workforces/{staff[0]}/signup", json={"name": "sneaky"})
    missing = client.post("/api/v1/workforces/9999/signup", json={"name": "lost"})
    bad_email = client.post(f"/api/v1/workforces/{staff[0]}/signup", json={"name": "x", "email": "not-an-email"})

    assert private.status_code == 404 and error_of(private)["field"] == "workforce_id"
    assert missing.status_code == 404
    assert bad_email.status_code == 422 and error_of(bad_email)["field"] == "body.email"


# ---------------------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_listing_jobs_page_by_page_visits_every_job_exactly_once(client: FlaskClient, acme: Headers, deps: Deps,
                                                                 staff: tuple[int, int], manifest: str,
                                                                 limit: int) -> None:
    other = requester_key(deps, "globex")
    their_team = workteam(client, other, workforce(client, other, "crew"), "crew-a")
    mine = []
    for i in range(7):
        mine.append(create_job(client, acme, job_body(staff[1], manifest, name=f"mine-{i}"))["id"])
        if i % 3 == 0:
            create_job(client, other, job_body(their_team, manifest, name=f"theirs-{i}"))

    seen: list[int] = []
    cursor: str | None = None
    for _ in range(20):
        page = client.get("/api/v1/jobs", headers=acme,
                          query_string={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.json
        assert len(page.json["items"]) <= limit
        seen += [j["id"] for j in page.json["items"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break

    assert seen == mine


def test_metrics_serves_groundwork_metric_names(client: FlaskClient, acme: Headers, deps: Deps,
                                                staff: tuple[int, int], manifest: str) -> None:
    create_job(client, acme, job_body(staff[1], manifest))
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "lab")
    task = client.post("/api/v1/work/next", json={}, headers=lab).json
    client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {"label": "positive"}}, headers=lab)

    response = client.get("/metrics")

    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.data.decode()
    for name in ("groundwork_tasks_leased_total", "groundwork_answers_submitted_total",
                 "groundwork_objects_ingested_total", "groundwork_http_request_seconds"):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
    assert 'groundwork_objects{job="reviews",state="open"} 3.0' in text
    assert 'groundwork_objects{job="reviews",state="answered"} 1.0' in text
    assert 'groundwork_jobs{status="InProgress"} 1.0' in text
    assert 'groundwork_answers_submitted_total{job="reviews"}' in text
