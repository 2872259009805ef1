"""The dispatch worker's Celery app: ingest, sweep (dispatch upkeep), consolidation and export queues.

Deps are built once per process, after fork (`worker_process_init`), never at import time.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_init, worker_process_init

from shared.bootstrap import Deps, build_deps
from shared.config import from_env
from shared.messaging import make_celery

settings = from_env()
app = make_celery(settings, "groundwork-worker", include=["services.worker.tasks"])
_deps: Deps | None = None


def get_deps() -> Deps:
    global _deps
    if _deps is None:
        from shared.messaging import CeleryTaskQueue

        _deps = build_deps(settings, queue=CeleryTaskQueue(app))
    return _deps


@worker_process_init.connect
def _reset_after_fork(**_: Any) -> None:
    global _deps
    _deps = None


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    if settings.metrics_port:
        from shared.metrics import serve

        serve(settings.metrics_port)
