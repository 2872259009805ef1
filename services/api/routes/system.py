"""Health, the OpenAPI document and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import text

from services.api.auth import deps
from services.api.registry import registry
from shared import metrics
from shared.services import queries

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def health() -> Any:
    with deps().engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    return registry.document("Groundwork", "0.1.0")


@bp.get("/metrics")
def prometheus() -> Any:
    d = deps()

    def counts() -> Any:
        with d.sessions() as session:
            return queries.metric_counts(session)

    body = metrics.render([metrics.DatabaseCollector(counts)])
    return Response(body, mimetype="text/plain; version=0.0.4")
