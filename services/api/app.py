"""The Flask app factory: settings and Deps come in, nothing connects at import time."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, g, request
from werkzeug.routing import IntegerConverter, Map

from services.api.errors import register_error_handlers
from services.api.routes import (
    access_keys,
    human_review,
    jobs,
    lambda_functions,
    portal_api,
    system,
    task_ui,
    work,
    workforces,
)
from services.api.sagemaker import a2i_runtime, json_protocol
from services.api.sagemaker import flow_definitions as _flow_definitions  # noqa: F401 - registers operations
from services.api.sagemaker import human_task_uis as _human_task_uis  # noqa: F401 - registers operations
from services.api.sagemaker import labeling_jobs as _labeling_jobs  # noqa: F401 - registers operations
from services.api.sagemaker import workforces as _sm_workforces  # noqa: F401 - registers operations
from services.api.schemas import MAX_ID
from services.api.web import pages
from shared import metrics
from shared.bootstrap import Deps, build_deps
from shared.config import Settings, from_env


class IdConverter(IntegerConverter):
    """`<int:...>` ids past a 64-bit column match no route (404) instead of overflowing the database driver."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def create_app(settings: Settings | None = None, deps: Deps | None = None) -> Flask:
    settings = settings or (deps.settings if deps else from_env())
    app = Flask("groundwork", static_folder=None)  # the web blueprint serves /static
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024  # an uploaded manifest of 100,000 long lines fits
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["groundwork"] = deps or build_deps(settings)
    app.url_map.converters["int"] = IdConverter
    for module in (jobs, work, workforces, human_review, portal_api, task_ui, access_keys, lambda_functions,
                   system, pages,
                   json_protocol, a2i_runtime):
        app.register_blueprint(module.bp)
    register_error_handlers(app)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Any) -> Any:
        endpoint = request.endpoint or "unknown"
        if endpoint != "system.prometheus":
            metrics.REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - g.get("started", 0))
        return response

    return app
