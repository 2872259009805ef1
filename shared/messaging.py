"""Celery wiring shared by producers and consumers: queue and task names as constants, tasks sent by name.

Producers call `send_task` by name, so the API never imports worker code. Messages carry ids only; the
database says what is left to do, and the periodic sweep re-drives anything a lost message left behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from celery import Celery

from shared import filesystem_broker
from shared.config import Settings

filesystem_broker.install()


class QueueNames:
    INGEST = "ingest"
    DISPATCH = "dispatch"
    CONSOLIDATION = "consolidation"
    EXPORT = "export"
    TRAINING = "training"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.INGEST, cls.DISPATCH, cls.CONSOLIDATION, cls.EXPORT, cls.TRAINING)


class TaskNames:
    PLAN_INGEST = "gw.plan_ingest"
    INGEST_CHUNK = "gw.ingest_chunk"
    SWEEP = "gw.sweep"
    CONSOLIDATE = "gw.consolidate"
    EXPORT_JOB = "gw.export_job"
    TRAIN_ROUND = "gw.train_round"


ROUTES: dict[str, str] = {
    TaskNames.PLAN_INGEST: QueueNames.INGEST,
    TaskNames.INGEST_CHUNK: QueueNames.INGEST,
    TaskNames.SWEEP: QueueNames.DISPATCH,
    TaskNames.CONSOLIDATE: QueueNames.CONSOLIDATION,
    TaskNames.EXPORT_JOB: QueueNames.EXPORT,
    TaskNames.TRAIN_ROUND: QueueNames.TRAINING,
}


class TaskQueue(Protocol):
    def send(self, task_name: str, **kwargs: Any) -> None: ...


def broker_options(settings: Settings) -> dict[str, Any]:
    url = settings.broker_url
    if url.startswith("filesystem://"):
        folder = settings.broker_folder
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),  # else kombu writes ./control in the working directory
            "store_processed": False,
            # Celery polls a filesystem queue on a timer and takes one message per poll: kombu's default of one
            # second caps the embedded broker at about one task a second per queue, and a backlog (sweep
            # re-drives) then grows faster than it drains. A tenth of a second lists a folder ten times a second.
            "polling_interval": 0.1,
        }
    if url.startswith(("redis://", "rediss://")):
        # A killed worker's unacked message comes back after this long (the sweep re-drives sooner).
        return {"visibility_timeout": 300}
    return {}


def make_celery(settings: Settings, name: str, include: list[str] | None = None) -> Celery:
    app = Celery(name, broker=settings.broker_url, include=include or [])
    app.conf.update(
        broker_transport_options=broker_options(settings),
        task_routes={task: {"queue": queue} for task, queue in ROUTES.items()},
        task_default_queue=QueueNames.DISPATCH,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        beat_schedule={
            "sweep": {"task": TaskNames.SWEEP, "schedule": settings.sweep_seconds, "options": {"expires": 30}},
        },
        beat_schedule_filename=str(Path(settings.data_dir).resolve() / "celerybeat-schedule"),
    )
    return app


class CeleryTaskQueue:
    """Sends by task name; never imports the task's code."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def send(self, task_name: str, **kwargs: Any) -> None:
        self.app.send_task(task_name, kwargs=kwargs, queue=ROUTES.get(task_name, QueueNames.DISPATCH))


class RecordingTaskQueue:
    """For tests and the in-process runner: remembers what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, task_name: str, **kwargs: Any) -> None:
        self.sent.append((task_name, kwargs))


def serve_metrics_when_started(settings: Settings) -> None:
    """A worker or trainer host serves /metrics (GW_METRICS_PORT) from the Celery main process once it starts."""
    from celery.signals import worker_init

    @worker_init.connect(weak=False)
    def _serve(**_: Any) -> None:
        if settings.metrics_port:
            from shared.metrics import serve

            serve(settings.metrics_port)
