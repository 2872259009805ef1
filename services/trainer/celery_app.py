"""The trainer's Celery app: consumes only the training queue, with the solo pool so one process owns the GPU.

    celery -A services.trainer.celery_app worker -Q training -P solo -c 1

Deps are built on first use in the worker process (the solo pool never forks, so CUDA starts in the process that
keeps it).
"""

from __future__ import annotations

from shared.bootstrap import Deps, ProcessDeps
from shared.config import from_env
from shared.messaging import make_celery, serve_metrics_when_started

settings = from_env()
app = make_celery(settings, "groundwork-trainer", include=["services.trainer.tasks"])
_deps = ProcessDeps(settings, app)
serve_metrics_when_started(settings)


def get_deps() -> Deps:
    return _deps.get()
