"""The trainer's one task: ids in, one round run (or nothing, when the round is done or taken)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from services.trainer.active import run_round
from services.trainer.celery_app import get_deps
from shared.messaging import TaskNames


@shared_task(name=TaskNames.TRAIN_ROUND)
def train_round(job_id: int, round_no: int) -> dict[str, Any] | None:
    result = run_round(get_deps(), job_id, round_no)
    return None if result is None else result.__dict__
