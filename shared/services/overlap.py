"""Dynamic overlap: after each answer, consolidate the object again and stop buying answers once its label is
sure enough.

A job sets `min_workers` and `target_confidence`; `workers_per_object` stays the most it will buy. After an answer
on an object with at least `min_workers` answers, the posterior of its leading class is computed from the answers
and each labeler's known skill (their confusion matrix over this job's labels when one is kept, else their
accuracy); at or above the target the object stops taking leases and goes to consolidation. Leases already out
may still be submitted (the labeler did the work and is paid). A crash between the submit and this check leaves the
object open: it buys at most one answer too many, and the sweep re-checks open objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain.consolidation.dynamic_overlap import OverlapPolicy, WorkerSkills, decide
from shared.domain.consolidation.em import one_coin
from shared.domain.states import ObjectState
from shared.domain.task_types import AnswerKind
from shared.persistence.tables import AnswerRow, DataObject, Job
from shared.services import skills_store
from shared.services.job_cache import JobFacts, job_facts
from shared.services.label_results import family_of, labels_key
from shared.services.release import replace_one

SUPPORTED = (AnswerKind.CLASS, AnswerKind.VERDICT)


def _confusions(facts: JobFacts, skills: dict[int, skills_store.Skill]) -> dict[int, np.ndarray]:
    """Each labeler's confusion matrix over this job's labels: kept ones when learned on the same label list,
    else built from their accuracy (errors spread evenly)."""
    k = len(facts.labels.labels)
    key = labels_key(facts.labels)
    out = {}
    for labeler, skill in skills.items():
        if skill.confusion is not None and skill.labels_key == key:
            out[labeler] = np.asarray(skill.confusion, dtype=float)
        else:
            out[labeler] = one_coin(min(max(skill.accuracy, 1e-3), 1 - 1e-3), k)
    return out


def check_objects(deps: Deps, session: Session, facts: JobFacts, object_ids: Iterable[int]) -> int:
    """Close every listed open object whose label has reached the job's target; returns how many closed."""
    ids = list(object_ids)
    if not ids or facts.spec.answer_kind not in SUPPORTED or facts.target_confidence is None:
        return 0
    answers: dict[int, list[tuple[int, int]]] = {}
    for oid, labeler, content in session.execute(
            select(AnswerRow.object_id, AnswerRow.labeler_id, AnswerRow.content)
            .join(DataObject, DataObject.id == AnswerRow.object_id)
            .where(AnswerRow.object_id.in_(ids), DataObject.state == ObjectState.OPEN)):
        answers.setdefault(oid, []).append((labeler, facts.labels.index_of(json.loads(content)["label"])))
    labelers = {labeler for given in answers.values() for labeler, _ in given}
    k = len(facts.labels.labels)
    known = skills_store.load(session, labelers, family_of(facts.spec))
    skills = WorkerSkills.from_confusions(_confusions(facts, known), np.full(k, 1.0 / k),
                                          default_confusion=one_coin(0.7, k))  # a stranger: Ground Truth's 0.7
    policy = OverlapPolicy(min_workers=facts.min_workers or 1, max_workers=facts.workers_per_object,
                           target_confidence=facts.target_confidence)
    closed = 0
    now = deps.clock.now()
    for oid, given in answers.items():
        if not decide(given, skills, policy).stop:
            continue
        moved = session.execute(update(DataObject).where(DataObject.id == oid, DataObject.state == ObjectState.OPEN)
                                .values(state=ObjectState.ANSWERED, remaining=0)).rowcount
        if moved:
            closed += 1
            replace_one(session, facts.id, facts.workers_per_object, now)
    return closed


def after_submit(deps: Deps, facts: JobFacts, object_id: int) -> None:
    with deps.sessions.begin() as session:
        check_objects(deps, session, facts, [object_id])


def sweep_open_objects(deps: Deps, session: Session, job: Job) -> int:
    """The sweep's re-check: open objects of a dynamic-overlap job with enough answers to be judged."""
    if job.target_confidence is None:
        return 0
    facts = job_facts(deps, session, job.id)
    ids = session.scalars(select(DataObject.id).where(
        DataObject.job_id == job.id, DataObject.state == ObjectState.OPEN,
        DataObject.answers_count >= (job.min_workers or 1)).limit(2000))
    return check_objects(deps, session, facts, ids)
