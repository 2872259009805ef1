"""A small route registry: each endpoint declares its pydantic models once; the same declaration validates
requests and generates the OpenAPI document, so the document cannot drift from the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError

from services.api.errors import pydantic_error

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Endpoint:
    method: str
    rule: str
    summary: str
    auth: str | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, str]
    tag: str
    multipart: bool = False


@dataclass
class Registry:
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        bp: Blueprint,
        rule: str,
        method: str,
        summary: str,
        *,
        auth: str | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        responses: dict[int, str] | None = None,
        multipart: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a view; it receives `body=`/`query=` as validated models."""
        full_rule = (bp.url_prefix or "") + rule
        self.endpoints.append(Endpoint(method, full_rule, summary, auth, body, query,
                                       responses or {200: "OK"}, bp.name, multipart))

        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(**kwargs: Any) -> Any:
                if query is not None:
                    try:
                        kwargs["query"] = query.model_validate(request.args.to_dict())
                    except ValidationError as exc:
                        return pydantic_error(exc, "query")
                if body is not None and not (multipart and request.mimetype == "multipart/form-data"):
                    payload = request.get_json(silent=True)
                    if payload is None:
                        payload = {} if not request.get_data() else None
                    if payload is None:
                        from services.api.errors import error_response

                        return error_response(400, "bad_request", "body: must be a JSON object", "body")
                    try:
                        kwargs["body"] = body.model_validate(payload)
                    except ValidationError as exc:
                        return pydantic_error(exc, "body")
                return view(**kwargs)

            wrapper.__name__ = view.__name__
            bp.add_url_rule(rule, view_func=wrapper, methods=[method])
            return view

        return decorate

    def document(self, title: str, version: str) -> dict[str, Any]:
        components: dict[str, Any] = {"Error": _ERROR_SCHEMA}
        paths: dict[str, Any] = {}
        for ep in self.endpoints:
            path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", ep.rule)
            op: dict[str, Any] = {"summary": ep.summary, "tags": [ep.tag], "operationId": _op_id(ep),
                                  "responses": _responses(ep)}
            params = [_path_param(m.group(1), m.group(2)) for m in _CONVERTER.finditer(ep.rule)]
            if ep.query is not None:
                params += _query_params(ep.query, components)
            if params:
                op["parameters"] = params
            if ep.body is not None:
                op["requestBody"] = _request_body(ep, components)
            if ep.auth:
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[ep.method.lower()] = op
        return {
            "openapi": "3.0.3",
            "info": {"title": title, "version": version},
            "paths": paths,
            "components": {"schemas": components,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        }


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string", "nullable": True}}}},
}


def _op_id(ep: Endpoint) -> str:
    words = re.sub(r"[^a-zA-Z0-9]+", " ", ep.rule.replace("/api/v1", "")).split()
    return ep.method.lower() + "".join(w.capitalize() for w in words)


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = _nullable(sub)
    components[model.__name__] = _nullable(schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0 has no `type: null`; pydantic's `anyOf [X, null]` becomes X with `nullable: true`."""
    if isinstance(schema, dict):
        any_of = schema.get("anyOf")
        if isinstance(any_of, list) and {"type": "null"} in any_of:
            rest = [s for s in any_of if s != {"type": "null"}]
            new = {k: v for k, v in schema.items() if k != "anyOf"}
            if len(rest) == 1 and "$ref" not in rest[0]:
                new.update(_nullable(rest[0]))
            else:
                new["anyOf"] = [_nullable(s) for s in rest]
            new["nullable"] = True
            return new
        return {k: _nullable(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_nullable(s) for s in schema]
    return schema


def _path_param(converter: str | None, name: str) -> dict[str, Any]:
    schema = ({"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1} if converter == "int"
              else {"type": "string"})
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_params(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _nullable(model.model_json_schema())
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _request_body(ep: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    assert ep.body is not None
    content: dict[str, Any] = {"application/json": {"schema": _schema_of(ep.body, components)}}
    if ep.multipart:
        content["multipart/form-data"] = {"schema": {
            "type": "object", "required": ["job", "manifest"],
            "properties": {"job": {"type": "string", "description": "the JSON body, as a string"},
                           "manifest": {"type": "string", "format": "binary"}}}}
    return {"required": True, "content": content}


def _responses(ep: Endpoint) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, text in ep.responses.items():
        entry: dict[str, Any] = {"description": text}
        if status != 204:
            entry["content"] = {"application/json": {"schema": {"type": "object"}}}
        out[str(status)] = entry
    ref = {"$ref": "#/components/schemas/Error"}
    error = {"description": "error", "content": {"application/json": {"schema": ref}}}
    for status in (400, 401, 403, 404, 409, 422):
        out.setdefault(str(status), error)
    return out
