"""The trainer's Celery app: consumes only the training queue, with the solo pool so one process owns the GPU.

    celery -A services.trainer.celery_app worker -Q training -P solo -c 1

Deps are built on first use in the worker process (the solo pool never forks, so CUDA starts in the process that
keeps it).
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_init

from shared.bootstrap import Deps, build_deps
from shared.config import from_env
from shared.messaging import make_celery

settings = from_env()
app = make_celery(settings, "groundwork-trainer", include=["services.trainer.tasks"])
_deps: Deps | None = None


def get_deps() -> Deps:
    global _deps
    if _deps is None:
        from shared.messaging import CeleryTaskQueue

        _deps = build_deps(settings, queue=CeleryTaskQueue(app))
    return _deps


@worker_init.connect
def _serve_metrics(**_: Any) -> None:
    if settings.metrics_port:
        from shared.metrics import serve

        serve(settings.metrics_port)
