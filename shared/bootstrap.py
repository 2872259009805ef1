"""The composition root: the only place that picks adapters from Settings and builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.clock import Clock, SystemClock
from shared.config import Settings
from shared.domain.money import usd_to_micros
from shared.faults import configure as configure_faults
from shared.messaging import TaskQueue
from shared.persistence.engine import make_engine, make_session_factory
from shared.storage import RoutingBlobStore, open_blob_store


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: RoutingBlobStore
    queue: TaskQueue
    clock: Clock = field(default_factory=SystemClock)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def fee_micros(self) -> int:
        return usd_to_micros(self.settings.service_fee_usd)


def build_deps(settings: Settings, queue: TaskQueue | None = None, clock: Clock | None = None) -> Deps:
    """Build engines and clients once per process (after fork for Celery and gunicorn workers)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_faults(settings.crash_at, settings.crash_marker)
    engine = make_engine(settings.effective_database_url)
    if queue is None:
        from shared.messaging import CeleryTaskQueue, make_celery

        queue = CeleryTaskQueue(make_celery(settings, "groundwork-producer"))
    return Deps(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        blobs=open_blob_store(settings.allowed_file_roots, settings.s3_endpoint_url, settings.s3_region),
        queue=queue,
        clock=clock or SystemClock(),
    )


class ProcessDeps:
    """A Celery app's Deps, built on first use in the process that runs the tasks (never at import time, and again
    after a fork: `reset` from `worker_process_init`), sending through that app."""

    def __init__(self, settings: Settings, app: Any) -> None:
        self.settings, self.app = settings, app
        self._deps: Deps | None = None

    def get(self) -> Deps:
        if self._deps is None:
            from shared.messaging import CeleryTaskQueue

            self._deps = build_deps(self.settings, queue=CeleryTaskQueue(self.app))
        return self._deps

    def reset(self) -> None:
        self._deps = None
