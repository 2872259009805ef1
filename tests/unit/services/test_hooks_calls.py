"""Calling hooks: allow-listed Python functions and HTTP endpoints (a real http.server on 127.0.0.1), the
consolidation request/response files, the example hooks and the hook settings."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from shared.config import Settings, from_env
from shared.domain.hooks import ConsolidatedContent, HookError, HookLayout, PreAnnotation, parse_hook_ref
from shared.hook_examples import consolidate_majority, majority_vote, pre_passthrough
from shared.services.hooks import call_hook, module_allowed, run_consolidation, run_pre_annotation
from shared.storage.local import LocalBlobStore

ARN = "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/pets-v1"
ROLE = "arn:aws:iam::000000000000:role/gt"
MOMENT = datetime(2024, 5, 2, 10, 11, 12)
THIS_MODULE = __name__
RELEASE = threading.Event()  # lets a deliberately stuck hook (Python or HTTP) finish once its test is over


def _vote(label: str) -> str:
    return json.dumps({"category": {"label": label}})


OBJECTS = [
    ("0", {"source": "late delivery"}, [("w1", _vote("negative")), ("w2", _vote("negative")),
                                         ("w3", _vote("positive"))]),
    ("1", {"source-ref": "s3://bucket/imgs/1.jpg"}, [("w1", _vote("positive"))]),
]


# -- Python hooks used by the tests (this module is allow-listed by name) ----------------------------------------

def echo(event: dict[str, Any]) -> dict[str, Any]:
    event["mutated"] = True
    return {"taskInput": {"seen": event["dataObject"]}, "isHumanAnnotationRequired": "false"}


def explode(event: dict[str, Any]) -> None:
    raise RuntimeError("bad hook")


def not_json(event: dict[str, Any]) -> Any:
    return {"when": datetime(2024, 1, 1)}


def stuck(event: dict[str, Any]) -> dict[str, Any]:
    RELEASE.wait(10)
    return {}


def wrong_ids(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"datasetObjectId": "7", "consolidatedAnnotation": {"content": {"sentiment": "x"}}}]


NOT_CALLABLE = 3


@pytest.fixture(autouse=True)
def _release_stuck_hooks() -> Iterator[None]:
    RELEASE.clear()
    yield
    RELEASE.set()


def python_ref(function: str, module: str = THIS_MODULE) -> Any:
    return parse_hook_ref(f"python:{module}:{function}")


# -- Python hooks -------------------------------------------------------------------------------------------------

def test_an_allowed_python_hook_gets_a_copy_of_the_event_and_its_answer_comes_back() -> None:
    event = {"version": "2018-10-16", "labelingJobArn": ARN, "dataObject": {"source": "hi"}}

    answer = call_hook(python_ref("echo"), event, timeout_s=5, allowed_modules=("tests.unit",))

    assert answer == {"taskInput": {"seen": {"source": "hi"}}, "isHumanAnnotationRequired": "false"}
    assert "mutated" not in event


@pytest.mark.parametrize("allowed", [(), ("",), ("tests.unit.serv",), ("shared",), ("tests.unit.services.test",)])
def test_a_python_hook_outside_the_allowed_modules_is_refused(allowed: tuple[str, ...]) -> None:
    with pytest.raises(HookError, match="module not allowed"):
        call_hook(python_ref("echo"), {}, timeout_s=5, allowed_modules=allowed)


def test_module_prefixes_match_on_package_boundaries() -> None:
    assert module_allowed("acme.hooks", ("acme",)) and module_allowed("acme", ("acme",))
    assert not module_allowed("acme_evil.hooks", ("acme",))
    assert module_allowed("shared.hook_examples", (" shared.hook_examples ",))


@pytest.mark.parametrize(("function", "module", "message"), [
    ("explode", THIS_MODULE, "raised RuntimeError: bad hook"),
    ("not_json", THIS_MODULE, "its answer is not JSON-serialisable"),
    ("missing", THIS_MODULE, "has no function 'missing'"),
    ("NOT_CALLABLE", THIS_MODULE, "has no function 'NOT_CALLABLE'"),
    ("fn", "tests.unit.services.no_such_module", "cannot import tests.unit.services.no_such_module"),
])
def test_a_failing_python_hook_is_a_hook_error(function: str, module: str, message: str) -> None:
    with pytest.raises(HookError, match=message):
        call_hook(python_ref(function, module), {}, timeout_s=5, allowed_modules=("tests",))


def test_a_python_hook_that_overruns_times_out() -> None:
    with pytest.raises(HookError, match="timed out after 0.2s"):
        call_hook(python_ref("stuck"), {}, timeout_s=0.2, allowed_modules=(THIS_MODULE,))


def test_run_pre_annotation_parses_the_answer() -> None:
    result = run_pre_annotation(python_ref("echo"), job_arn=ARN, data_object={"source": "hi", "k": 1},
                                timeout_s=5, allowed_modules=(THIS_MODULE,))
    assert result == PreAnnotation(task_input={"seen": {"source": "hi", "k": 1}}, human_required=False)


# -- HTTP hooks ---------------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        event = json.loads(raw)
        path = urlparse(self.path).path
        self.received.append({"path": path, "content_type": self.headers["Content-Type"], "event": event})
        if path == "/pre":
            answer = {"taskInput": {"taskObject": event["dataObject"]["source"]}, "humanAnnotationRequired": "true"}
            self._send(200, json.dumps(answer).encode())
        elif path == "/acs":
            # What a ported ACS Lambda does: read the payload the event points at, then answer for every object.
            payload = json.loads(Path(unquote(urlparse(event["payload"]["s3Uri"]).path)).read_bytes())
            self._send(200, json.dumps(majority_vote(payload, event["labelAttributeName"])).encode())
        elif path == "/fail":
            self._send(500, b"Internal error: " + b"x" * 1000, {"Content-Type": "text/plain"})
        elif path == "/badjson":
            self._send(200, b"<html>surely JSON</html>", {"Content-Type": "text/html"})
        elif path == "/nan":
            self._send(200, b'{"confidence": NaN}')
        elif path == "/redirect":
            self._send(302, b"", {"Location": "/pre"})
        elif path == "/slow":
            RELEASE.wait(10)
            self._send(200, b"{}")
        else:
            self._send(404, b"no such hook")


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def test_an_http_hook_gets_the_event_as_a_json_post(server: str) -> None:
    result = run_pre_annotation(parse_hook_ref(f"{server}/pre"), job_arn=ARN, data_object={"source": "hi"},
                                timeout_s=5, allowed_modules=())

    assert result == PreAnnotation(task_input={"taskObject": "hi"}, human_required=True)
    [request] = _Handler.received
    assert request["path"] == "/pre" and request["content_type"] == "application/json"
    assert request["event"] == {"version": "2018-10-16", "labelingJobArn": ARN, "dataObject": {"source": "hi"}}


def test_an_http_error_status_names_the_status_and_an_excerpt_but_not_the_query(server: str) -> None:
    with pytest.raises(HookError, match=r"/fail: HTTP 500: Internal error: x+\.\.\.$") as info:
        call_hook(parse_hook_ref(f"{server}/fail?token=s3cr3t"), {}, timeout_s=5, allowed_modules=())
    assert len(str(info.value)) < 400 and "s3cr3t" not in str(info.value)


def test_a_redirect_is_not_followed(server: str) -> None:
    with pytest.raises(HookError, match="HTTP 302"):
        call_hook(parse_hook_ref(f"{server}/redirect"), {}, timeout_s=5, allowed_modules=())
    assert [r["path"] for r in _Handler.received] == ["/redirect"]


@pytest.mark.parametrize(("path", "excerpt"), [("/badjson", "<html>surely JSON</html>"),
                                               ("/nan", '{"confidence": NaN}')])
def test_an_answer_that_is_not_json_is_a_hook_error(server: str, path: str, excerpt: str) -> None:
    with pytest.raises(HookError, match=f"answer is not JSON: {excerpt}$"):
        call_hook(parse_hook_ref(f"{server}{path}"), {}, timeout_s=5, allowed_modules=())


def test_a_slow_http_hook_times_out(server: str) -> None:
    with pytest.raises(HookError, match="timed out after 0.3s"):
        call_hook(parse_hook_ref(f"{server}/slow"), {}, timeout_s=0.3, allowed_modules=())


def test_an_unreachable_http_hook_is_a_hook_error() -> None:
    with socket.socket() as sock:  # a port that was just free: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HookError, match="cannot reach it"):
        call_hook(parse_hook_ref(f"http://127.0.0.1:{port}/x"), {}, timeout_s=5, allowed_modules=())


# -- consolidation: files and validation ---------------------------------------------------------------------------

@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore((tmp_path,))


def _root(tmp_path: Path) -> str:
    return f"{tmp_path.as_uri()}/out/pets-v1"


def _consolidate(blobs: LocalBlobStore, tmp_path: Path, ref: Any, allowed: tuple[str, ...] = ()) -> Any:
    return run_consolidation(blobs, _root(tmp_path), ref, job_arn=ARN, label_attribute="sentiment",
                             label_categories=["negative", "positive"], role_arn=ROLE, objects=OBJECTS,
                             moment=MOMENT, timeout_s=5, allowed_modules=allowed)


EXPECTED = {
    "0": ConsolidatedContent(value={"label": "negative", "votes": 2}, metadata={"confidence": 0.67}),
    "1": ConsolidatedContent(value={"label": "positive", "votes": 1}, metadata={"confidence": 1.0}),
}


def test_an_http_consolidation_hook_leaves_request_and_response_files(server: str, blobs: LocalBlobStore,
                                                                      tmp_path: Path) -> None:
    results = _consolidate(blobs, tmp_path, parse_hook_ref(f"{server}/acs"))

    assert results == EXPECTED
    layout = HookLayout(_root(tmp_path))
    request_uri = layout.consolidation_request(MOMENT)
    assert request_uri.endswith("/out/pets-v1/annotations/consolidated-annotation/consolidation-request/"
                                "iteration-1/2024-05-02_10:11:12.json")
    payload = json.loads(blobs.read_bytes(request_uri))
    assert payload[0]["dataObject"] == {"content": "late delivery"}
    assert payload[1]["dataObject"] == {"s3Uri": "s3://bucket/imgs/1.jpg"}
    assert payload[0]["annotations"][2] == {"workerId": "w3", "annotationData": {"content": _vote("positive")}}
    [request] = _Handler.received
    assert request["event"] == {"version": "2018-10-16", "labelingJobArn": ARN,
                                "labelCategories": ["negative", "positive"], "labelAttributeName": "sentiment",
                                "roleArn": ROLE, "payload": {"s3Uri": request_uri}}
    response = json.loads(blobs.read_bytes(layout.consolidation_response(MOMENT)))
    assert response[0] == {"datasetObjectId": "0", "consolidatedAnnotation": {"content": {
        "sentiment": {"label": "negative", "votes": 2}, "sentiment-metadata": {"confidence": 0.67}}}}


def test_a_second_batch_in_the_same_second_gets_its_own_files(server: str, blobs: LocalBlobStore,
                                                              tmp_path: Path) -> None:
    _consolidate(blobs, tmp_path, parse_hook_ref(f"{server}/acs"))
    _consolidate(blobs, tmp_path, parse_hook_ref(f"{server}/acs"))

    layout = HookLayout(_root(tmp_path))
    second = layout.consolidation_request(MOMENT, suffix="-2")
    assert blobs.exists(second) and blobs.exists(layout.consolidation_response(MOMENT, suffix="-2"))
    assert _Handler.received[1]["event"]["payload"] == {"s3Uri": second}


def test_the_example_python_consolidation_hook_reads_the_payload_through_the_blob_store(
        blobs: LocalBlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GW_DATA_DIR", str(tmp_path))  # the example reads with Groundwork's own settings

    results = _consolidate(blobs, tmp_path, parse_hook_ref("python:shared.hook_examples:consolidate_majority"),
                           allowed=("shared.hook_examples",))

    assert results == EXPECTED


def test_a_response_with_unknown_ids_is_refused_but_kept_on_record(blobs: LocalBlobStore, tmp_path: Path) -> None:
    with pytest.raises(HookError, match=r"wrong_ids: consolidation response entry 0: datasetObjectId '7' was not"):
        _consolidate(blobs, tmp_path, python_ref("wrong_ids"), allowed=(THIS_MODULE,))

    kept = blobs.read_bytes(HookLayout(_root(tmp_path)).consolidation_response(MOMENT))
    assert json.loads(kept)[0]["datasetObjectId"] == "7"


def test_a_failed_call_writes_the_request_but_no_response(server: str, blobs: LocalBlobStore,
                                                          tmp_path: Path) -> None:
    with pytest.raises(HookError, match="HTTP 500"):
        _consolidate(blobs, tmp_path, parse_hook_ref(f"{server}/fail"))

    layout = HookLayout(_root(tmp_path))
    assert blobs.exists(layout.consolidation_request(MOMENT))
    assert not blobs.exists(layout.consolidation_response(MOMENT))


# -- the example hooks on their own --------------------------------------------------------------------------------

def test_the_example_pre_hook_passes_the_line_through_with_task_object() -> None:
    line = {"source-ref": "s3://b/1.jpg", "batch": "A"}
    answer = pre_passthrough({"version": "2018-10-16", "labelingJobArn": ARN, "dataObject": line})
    assert answer == {"taskInput": {"source-ref": "s3://b/1.jpg", "batch": "A", "taskObject": "s3://b/1.jpg"},
                      "isHumanAnnotationRequired": True}
    assert pre_passthrough({"dataObject": {"source": "txt"}})["taskInput"]["taskObject"] == "txt"


def test_the_example_vote_breaks_ties_by_first_answer_and_reads_answers_by_reference() -> None:
    stored = {"s3://b/answer.json": _vote("b").encode()}
    payload = [
        {"datasetObjectId": "0", "annotations": [
            {"workerId": "w1", "annotationData": {"content": _vote("a")}},
            {"workerId": "w2", "annotationData": {"s3Uri": "s3://b/answer.json"}},
            {"workerId": "w3", "annotationData": {"content": json.dumps({"free-text": "no label"})}}]},
        {"datasetObjectId": "1", "annotations": [
            {"workerId": "w1", "annotationData": {"content": json.dumps({"other": {"value": 1}})}}]},
    ]

    response = majority_vote(payload, "x", read_uri=stored.__getitem__)

    assert response == [{"datasetObjectId": "0", "consolidatedAnnotation": {"content": {
        "x": {"label": "a", "votes": 1}, "x-metadata": {"confidence": 0.5}}}}]


def test_the_example_consolidation_hook_takes_a_lambda_style_event(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GW_DATA_DIR", str(tmp_path))
    payload_file = tmp_path / "payload.json"
    payload_file.write_text(json.dumps([{"datasetObjectId": "3", "annotations": [
        {"workerId": "w", "annotationData": {"content": _vote("cat")}}]}]))
    event = {"labelAttributeName": "animal", "payload": {"s3Uri": payload_file.as_uri()}}

    assert consolidate_majority(event, None)[0]["consolidatedAnnotation"]["content"]["animal"] == {
        "label": "cat", "votes": 1}


# -- settings -----------------------------------------------------------------------------------------------------

def test_hook_settings_default_for_a_bare_checkout(tmp_path: Path) -> None:
    s = from_env({"GW_DATA_DIR": str(tmp_path)})
    assert (s.hook_modules, s.hook_timeout_s, s.aws_region, s.aws_account) == ((), 30.0, "us-east-1",
                                                                                "000000000000")
    assert Settings().hook_modules == ()


def test_hook_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    s = from_env({"GW_DATA_DIR": str(tmp_path), "GW_HOOK_MODULES": " acme.hooks, ,shared.hook_examples ",
                  "GW_HOOK_TIMEOUT_SECONDS": "2.5", "GW_REGION": "eu-west-1", "GW_ACCOUNT_ID": "123456789012"})
    assert s.hook_modules == ("acme.hooks", "shared.hook_examples")
    assert (s.hook_timeout_s, s.aws_region, s.aws_account) == (2.5, "eu-west-1", "123456789012")


@pytest.mark.parametrize(("name", "value"), [
    ("GW_HOOK_TIMEOUT_SECONDS", "0"), ("GW_HOOK_TIMEOUT_SECONDS", "-1"), ("GW_HOOK_TIMEOUT_SECONDS", "nan"),
    ("GW_HOOK_TIMEOUT_SECONDS", "soon"), ("GW_HOOK_MODULES", "acme/hooks"), ("GW_REGION", "Europe"),
    ("GW_ACCOUNT_ID", "1234"),
])
def test_a_bad_hook_setting_fails_at_startup_naming_it(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name if value != "soon" else "could not convert"):
        from_env({"GW_DATA_DIR": str(tmp_path), name: value})
