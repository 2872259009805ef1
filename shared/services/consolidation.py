"""Consolidation as batched work: every answered object of a job in one pass, never one message per object."""

from __future__ import annotations

import json

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain.consolidation import Answer, MajorityVote, consolidate_objects
from shared.domain.states import ObjectState
from shared.faults import crash_point
from shared.persistence.tables import AnswerRow, ConsolidatedLabel, DataObject, Job, LedgerEntry
from shared.services.job_cache import job_facts

BATCH = 2000


def consolidate_job_batch(deps: Deps, session: Session, job: Job, limit: int = BATCH) -> int:
    """Consolidate up to `limit` answered objects of `job`: label, confidence, service fee; returns how many."""
    object_ids = list(session.scalars(
        select(DataObject.id).where(DataObject.job_id == job.id, DataObject.state == ObjectState.ANSWERED)
        .order_by(DataObject.id).limit(limit).with_for_update(skip_locked=True)
    ))
    if not object_ids:
        return 0
    facts = job_facts(deps, session, job.id)
    answers = [
        Answer(object_id=oid, worker_id=labeler, label=facts.labels.index_of(json.loads(content)["label"]))
        for oid, labeler, content in session.execute(
            select(AnswerRow.object_id, AnswerRow.labeler_id, AnswerRow.content)
            .where(AnswerRow.object_id.in_(object_ids))
        )
    ]
    results = consolidate_objects(MajorityVote(), answers, len(facts.labels.labels))
    now = deps.clock.now()
    labeled = [oid for oid in object_ids if oid in results]
    if labeled:
        session.execute(insert(ConsolidatedLabel), [
            {"object_id": oid, "job_id": job.id, "class_index": results[oid].label,
             "class_name": facts.labels.labels[results[oid].label], "confidence": results[oid].confidence,
             "votes": results[oid].votes, "human": True, "algorithm": "majority-vote", "created_at": now}
            for oid in labeled
        ])
        if job.fee_micros:
            session.execute(insert(LedgerEntry), [
                {"key": f"fee:{oid}", "kind": "service_fee", "job_id": job.id, "workforce_id": None,
                 "labeler_id": None, "object_id": oid, "assignment_id": None, "amount_micros": job.fee_micros,
                 "created_at": now}
                for oid in labeled
            ])
        crash_point("consolidate.mid_batch")  # labels and fees inserted, objects not yet labeled, no commit
        session.execute(update(DataObject).where(DataObject.id.in_(labeled)).values(state=ObjectState.LABELED),
                        execution_options={"synchronize_session": False})
    orphans = [oid for oid in object_ids if oid not in results]
    if orphans:  # answered without a stored answer cannot happen; fail loudly rather than loop forever
        session.execute(update(DataObject).where(DataObject.id.in_(orphans))
                        .values(state=ObjectState.FAILED, failure_reason="no answers found to consolidate"),
                        execution_options={"synchronize_session": False})
    return len(labeled)


def consolidate_ready(deps: Deps, job_id: int | None = None) -> int:
    """One transaction per batch per job, so a crash loses at most an uncommitted batch (which reruns)."""
    done = 0
    with deps.sessions() as session:
        query = select(DataObject.job_id).where(DataObject.state == ObjectState.ANSWERED).distinct()
        job_ids = [job_id] if job_id else list(session.scalars(query))
    for jid in job_ids:
        while True:
            with deps.sessions.begin() as session:
                job = session.get(Job, jid)
                count = consolidate_job_batch(deps, session, job) if job else 0
            if job and count:  # counted after commit, so /metrics agrees with the database
                metrics.OBJECTS_CONSOLIDATED.labels(job.name).inc(count)
                if job.fee_micros:
                    metrics.COST_ACCRUED.labels(job.name, "service_fee").inc(count * job.fee_micros / 1e6)
            done += count
            if count < BATCH:
                break
    return done
