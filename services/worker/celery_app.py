"""The dispatch worker's Celery app: ingest, sweep (dispatch upkeep), consolidation and export queues.

Deps are built once per process, after fork (`worker_process_init`), never at import time.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from shared.bootstrap import Deps, ProcessDeps
from shared.config import from_env
from shared.messaging import make_celery, serve_metrics_when_started

settings = from_env()
app = make_celery(settings, "groundwork-worker", include=["services.worker.tasks"])
_deps = ProcessDeps(settings, app)
serve_metrics_when_started(settings)


def get_deps() -> Deps:
    return _deps.get()


@worker_process_init.connect
def _reset_after_fork(**_: Any) -> None:
    _deps.reset()
