"""Object mothers and a synchronous driver that runs queued Celery work in-process (unit and e2e helpers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.bootstrap import Deps
from shared.messaging import RecordingTaskQueue, TaskNames
from shared.services import consolidation, export, ingest, lifecycle


def write_manifest(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path.resolve().as_uri()


def text_lines(n: int) -> list[str]:
    import json

    return [json.dumps({"source": f"review number {i}", "id": i}) for i in range(n)]


def drain(deps: Deps, rounds: int = 50, extra: dict[str, Any] | None = None) -> None:
    """Run whatever the use cases queued, as a Celery worker would, until nothing is left. `extra` adds handlers
    (the trainer's round, which needs torch, so only the tests that train pass it)."""
    queue = deps.queue
    assert isinstance(queue, RecordingTaskQueue)
    handlers: dict[str, Any] = {
        TaskNames.PLAN_INGEST: lambda kw: ingest.plan_ingest(deps, **kw),
        TaskNames.INGEST_CHUNK: lambda kw: ingest.ingest_chunk(deps, **kw),
        TaskNames.SWEEP: lambda kw: lifecycle.sweep(deps),
        TaskNames.CONSOLIDATE: lambda kw: consolidation.consolidate_ready(deps, **kw),
        TaskNames.EXPORT_JOB: lambda kw: export.export_job(deps, **kw),
        **(extra or {}),
    }
    for _ in range(rounds):
        if not queue.sent:
            return
        name, kwargs = queue.sent.pop(0)
        handlers[name](kwargs)
    raise AssertionError("work kept coming")
