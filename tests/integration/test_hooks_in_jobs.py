"""Custom hooks inside whole jobs: a pre-annotation hook shapes what labelers see and can skip objects; a
consolidation hook labels the batch in Ground Truth's Lambda shapes; a failing hook fails objects with the reason."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from shared.domain.errors import ValidationFailed
from shared.services import labeling
from tests.unit.services.world import World, settle

pytestmark = pytest.mark.integration

FIXTURES = "tests.integration.hook_fixtures"


def _allow_hooks(world: World) -> World:
    world.deps = dataclasses.replace(world.deps, settings=world.deps.settings.with_overrides(
        hook_modules=(FIXTURES,), hook_hosts=("127.0.0.1",), hook_timeout_s=5.0))
    return world


def _answer_everything(world: World, job_id: int, label: str = "positive") -> list[dict]:
    seen = []
    for labeler in world.labelers:
        while (task := labeling.claim_next(world.deps, labeler, job_id)) is not None:
            seen.append(task)
            labeling.submit(world.deps, labeler, task["assignment_id"], {"label": label})
    return seen


def _output(world: World, job_id: int) -> list[dict]:
    job = settle(world, job_id)
    assert job.status == "Completed", world.states(job_id)
    data = world.deps.blobs.read_bytes(f"{job.output_uri}/{job.name}/manifests/output/output.manifest")
    return [json.loads(line) for line in data.decode().splitlines()]


def test_a_pre_annotation_hook_shapes_the_task_and_can_skip_humans(any_world: World) -> None:
    world = _allow_hooks(any_world)
    lines = [json.dumps({"source": "a fine film"}), json.dumps({"source": "skip this one"})]
    job_id = world.create(lines, workers_per_object=1, pre_hook=f"python:{FIXTURES}:pre")
    tasks = _answer_everything(world, job_id)
    assert [t["input"]["taskInput"] for t in tasks] == [{"taskObject": "a fine film", "hint": "about 11 chars"}]
    out = _output(world, job_id)
    assert "sentiment" in out[0] and "sentiment" not in out[1]
    assert world.states(job_id) == {"labeled": 1, "unlabeled": 1}


def test_a_consolidation_hook_labels_in_ground_truths_shapes(any_world: World) -> None:
    world = _allow_hooks(any_world)
    job_id = world.create([json.dumps({"source": "a fine film"})], workers_per_object=3,
                          post_hook=f"python:{FIXTURES}:consolidate")
    _answer_everything(world, job_id)
    line = _output(world, job_id)[0]
    assert line["sentiment"] == {"label": "positive", "votes": 3}
    meta = line["sentiment-metadata"]
    assert meta["hooked"] is True and meta["confidence"] == 1.0 and meta["type"] == "groundtruth/text-classification"
    job = world.job(job_id)
    root = f"{job.output_uri}/{job.name}/annotations/consolidated-annotation"
    requests = list(Path(unquote(urlparse(f"{root}/consolidation-request/iteration-1").path)).glob("*.json"))
    responses = list(Path(unquote(urlparse(f"{root}/consolidation-response/iteration-1").path)).glob("*.json"))
    assert len(requests) == len(responses) == 1  # the payload handed to the hook and its answer are kept
    assert json.loads(requests[0].read_text())[0]["datasetObjectId"] == "0"


@pytest.fixture
def failing_endpoint() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"lambda exploded")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/consolidate"
    server.shutdown()
    server.server_close()


def test_a_failing_consolidation_hook_fails_the_objects_with_the_reason(any_world: World,
                                                                        failing_endpoint: str) -> None:
    world = _allow_hooks(any_world)
    job_id = world.create([json.dumps({"source": "a fine film"})], workers_per_object=1, post_hook=failing_endpoint)
    _answer_everything(world, job_id)
    settle(world, job_id)
    obj = world.objects(job_id)[0]
    assert obj.state == "failed" and "consolidation hook failed" in (obj.failure_reason or "")
    assert "500" in (obj.failure_reason or "")


def test_a_python_hook_outside_the_operators_list_is_refused(any_world: World) -> None:
    world = any_world
    with pytest.raises(ValidationFailed) as refused:
        world.create([json.dumps({"source": "x"})], post_hook="python:os:system")
    assert refused.value.field == "consolidation_hook"


def test_an_http_hook_outside_the_operators_hosts_is_refused(any_world: World) -> None:
    world = any_world
    with pytest.raises(ValidationFailed) as refused:
        world.create([json.dumps({"source": "x"})], pre_hook="http://169.254.169.254/latest/meta-data")
    assert refused.value.field == "pre_annotation_hook" and "GW_HOOK_HOSTS" in refused.value.message


def test_ground_truths_builtin_lambda_arns_mean_the_builtin_behaviour(any_world: World) -> None:
    world = any_world
    job_id = world.create([json.dumps({"source": "x"})], workers_per_object=1,
                          post_hook="arn:aws:lambda:us-east-1:432418664414:function:ACS-TextMultiClass",
                          pre_hook="arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass")
    job = world.job(job_id)
    assert job.pre_hook is None and job.post_hook is None
