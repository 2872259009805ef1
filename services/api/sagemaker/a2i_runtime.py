"""Augmented AI's runtime (boto3's `sagemaker-a2i-runtime`): REST-JSON over `/human-loops`, mapped onto
Groundwork's human loops (shared/services/human_review): the same loops the REST API starts and lists.

Wire protocol: SigV4 (signing name `sagemaker`) on every request; JSON bodies; errors carry their code in the
`x-amzn-ErrorType` header and `{"message"}` in the body, with A2I's HTTP statuses (ValidationException 400,
AccessDeniedException 403, ResourceNotFoundException 404, ConflictException 409, InternalServerException 500).

Semantics:
- StartHumanLoop: `HumanLoopInput.InputContent` is a JSON *string* holding an object; it becomes the template's
  `task.input` and the output's `inputContent` verbatim. The object to label is its `source` / `source-ref`, as in a
  Ground Truth manifest line, or else its `taskObject` (A2I's custom templates' name: text for text task types, an
  s3:// URI for image ones). A model's prediction, for the flow's activation condition to judge, is the optional
  `"prediction": {"label": ..., "confidence": ...}` member of InputContent; without it (or without a condition)
  the loop goes to people. A loop name in use is ConflictException; another account's flow AccessDeniedException.
- StopHumanLoop stops an InProgress loop (Stopping while a labeler holds its task, then Stopped) and repeating it
  is harmless; stopping a loop that already Completed or Failed is a ValidationException (StopHumanLoop models no
  ConflictException).
- DeleteHumanLoop deletes an ended loop (Completed, Stopped, Failed); an InProgress or Stopping one is a
  ValidationException ("stop it first"); a deleted loop is gone from List and Describe (404).
- A Completed loop's output is `<S3OutputPath>/<flow>/YYYY/MM/DD/hh/mm/ss/<loop>/output.json`, listing every
  labeler's answer under `humanAnswers`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from services.api.sagemaker import calls, errors, json_protocol, shapes
from services.api.sagemaker.calls import Call, domain_errors
from services.api.sagemaker.errors import AwsError
from shared.domain import human_review as hr
from shared.persistence.tables import HumanLoop
from shared.services import human_review

log = logging.getLogger(__name__)
bp = Blueprint("a2i_runtime", __name__)
SERVICE = "sagemaker-a2i-runtime"
FLOW_RESOURCE = "flow-definition"
INPUT_MEMBER = "HumanLoopInput.InputContent"
OBJECT_KEY = "taskObject"
LOOP_FIELDS = {"human_loop_name": "HumanLoopName", "flow_definition_name": "FlowDefinitionArn",
               "input": INPUT_MEMBER}
A2I_SPELLING = {"ResourceNotFound": "ResourceNotFoundException", "ResourceInUse": "ConflictException",
                "InternalFailure": "InternalServerException"}
A2I_STATUS = {"ValidationException": 400, "AccessDeniedException": 403, "ResourceNotFoundException": 404,
              "ConflictException": 409, "ServiceQuotaExceededException": 402, "ThrottlingException": 429,
              "InternalServerException": 500}
Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


# --- the wire ---------------------------------------------------------------------------------------------------

def _respond(body: dict[str, Any], status: int = 200, code: str | None = None) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if code:
        headers["x-amzn-ErrorType"] = code
    return Response(json.dumps(body, default=json_protocol.to_json), status=status, content_type="application/json",
                    headers=headers)


def _error(exc: AwsError) -> Response:
    return _respond({"message": exc.message}, exc.status, exc.code)


def _query_params() -> dict[str, Any]:
    """ListHumanLoops' query string as the input shape: MaxResults an integer, timestamps left as ISO strings."""
    params: dict[str, Any] = {key: value for key, value in request.args.items()}
    if "MaxResults" in params:
        try:
            params["MaxResults"] = int(params["MaxResults"])
        except ValueError:
            raise errors.validation(f"1 validation error detected: Value '{params['MaxResults'][:40]}' at "
                                    "'maxResults' failed to satisfy constraint: Member must be an integer") from None
    return params


def _body_params() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    try:
        params = json.loads(raw) if raw else {}
    except ValueError:
        raise errors.validation("the body is not valid JSON") from None
    if not isinstance(params, dict):
        raise errors.validation("the body must be a JSON object")
    return params


def _a2i_error(exc: AwsError) -> AwsError:
    """A2I's spelling and HTTP status of an error raised by helpers shared with the SageMaker JSON door (which
    answers 400 for everything and spells ResourceNotFound without the suffix)."""
    code = A2I_SPELLING.get(exc.code, exc.code)
    return AwsError(code, exc.message, A2I_STATUS.get(code, exc.status))


def _run(operation: str, handler: Handler, params: Callable[[], dict[str, Any]]) -> Response:
    """Authenticate, check the input against botocore's model, run the handler; AWS's error shape on failure."""
    try:
        call = calls.authenticate()
        model = shapes.operation(SERVICE, operation)
        assert model is not None
        given = params()
        shapes.validate(model, given)
        return _respond(handler(call, given))
    except AwsError as exc:
        return _error(_a2i_error(exc))
    except Exception:  # a boto3 client expects InternalServerException, not an HTML page
        log.exception("A2I operation %s failed", operation)
        return _error(AwsError("InternalServerException", "the request failed on the server; it has been logged",
                               500))


@bp.post("/human-loops")
def start_human_loop_route() -> Response:
    return _run("StartHumanLoop", start_human_loop, _body_params)


@bp.get("/human-loops")
def list_human_loops_route() -> Response:
    return _run("ListHumanLoops", list_human_loops, _query_params)


@bp.post("/human-loops/stop")
def stop_human_loop_route() -> Response:
    return _run("StopHumanLoop", stop_human_loop, _body_params)


@bp.get("/human-loops/<name>")
def describe_human_loop_route(name: str) -> Response:
    return _run("DescribeHumanLoop", describe_human_loop, lambda: {"HumanLoopName": name})


@bp.delete("/human-loops/<name>")
def delete_human_loop_route(name: str) -> Response:
    return _run("DeleteHumanLoop", delete_human_loop, lambda: {"HumanLoopName": name})


# --- operations -------------------------------------------------------------------------------------------------

def _flow_name(call: Call, arn: str) -> str:
    """The flow a FlowDefinitionArn names; it must be the caller's (another account's is AccessDeniedException)."""
    return call.own_arn(arn, FLOW_RESOURCE, "FlowDefinitionArn").name


def _input(params: dict[str, Any]) -> dict[str, Any]:
    raw = params["HumanLoopInput"]["InputContent"]
    try:
        value = json.loads(raw)
    except ValueError:
        raise errors.validation(f"{INPUT_MEMBER}: not valid JSON") from None
    if not isinstance(value, dict):
        raise errors.validation(f"{INPUT_MEMBER}: must be a JSON object")
    if not any(key in value for key in ("source", "source-ref", OBJECT_KEY)):
        raise errors.validation(f"{INPUT_MEMBER}: give the object to label as '{OBJECT_KEY}' (text, or an s3:// "
                                "URI for image task types), or as 'source' / 'source-ref' as in a manifest line")
    return value


def _prediction(content: dict[str, Any]) -> tuple[Any, float | None, bool]:
    """InputContent's optional `prediction` {label, confidence}: what the activation condition judges."""
    if "prediction" not in content:
        return None, None, False
    prediction = content["prediction"]
    if not isinstance(prediction, dict):
        raise errors.validation(f"{INPUT_MEMBER}: 'prediction' must be an object {{\"label\", \"confidence\"}}")
    confidence = prediction.get("confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, int | float)
                                   or not 0 <= confidence <= 1):
        raise errors.validation(f"{INPUT_MEMBER}: 'prediction.confidence' must be a number in [0, 1]")
    return prediction.get("label"), None if confidence is None else float(confidence), True


def start_human_loop(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    flow_name = _flow_name(call, params["FlowDefinitionArn"])
    content = _input(params)
    label, confidence, has_prediction = _prediction(content)
    spec = human_review.LoopSpec(flow_definition_name=flow_name, human_loop_name=params["HumanLoopName"],
                                 input=content, prediction_label=label, prediction_confidence=confidence,
                                 has_prediction=has_prediction, object_key=OBJECT_KEY)
    with call.deps.sessions.begin() as session, domain_errors(LOOP_FIELDS):
        loop = human_review.start_loop(call.deps, session, call.requester_id, spec)
        return {"HumanLoopArn": human_review.loop_arn(call.deps, loop)}


def describe_human_loop(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session, domain_errors(LOOP_FIELDS):
        loop = human_review.get_loop(session, call.requester_id, params["HumanLoopName"])
        flow_name = human_review.flow_name_of(session, loop)
    out: dict[str, Any] = {
        "CreationTime": loop.created_at, "HumanLoopStatus": loop.status, "HumanLoopName": loop.name,
        "HumanLoopArn": human_review.loop_arn(call.deps, loop), "FlowDefinitionArn": call.arn(FLOW_RESOURCE,
                                                                                               flow_name),
    }
    if loop.status == hr.HumanLoopStatus.COMPLETED:
        out["HumanLoopOutput"] = {"OutputS3Uri": loop.output_uri}
    if loop.status == hr.HumanLoopStatus.FAILED:
        out["FailureReason"] = loop.failure_reason or ""
        out["FailureCode"] = loop.failure_code or hr.FailureCode.INTERNAL_ERROR.value
    return out


def _summary(loop: HumanLoop, flow_arn: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"HumanLoopName": loop.name, "HumanLoopStatus": loop.status,
                               "CreationTime": loop.created_at, "FlowDefinitionArn": flow_arn}
    if loop.status == hr.HumanLoopStatus.FAILED and loop.failure_reason:
        summary["FailureReason"] = loop.failure_reason
    return summary


def list_human_loops(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """A flow's loops by creation time, Ascending unless SortOrder says Descending."""
    flow_name = _flow_name(call, params["FlowDefinitionArn"])
    after = shapes.to_datetime(params["CreationTimeAfter"]) if params.get("CreationTimeAfter") else None
    before = shapes.to_datetime(params["CreationTimeBefore"]) if params.get("CreationTimeBefore") else None
    offset, limit = calls.page_bounds(params)
    with call.deps.sessions() as session, domain_errors(LOOP_FIELDS):
        flow = human_review.get_flow(session, call.requester_id, flow_name, "flow_definition_name")
        rows = human_review.loops_of_flow(session, flow, after, before, params.get("SortOrder") == "Descending",
                                          offset, limit + 1)
    chunk, token = calls.fetched_page(rows, offset, limit)
    flow_arn = call.arn(FLOW_RESOURCE, flow_name)
    return calls.with_token({"HumanLoopSummaries": [_summary(loop, flow_arn) for loop in chunk]}, token)


def _on_loop(call: Call, params: dict[str, Any], action: Callable[..., Any]) -> dict[str, Any]:
    """Stop or delete: A2I models no ConflictException for these, so a loop in the wrong state is a
    ValidationException."""
    with call.deps.sessions.begin() as session:
        try:
            with domain_errors(LOOP_FIELDS):
                action(call.deps, session, call.requester_id, params["HumanLoopName"])
        except AwsError as exc:
            raise _conflict_as_validation(exc) from None
    return {}


def stop_human_loop(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    return _on_loop(call, params, human_review.stop_loop)


def delete_human_loop(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    return _on_loop(call, params, human_review.delete_loop)


def _conflict_as_validation(exc: AwsError) -> AwsError:
    """StopHumanLoop and DeleteHumanLoop model no ConflictException: a loop in the wrong state is a
    ValidationException there, as A2I answers it."""
    if exc.code == "ResourceInUse":
        return AwsError("ValidationException", exc.message, 400)
    return exc
