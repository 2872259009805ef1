"""Real-time human review through the REST API in-process: flow definitions, human loops that go to people or
complete at once, stop and delete, A2I's output.json, and errors that name the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from shared.bootstrap import Deps
from shared.services import lifecycle
from tests.helpers import drain
from tests.unit.api.test_validation_and_access import Headers, error_of, labeler

FLOWS = "/api/v1/flow-definitions"
LOOPS = "/api/v1/human-loops"


def flow_body(team_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "reviews", "task_type": "text-classification", "labels": ["negative", "positive"],
        "workteam_id": team_id, "task_count": 2, "title": "Check the sentiment",
        "description": "Is this review positive or negative?", "price_per_task_usd": "0.036",
        "activation_conditions": {"confidence_below": 0.8},
    }
    body.update(overrides)
    return body


def make_flow(client: FlaskClient, auth: Headers, team_id: int, **overrides: Any) -> dict[str, Any]:
    made = client.post(FLOWS, json=flow_body(team_id, **overrides), headers=auth)
    assert made.status_code == 201, made.json
    return dict(made.json)


def start(client: FlaskClient, auth: Headers, name: str, text: str = "great food",
          prediction: dict[str, Any] | None = None, flow: str = "reviews") -> Any:
    body: dict[str, Any] = {"flow_definition_name": flow, "human_loop_name": name, "input": {"source": text}}
    if prediction is not None:
        body["prediction"] = prediction
    return client.post(LOOPS, json=body, headers=auth)


def settle(deps: Deps, rounds: int = 3) -> None:
    for _ in range(rounds):
        lifecycle.sweep(deps)
        drain(deps)


@pytest.fixture
def team(client: FlaskClient, acme: Headers, staff: tuple[int, int]) -> tuple[int, list[Headers]]:
    workforce_id, team_id = staff
    return team_id, [labeler(client, acme, workforce_id, [team_id], f"lab{i}") for i in range(2)]


def test_an_unsure_prediction_goes_to_people_and_the_output_lists_every_answer(
        client: FlaskClient, deps: Deps, acme: Headers, team: tuple[int, list[Headers]]) -> None:
    team_id, labelers = team
    flow = make_flow(client, acme, team_id)
    assert flow["status"] == "Active" and flow["task_count"] == 2
    assert flow["flow_definition_arn"].endswith(":flow-definition/reviews")

    started = start(client, acme, "loop-1", prediction={"label": "positive", "confidence": 0.55})

    assert started.status_code == 201, started.json
    assert started.json["status"] == "InProgress" and started.json["activated"] is True
    for who, answer in zip(labelers, ["positive", "positive"], strict=True):
        task = client.post("/api/v1/work/next", json={}, headers=who)
        assert task.status_code == 200, task.data
        assert task.json["input"]["source"] == "great food"
        assert task.json["title"] == "Check the sentiment"
        done = client.post(f"/api/v1/work/{task.json['assignment_id']}/submit", json={"answer": {"label": answer}},
                           headers=who)
        assert done.status_code == 200, done.json
    settle(deps)

    loop = client.get(f"{LOOPS}/loop-1", headers=acme).json
    assert loop["status"] == "Completed", loop
    assert loop["output_uri"].endswith("/reviews/" + loop["created_at"][:19].replace("-", "/").replace("T", "/")
                                       .replace(":", "/") + "/loop-1/output.json")
    output = json.loads(deps.blobs.read_bytes(loop["output_uri"]))
    assert output["humanLoopName"] == "loop-1"
    assert output["flowDefinitionArn"] == flow["flow_definition_arn"]
    assert output["inputContent"] == {"source": "great food"}
    assert [a["answerContent"] for a in output["humanAnswers"]] == [{"crowd-classifier": {"label": "positive"}}] * 2
    assert len({a["workerId"] for a in output["humanAnswers"]}) == 2
    consolidated = output["groundworkConsolidatedAnswer"]
    assert consolidated["label"] == "positive" and consolidated["source"] == "humans"
    assert 0.5 < consolidated["confidence"] <= 1
    # The flow's job is standing: no loop left, and still it runs.
    assert client.get(f"{FLOWS}/reviews", headers=acme).json["status"] == "Active"
    assert client.get(f"/api/v1/jobs/{flow['job_id']}", headers=acme).json["status"] == "InProgress"


def test_a_sure_prediction_completes_at_once_without_people(
        client: FlaskClient, deps: Deps, acme: Headers, team: tuple[int, list[Headers]]) -> None:
    team_id, labelers = team
    make_flow(client, acme, team_id)

    started = start(client, acme, "sure", prediction={"label": "negative", "confidence": 0.93})

    assert started.status_code == 201, started.json
    assert started.json["status"] == "Completed" and started.json["activated"] is False
    output = json.loads(deps.blobs.read_bytes(started.json["output_uri"]))
    assert output["humanAnswers"] == []
    assert output["groundworkConsolidatedAnswer"] == {"label": "negative", "confidence": 0.93, "source": "model"}
    assert client.post("/api/v1/work/next", json={}, headers=labelers[0]).status_code == 204


def test_without_a_condition_every_loop_goes_to_people(
        client: FlaskClient, acme: Headers, team: tuple[int, list[Headers]]) -> None:
    make_flow(client, acme, team[0], activation_conditions=None)
    started = start(client, acme, "any", prediction={"label": "negative", "confidence": 0.999})
    assert started.json["status"] == "InProgress"


def test_stop_then_delete_a_loop(client: FlaskClient, deps: Deps, acme: Headers,
                                 team: tuple[int, list[Headers]]) -> None:
    team_id, labelers = team
    make_flow(client, acme, team_id)
    assert start(client, acme, "to-stop").status_code == 201

    refused = client.delete(f"{LOOPS}/to-stop", headers=acme)
    assert refused.status_code == 409 and error_of(refused)["field"] == "human_loop_name"
    stopped = client.post(f"{LOOPS}/to-stop/stop", headers=acme)
    assert stopped.status_code == 200 and stopped.json["status"] == "Stopped"  # nobody held it: at once
    assert client.post(f"{LOOPS}/to-stop/stop", headers=acme).json["status"] == "Stopped"  # repeatable
    assert client.post("/api/v1/work/next", json={}, headers=labelers[0]).status_code == 204

    assert client.delete(f"{LOOPS}/to-stop", headers=acme).status_code == 204
    assert client.get(f"{LOOPS}/to-stop", headers=acme).status_code == 404
    assert client.get(LOOPS, headers=acme).json["items"] == []


def test_a_held_task_drains_before_the_loop_stops(client: FlaskClient, deps: Deps, acme: Headers,
                                                  team: tuple[int, list[Headers]]) -> None:
    team_id, labelers = team
    make_flow(client, acme, team_id)
    start(client, acme, "held")
    task = client.post("/api/v1/work/next", json={}, headers=labelers[0]).json

    assert client.post(f"{LOOPS}/held/stop", headers=acme).json["status"] == "Stopping"
    assert client.post("/api/v1/work/next", json={}, headers=labelers[1]).status_code == 204  # no new leases
    settle(deps)
    assert client.get(f"{LOOPS}/held", headers=acme).json["status"] == "Stopping"
    client.post(f"/api/v1/work/{task['assignment_id']}/submit", json={"answer": {"label": "positive"}},
                headers=labelers[0])
    settle(deps)
    loop = client.get(f"{LOOPS}/held", headers=acme).json
    assert loop["status"] == "Stopped" and loop["output_uri"] is None


def test_a_completed_loop_cannot_be_stopped(client: FlaskClient, acme: Headers,
                                            team: tuple[int, list[Headers]]) -> None:
    make_flow(client, acme, team[0])
    start(client, acme, "done", prediction={"label": "negative", "confidence": 0.99})
    refused = client.post(f"{LOOPS}/done/stop", headers=acme)
    assert refused.status_code == 409


def test_loops_are_listed_per_flow_with_a_cursor(client: FlaskClient, acme: Headers,
                                                 team: tuple[int, list[Headers]]) -> None:
    make_flow(client, acme, team[0])
    make_flow(client, acme, team[0], name="other")
    for i in range(3):
        assert start(client, acme, f"a{i}").status_code == 201
    assert start(client, acme, "b0", flow="other").status_code == 201

    first = client.get(f"{LOOPS}?flow_definition_name=reviews&limit=2", headers=acme).json
    rest = client.get(f"{LOOPS}?flow_definition_name=reviews&limit=2&cursor={first['next_cursor']}",
                      headers=acme).json
    assert [x["name"] for x in first["items"] + rest["items"]] == ["a0", "a1", "a2"]
    assert len(client.get(LOOPS, headers=acme).json["items"]) == 4
    assert client.get(f"{LOOPS}?flow_definition_name=nope", headers=acme).status_code == 404
    assert [f["name"] for f in client.get(FLOWS, headers=acme).json["items"]] == ["reviews", "other"]


def test_a_flow_is_deleted_only_without_loops_in_progress_and_its_job_stops(
        client: FlaskClient, deps: Deps, acme: Headers, team: tuple[int, list[Headers]]) -> None:
    flow = make_flow(client, acme, team[0])
    start(client, acme, "live")
    refused = client.delete(f"{FLOWS}/reviews", headers=acme)
    assert refused.status_code == 409 and error_of(refused)["field"] == "flow_definition_name"
    client.post(f"{LOOPS}/live/stop", headers=acme)

    assert client.delete(f"{FLOWS}/reviews", headers=acme).status_code == 204
    assert client.get(f"{FLOWS}/reviews", headers=acme).status_code == 404
    assert client.get(f"{LOOPS}/live", headers=acme).status_code == 404
    settle(deps)
    assert client.get(f"/api/v1/jobs/{flow['job_id']}", headers=acme).json["status"] == "Stopped"
    assert make_flow(client, acme, team[0])["status"] == "Active"  # the name is free again


def test_other_requesters_see_none_of_it(client: FlaskClient, deps: Deps, acme: Headers,
                                         team: tuple[int, list[Headers]]) -> None:
    from tests.unit.api.test_validation_and_access import requester_key

    make_flow(client, acme, team[0])
    start(client, acme, "mine")
    other = requester_key(deps, "globex")
    assert client.get(f"{FLOWS}/reviews", headers=other).status_code == 404
    assert client.get(f"{LOOPS}/mine", headers=other).status_code == 404
    assert start(client, other, "theirs").status_code == 404
    assert client.get(LOOPS, headers=other).json["items"] == []
    assert client.get(LOOPS).status_code == 401


BAD_FLOWS = [
    pytest.param({"name": "Reviews"}, 422, "name", id="upper-case-name"),
    pytest.param({"name": "a_b"}, 422, "name", id="underscore-name"),
    pytest.param({"task_count": 4}, 422, "body.task_count", id="four-answers"),
    pytest.param({"task_count": 0}, 422, "body.task_count", id="no-answers"),
    pytest.param({"task_type": "verification-bounding-box"}, 422, "task_type", id="verification"),
    pytest.param({"title": ""}, 422, "body.title", id="no-title"),
    pytest.param({"activation_conditions": {"confidence_below": 2}}, 422,
                 "activation_conditions.confidence_below", id="bad-threshold"),
    pytest.param({"activation_conditions": {"when": "low"}}, 422, "activation_conditions.when", id="unknown-key"),
    pytest.param({"output_path": "ftp://host/out"}, 422, "output_path", id="ftp-output"),
    pytest.param({"labels": ["only"]}, 422, "labels", id="one-label"),
    pytest.param({"workteam_id": 999}, 404, "workteam_id", id="unknown-team"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_FLOWS)
def test_a_bad_flow_definition_gets_an_error_that_names_the_field(
        client: FlaskClient, acme: Headers, staff: tuple[int, int], change: dict[str, Any], status: int,
        field: str) -> None:
    response = client.post(FLOWS, json=flow_body(staff[1], **change), headers=acme)
    assert response.status_code == status, response.json
    assert error_of(response)["field"] == field


def test_duplicate_names_are_conflicts(client: FlaskClient, acme: Headers, staff: tuple[int, int]) -> None:
    make_flow(client, acme, staff[1])
    again = client.post(FLOWS, json=flow_body(staff[1]), headers=acme)
    assert again.status_code == 409 and error_of(again)["field"] == "name"
    assert start(client, acme, "once").status_code == 201
    twice = start(client, acme, "once")
    assert twice.status_code == 409 and error_of(twice)["field"] == "human_loop_name"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"human_loop_name": "Bad_Name"}, 422, "human_loop_name"),
    ({"flow_definition_name": "nope"}, 404, "flow_definition_name"),
    ({"input": {"source-ref": "s3://bucket/cat.jpg"}}, 422, "input"),
    ({"input": {"source": ""}}, 422, "input"),
    ({"input": "text"}, 422, "body.input"),
    ({"prediction": {"label": "cat", "confidence": 1.5}}, 422, "body.prediction.confidence"),
    ({"human_loop_name": None}, 422, "body.human_loop_name"),
])
def test_a_bad_start_request_names_the_field(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                             body: dict[str, Any], status: int, field: str) -> None:
    make_flow(client, acme, staff[1])
    request = {"flow_definition_name": "reviews", "human_loop_name": "ok", "input": {"source": "x"}}
    request.update(body)
    response = client.post(LOOPS, json={k: v for k, v in request.items() if v is not None}, headers=acme)
    assert response.status_code == status, response.json
    assert error_of(response)["field"] == field


def test_the_openapi_document_lists_the_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert set(paths[FLOWS]) == {"get", "post"}
    assert set(paths[FLOWS + "/{flow_definition_name}"]) == {"get", "delete"}
    assert set(paths[LOOPS]) == {"get", "post"}
    assert set(paths[LOOPS + "/{human_loop_name}"]) == {"get", "delete"}
    assert set(paths[LOOPS + "/{human_loop_name}/stop"]) == {"post"}
