"""Requests checked against botocore's own service models, the authority on every SageMaker shape.

boto3 checks only required members, types and minimums on the client; AWS's servers check the rest (maximum
lengths and values, patterns, enums) and answer ValidationException with a message in AWS's wording, listing
every violation. This module does the same for any operation of a loaded model, so a raw HTTP client that skips
boto3's checks gets the same answers too. Timestamps arrive as epoch seconds (JSON 1.1) or ISO-8601 strings
(REST query strings) and leave as epoch seconds.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

from services.api.sagemaker.errors import AwsError

MAX_REPORTED = 10
# Numeric shape types: the Python values each accepts (never a bool) and how a violation names them.
_NUMBERS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "integer": (int, "an integer"), "long": (int, "an integer"),
    "float": ((int, float), "a number"), "double": ((int, float), "a number"),
}


@functools.cache
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


def operation(service: str, name: str) -> OperationModel | None:
    model = service_model(service)
    return model.operation_model(name) if name in model.operation_names else None


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    """AWS's patterns are Java regular expressions matched against the whole value; the few Python cannot
    compile are not checked."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 200 else text[:200] + "..."


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, value: Any, path: str, constraint: str) -> None:
        if value is None:
            self.errors.append(f"Value null at '{path}' failed to satisfy constraint: {constraint}")
        else:
            self.errors.append(f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {constraint}")

    def check(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        meta = shape.metadata
        if kind == "structure":
            if not isinstance(value, dict):
                self.fail(value, path, "Member must be a structure")
                return
            for name in shape.required_members:
                if value.get(name) is None:
                    self.fail(None, self._join(path, name), "Member must not be null")
            for name, member in shape.members.items():
                if value.get(name) is not None:
                    self.check(member, value[name], self._join(path, name))
            return
        if kind == "list":
            if not isinstance(value, list):
                self.fail(value, path, "Member must be a list")
                return
            self._length(value, path, meta)
            for index, item in enumerate(value, 1):
                self.check(shape.member, item, f"{path}.{index}.member")
            return
        if kind == "map":
            if not isinstance(value, dict):
                self.fail(value, path, "Member must be a map")
                return
            self._length(value, path, meta)
            for key, item in value.items():
                self.check(shape.key, key, f"{path}.key")
                self.check(shape.value, item, f"{path}.{key}.member")
            return
        if kind == "string":
            if not isinstance(value, str):
                self.fail(value, path, "Member must be a string")
                return
            self._length(value, path, meta)
            if shape.enum and value not in shape.enum:
                self.fail(value, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
            elif "pattern" in meta:
                compiled = _pattern(meta["pattern"])
                if compiled is not None and compiled.fullmatch(value) is None:
                    self.fail(value, path, f"Member must satisfy regular expression pattern: {meta['pattern']}")
            return
        if kind in _NUMBERS:
            accepted, wording = _NUMBERS[kind]
            if isinstance(value, bool) or not isinstance(value, accepted):
                self.fail(value, path, f"Member must be {wording}")
                return
            self._range(value, path, meta)
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                self.fail(value, path, "Member must be a boolean")
            return
        if kind == "timestamp":
            try:
                to_datetime(value)
            except ValueError:
                self.fail(value, path, "Member must be a timestamp (epoch seconds or ISO-8601)")

    @staticmethod
    def _join(path: str, name: str) -> str:
        return f"{path}.{_lower_first(name)}" if path else _lower_first(name)

    def _length(self, value: Any, path: str, meta: dict[str, Any]) -> None:
        if "min" in meta and len(value) < meta["min"]:
            self.fail(value, path, f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            self.fail(value, path, f"Member must have length less than or equal to {meta['max']}")

    def _range(self, value: float, path: str, meta: dict[str, Any]) -> None:
        if "min" in meta and value < meta["min"]:
            self.fail(value, path, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            self.fail(value, path, f"Member must have value less than or equal to {meta['max']}")


def validate(op: OperationModel, params: Any) -> None:
    """ValidationException listing every violation of the operation's input shape, in AWS's words."""
    if op.input_shape is None:
        return
    checker = _Checker()
    checker.check(op.input_shape, params, "")
    if checker.errors:
        count = len(checker.errors)
        shown = "; ".join(checker.errors[:MAX_REPORTED])
        raise AwsError("ValidationException",
                       f"{count} validation error{'s' if count > 1 else ''} detected: {shown}")


def to_datetime(value: Any) -> datetime:
    """Naive UTC (Groundwork's columns) from epoch seconds or an ISO-8601 string."""
    if isinstance(value, bool):
        raise ValueError("not a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return to_datetime(float(value))
        except ValueError:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    raise ValueError("not a timestamp")


def epoch(moment: datetime | None) -> float | None:
    """Epoch seconds with milliseconds, as AWS's JSON services answer (botocore parses them tz-aware)."""
    if moment is None:
        return None
    return round(moment.replace(tzinfo=UTC).timestamp(), 3)
