"""AWS's error shapes: the JSON 1.1 protocol answers `{"__type": code, "message": text}`, the A2I REST protocol
`{"message": text}` with the code in the `x-amzn-ErrorType` header; botocore raises the exception named by the
code either way. Domain errors from Groundwork's services map onto SageMaker's codes here, in one place."""

from __future__ import annotations

from shared.domain.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized, ValidationFailed


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFound", message)


def in_use(message: str) -> AwsError:
    return AwsError("ResourceInUse", message)


def access_denied(message: str) -> AwsError:
    return AwsError("AccessDeniedException", message)


# SageMaker's control-plane codes (no `Exception` suffix on the resource ones); the A2I door respells them with
# its own statuses on the way out (a2i_runtime._a2i_error).
SAGEMAKER_CODES = {NotFound: "ResourceNotFound", Conflict: "ResourceInUse", ValidationFailed: "ValidationException",
                   Forbidden: "AccessDeniedException", Unauthorized: "AccessDeniedException"}


def _message(exc: DomainError, fields: dict[str, str] | None) -> str:
    field = (fields or {}).get(exc.field or "", exc.field)
    return f"{field}: {exc.message}" if field else exc.message


def from_domain(exc: DomainError, fields: dict[str, str] | None = None) -> AwsError:
    """`fields` renames Groundwork's field names (`workers_per_object`) to the request's members."""
    for kind, code in SAGEMAKER_CODES.items():
        if isinstance(exc, kind):
            return AwsError(code, _message(exc, fields))
    return AwsError("ValidationException", _message(exc, fields))
