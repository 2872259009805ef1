"""A requester's hooks registered under Lambda function names.

A Ground Truth job names its custom pre-annotation and consolidation logic by Lambda ARN. Groundwork runs no
Lambda; the requester registers each function name once with the hook that implements it (an operator-allowed
`python:<module>:<function>` or an http(s) URL receiving the same event), and a job naming
`arn:aws:lambda:<region>:<account>:function:<name>` runs that hook. Ground Truth's own PRE-/ACS- functions need no
registration: they are Groundwork's built-ins.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import hooks as hooks_domain
from shared.domain.errors import NotFound, ValidationFailed
from shared.domain.task_types import TaskType
from shared.persistence.tables import LambdaFunction
from shared.services import hooks

_NAME = re.compile(r"[a-zA-Z0-9-_]{1,64}")
_LAMBDA_ARN = re.compile(r"arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
                         r"(?P<name>[a-zA-Z0-9-_]{1,64})(?::(?:\$LATEST|[a-zA-Z0-9-_]+))?")


def function_name(arn: str) -> tuple[str, str] | None:
    """(account, function name) of a Lambda function ARN (a version or alias suffix is ignored), else None."""
    match = _LAMBDA_ARN.fullmatch(arn) if isinstance(arn, str) else None
    return (match["account"], match["name"]) if match else None


def register(deps: Deps, session: Session, requester_id: int, name: str, hook: str,
             task_type: str | None) -> LambdaFunction:
    """Create or replace the function's hook."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationFailed("must be 1-64 letters, digits, hyphens or underscores (a Lambda function name)",
                               "name")
    try:
        hooks.check_allowed(hooks_domain.parse_hook_ref(hook, "hook"), deps.settings.hook_modules,
                            deps.settings.hook_hosts)
    except hooks_domain.HookError as exc:
        raise ValidationFailed(str(exc), "hook") from None
    if task_type is not None and task_type not in {t.value for t in TaskType}:
        raise ValidationFailed(f"one of {', '.join(t.value for t in TaskType)}", "task_type")
    row = _find(session, requester_id, name)
    if row is None:
        row = LambdaFunction(requester_id=requester_id, name=name, hook=hook, task_type=task_type,
                             created_at=deps.clock.now())
        session.add(row)
    else:
        row.hook, row.task_type = hook, task_type
    session.flush()
    return row


def _find(session: Session, requester_id: int, name: str) -> LambdaFunction | None:
    return session.scalar(select(LambdaFunction).where(LambdaFunction.requester_id == requester_id,
                                                       LambdaFunction.name == name))


def get(session: Session, requester_id: int, name: str, field: str = "name") -> LambdaFunction:
    row = _find(session, requester_id, name)
    if row is None:
        raise NotFound(f"no Lambda function '{name[:64]}' is registered; register it with PUT "
                       f"/api/v1/lambda-functions/{name[:64]}", field)
    return row


def view(row: LambdaFunction) -> dict[str, Any]:
    return {"name": row.name, "hook": row.hook, "task_type": row.task_type,
            "created_at": row.created_at.isoformat() + "Z"}


def list_all(session: Session, requester_id: int) -> list[LambdaFunction]:
    return list(session.scalars(select(LambdaFunction).where(LambdaFunction.requester_id == requester_id)
                                .order_by(LambdaFunction.name)))


def delete(session: Session, requester_id: int, name: str) -> None:
    session.delete(get(session, requester_id, name))
