"""Register hooks under Lambda function names, so SageMaker requests that name custom Lambda ARNs run them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g
from pydantic import Field

from services.api.auth import deps, requester_required
from services.api.registry import registry
from services.api.schemas import Strict
from shared.domain.task_types import TaskType
from shared.services import lambda_functions

bp = Blueprint("lambda_functions", __name__, url_prefix="/api/v1/lambda-functions")


class LambdaFunctionPut(Strict):
    hook: str = Field(min_length=1, max_length=1024,
                      description="python:<module>:<function> (a module in GW_HOOK_MODULES) or an http(s) URL")
    task_type: TaskType | None = Field(
        None, description="what a custom job naming this function labels, when its template does not say")


@registry.route(bp, "/<name>", "PUT", "Register (or replace) the hook a Lambda function name stands for",
                auth="requester", body=LambdaFunctionPut, responses={200: "Registered", 422: "Bad hook or name"})
@requester_required
def put_function(name: str, body: LambdaFunctionPut) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        row = lambda_functions.register(d, session, g.requester_id, name, body.hook,
                                        body.task_type.value if body.task_type else None)
        return lambda_functions.view(row)


@registry.route(bp, "", "GET", "List your registered Lambda functions", auth="requester")
@requester_required
def list_functions() -> Any:
    with deps().sessions() as session:
        return {"items": [lambda_functions.view(r) for r in lambda_functions.list_all(session, g.requester_id)]}


@registry.route(bp, "/<name>", "DELETE", "Forget a Lambda function name (jobs already created keep their hook)",
                auth="requester", responses={204: "Deleted", 404: "Not registered"})
@requester_required
def delete_function(name: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        lambda_functions.delete(session, g.requester_id, name)
    return Response(status=204)
