"""Domain exceptions: the API maps each to one HTTP status, the workers to retry-or-drop."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `field` names the request member at fault, when there is one."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class IllegalTransition(Conflict):
    code = "illegal_transition"
