"""Immutable job facts the hot path needs on every claim and submit, cached per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from shared.bootstrap import Deps
from shared.domain.labels import LabelConfig
from shared.domain.task_types import TaskTypeSpec, spec_for
from shared.persistence.engine import Executor
from shared.persistence.tables import Job, Workteam


@dataclass(frozen=True)
class JobFacts:
    id: int
    name: str
    title: str
    task_type: str
    spec: TaskTypeSpec
    labels: LabelConfig
    workers_per_object: int
    price_micros: int
    workforce_id: int
    workteam_id: int
    task_time_limit_s: int
    label_attribute: str
    label_document: dict[str, Any]
    prior_attribute: str | None
    consolidator: str
    gold_rate: float
    gold_min_accuracy: float | None
    gold_min_answers: int
    min_workers: int | None
    target_confidence: float | None


def job_facts(deps: Deps, session: Executor, job_id: int) -> JobFacts:
    cache: dict[int, JobFacts] = deps.cache.setdefault("job_facts", {})
    facts = cache.get(job_id)
    if facts is None:
        job = session.execute(select(Job.__table__).where(Job.id == job_id)).one()
        team = session.execute(select(Workteam.__table__).where(Workteam.id == job.workteam_id)).one()
        facts = JobFacts(
            id=job.id, name=job.name, title=job.title, task_type=job.task_type, spec=spec_for(job.task_type),
            labels=LabelConfig(tuple(json.loads(job.labels_json)), job.short_instruction, job.full_instruction),
            workers_per_object=job.workers_per_object, price_micros=job.price_micros,
            workforce_id=team.workforce_id, workteam_id=team.id, task_time_limit_s=job.task_time_limit_s,
            label_attribute=job.label_attribute,
            label_document=json.loads(job.label_config_json) if job.label_config_json else
            {"labels": [{"label": name} for name in json.loads(job.labels_json)]},
            prior_attribute=job.prior_attribute, consolidator=job.consolidator, gold_rate=job.gold_rate,
            gold_min_accuracy=job.gold_min_accuracy, gold_min_answers=job.gold_min_answers,
            min_workers=job.min_workers, target_confidence=job.target_confidence,
        )
        cache[job_id] = facts
    return facts
