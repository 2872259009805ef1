"""SageMaker's JSON 1.1 wire protocol: every call is `POST /` with `X-Amz-Target: SageMaker.<Operation>` and the
input shape as JSON; answers are JSON with epoch-second timestamps, errors `{"__type", "message"}`.

Operations register themselves with `@operation("Name")`; the dispatcher verifies the signature, checks the body
against botocore's model (shapes.py), runs the operation and serialises what it returns.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from services.api.sagemaker import shapes
from services.api.sagemaker.calls import Call, authenticate
from services.api.sagemaker.errors import AwsError

log = logging.getLogger(__name__)
bp = Blueprint("sagemaker", __name__)
CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "SageMaker."
Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    if shapes.operation("sagemaker", name) is None:
        raise ValueError(f"SageMaker has no operation {name}")

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        return handler

    return register


def to_json(value: Any) -> Any:
    """Datetimes as epoch seconds, as AWS's JSON services answer."""
    if isinstance(value, datetime):
        return shapes.epoch(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def respond(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, default=to_json), status=status, content_type=CONTENT_TYPE,
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def error(exc: AwsError) -> Response:
    return respond({"__type": exc.code, "message": exc.message}, exc.status)


@bp.post("/")
def dispatch() -> Response:
    target = request.headers.get("X-Amz-Target", "")
    name = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ""
    try:
        call = authenticate()
        model = shapes.operation("sagemaker", name) if name else None
        handler = OPERATIONS.get(name)
        if model is None or handler is None:
            raise AwsError("UnknownOperationException",
                           f"Groundwork does not implement '{target[:120] or '(no X-Amz-Target)'}'")
        try:
            params = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError:
            raise AwsError("SerializationException", "the body is not valid JSON") from None
        shapes.validate(model, params)
        return respond(handler(call, params))
    except AwsError as exc:
        return error(exc)
    except Exception:  # an AWS client expects InternalFailure with a request id, not an HTML page
        log.exception("SageMaker operation %s failed", name)
        return error(AwsError("InternalFailure", "the request failed on the server; it has been logged", 500))
