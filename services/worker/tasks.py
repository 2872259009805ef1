"""Thin Celery tasks: ids in, one use case called, nothing else. All are idempotent (acks_late)."""

from __future__ import annotations

from celery import shared_task

from services.worker.celery_app import get_deps
from shared.messaging import TaskNames
from shared.services import consolidation, export, ingest, lifecycle


@shared_task(name=TaskNames.PLAN_INGEST)
def plan_ingest(job_id: int) -> None:
    ingest.plan_ingest(get_deps(), job_id)


@shared_task(name=TaskNames.INGEST_CHUNK)
def ingest_chunk(job_id: int, chunk_no: int) -> None:
    ingest.ingest_chunk(get_deps(), job_id, chunk_no)


@shared_task(name=TaskNames.SWEEP)
def sweep() -> dict[str, int]:
    return lifecycle.sweep(get_deps())


@shared_task(name=TaskNames.CONSOLIDATE)
def consolidate(job_id: int | None = None) -> int:
    return consolidation.consolidate_ready(get_deps(), job_id)


@shared_task(name=TaskNames.EXPORT_JOB)
def export_job(job_id: int) -> str | None:
    return export.export_job(get_deps(), job_id)
