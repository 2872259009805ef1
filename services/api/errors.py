"""Errors as JSON: `{"error": {"code", "message", "field"}}`, with the field named whenever there is one."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from shared.domain.errors import DomainError


def error_response(status: int, code: str, message: str, field: str | None = None) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


def pydantic_error(exc: ValidationError, prefix: str = "") -> tuple[Response, int]:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    if prefix:
        field = f"{prefix}.{field}" if field else prefix
    message = f"{field}: {first['msg']}" if field else first["msg"]
    return error_response(422, "validation_error", message, field)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        message = f"{exc.field}: {exc.message}" if exc.field else exc.message
        return error_response(exc.status, exc.code, message, exc.field)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Any:
        return pydantic_error(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                              exc.description or exc.name or "error")
