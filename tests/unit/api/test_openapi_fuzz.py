"""The OpenAPI document is valid OpenAPI 3.0, and no request schemathesis generates from it makes the API fail
with a 5xx. The app runs in-process (WSGI) on a migrated SQLite database with a running job in it."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error

from services.api.app import create_app
from services.api.registry import registry
from shared.bootstrap import Deps
from shared.persistence.tables import LambdaFunction
from shared.services.accounts import create_api_key
from tests.helpers import drain, text_lines, write_manifest

OPENAPI_PATH = "/api/v1/openapi.json"
MAX_EXAMPLES = 25


def documented_operations() -> list[str]:
    """`METHOD /path` for every operation in the document (importing services.api.app registered the routes)."""
    doc = registry.document("Groundwork", "0.1.0")
    return sorted(f"{method.upper()} {path}" for path, ops in doc["paths"].items() for method in ops)


OPERATIONS = documented_operations()


@dataclass
class World:
    app: Flask
    requester: dict[str, str]
    labeler: dict[str, str]
    # Real values for path parameters, so generated bodies and queries also reach past the 404.
    known: dict[str, list[Any]]


@pytest.fixture
def world(deps: Deps, tmp_path: Path) -> Iterator[World]:
    """A requester; a private workforce, team and labeler; a public workforce; a running text job whose labeler
    holds three leased tasks."""
    app = create_app(deps=deps)
    client = app.test_client()
    with deps.sessions.begin() as session:
        issued = create_api_key(session, deps.clock, "fuzz")
        requester = {"Authorization": f"Bearer {issued.token}"}
        session.add(LambdaFunction(requester_id=issued.requester_id, name="my-function",
                                   hook="python:tests.hooks:noop", created_at=deps.clock.now()))
    wf = client.post("/api/v1/workforces", json={"name": "staff", "kind": "private"}, headers=requester)
    public = client.post("/api/v1/workforces", json={"name": "crowd", "kind": "public"}, headers=requester)
    team = client.post("/api/v1/workteams", json={"name": "team", "workforce_id": wf.json["id"]}, headers=requester)
    lab = client.post("/api/v1/labelers", json={"name": "lab", "workforce_id": wf.json["id"],
                                                "workteam_ids": [team.json["id"]]}, headers=requester)
    labeler = {"Authorization": f"Bearer {lab.json['token']}"}
    job = client.post("/api/v1/jobs", headers=requester, json={
        "name": "fuzz-job", "task_type": "text-classification", "labels": ["no", "yes"],
        "manifest_uri": write_manifest(tmp_path / "in.manifest", text_lines(6)), "workteam_id": team.json["id"],
        "workers_per_object": 1})
    assert job.status_code == 201, job.json
    drain(deps)
    assert client.get("/api/v1/jobs/fuzz-job", headers=requester).json["status"] == "InProgress"
    leased = [client.post("/api/v1/work/next", json={}, headers=labeler).json["assignment_id"] for _ in range(3)]
    flow = client.post("/api/v1/flow-definitions", headers=requester, json={
        "name": "fuzz-flow", "task_type": "text-classification", "labels": ["no", "yes"],
        "workteam_id": team.json["id"], "title": "t", "description": "d"})
    assert flow.status_code == 201, flow.json
    loop = client.post("/api/v1/human-loops", headers=requester, json={
        "flow_definition_name": "fuzz-flow", "human_loop_name": "fuzz-loop", "input": {"source": "x"}})
    assert loop.status_code == 201, loop.json
    pair = client.post("/api/v1/access-keys", headers=requester)
    assert pair.status_code == 201, pair.json
    known = {"job_ref": ["fuzz-job", str(job.json["id"])], "assignment_id": leased,
             "access_key_id": [pair.json["access_key_id"]], "name": ["my-function"],
             "workforce_id": [public.json["id"]], "flow_definition_name": ["fuzz-flow"],
             "human_loop_name": ["fuzz-loop"]}
    yield World(app, requester, labeler, known)


def auth_for(label: str, world: World) -> dict[str, str]:
    path = label.split(" ", 1)[1]
    if path.startswith("/api/v1/work/"):
        return world.labeler
    if path.startswith("/api/v1/media/") or path.endswith("/signup"):
        return {}
    return world.requester


def cases_for(operation: APIOperation, label: str, world: World) -> st.SearchStrategy[schemathesis.Case]:
    """Valid and invalid requests, with generated path parameters and with the world's real ones.

    An operation with nothing to break (no parameters, no body) draws only valid requests.
    """
    headers = auth_for(label, world) or None
    names = re.findall(r"{(\w+)}", label)
    fixed: list[dict[str, Any] | None] = [None]
    if names:
        fixed += [dict(zip(names, values, strict=True))
                  for values in itertools.product(*(world.known[n] for n in names))]
    return st.one_of(*(operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=params)
                       for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) for params in fixed))


def test_the_document_lists_every_route_the_app_serves(deps: Deps) -> None:
    app = create_app(deps=deps)
    served = {f"{m} {r.rule}" for r in app.url_map.iter_rules() for m in (r.methods or ()) - {"HEAD", "OPTIONS"}
              if r.rule.startswith("/api/v1/") and r.rule != OPENAPI_PATH}
    documented = {op.replace("{", "<").replace("}", ">") for op in OPERATIONS}
    normalized = {s.replace("<int:", "<") for s in served}
    assert normalized == documented
    assert len(OPERATIONS) >= 20


def test_the_document_is_valid_openapi_3_0(deps: Deps) -> None:
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, create_app(deps=deps))
    assert schema.raw_schema["openapi"].startswith("3.0.")
    schema.validate()
    loaded = sorted(result.ok().label for result in schema.get_all_operations())
    assert loaded == OPERATIONS


def test_the_validation_catches_a_broken_document() -> None:
    doc = copy.deepcopy(registry.document("Groundwork", "0.1.0"))
    doc["paths"]["/api/v1/jobs/{job_ref}"]["get"]["parameters"][0]["in"] = "body"  # not an OpenAPI 3.0 location
    with pytest.raises(Exception, match="body"):
        schemathesis.openapi.from_dict(doc).validate()


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_generated_request_gets_a_server_error(world: World, label: str) -> None:
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, world.app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = auth_for(label, world)
    cases = cases_for(operation, label, world)
    statuses: list[int] = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)

    run()
    assert statuses, f"no request was generated for {label}"
    if "{" in label:  # the world's real path parameters reach past "not found" at least once
        assert any(status != 404 for status in statuses), statuses
