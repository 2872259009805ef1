"""Consolidation as batched work: every answered object of a job in one pass, never one message per object."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain import arns
from shared.domain import hooks as hooks_domain
from shared.domain.hooks import HookError
from shared.domain.output import JobLayout
from shared.domain.states import ObjectState
from shared.faults import crash_point
from shared.persistence.tables import AnswerRow, ConsolidatedLabel, DataObject, Job, LedgerEntry
from shared.services import hooks, skills_store
from shared.services.job_cache import JobFacts, job_facts
from shared.services.label_results import LabelResult, ObjectInput, consolidate_batch, family_of

BATCH = 2000


def _inputs(session: Session, object_ids: list[int]) -> list[ObjectInput]:
    objects = {oid: ObjectInput(oid, line_no, raw, source, source_ref, [])
               for oid, line_no, raw, source, source_ref in session.execute(
                   select(DataObject.id, DataObject.line_no, DataObject.raw, DataObject.source, DataObject.source_ref)
                   .where(DataObject.id.in_(object_ids)))}
    for oid, labeler, content in session.execute(
        select(AnswerRow.object_id, AnswerRow.labeler_id, AnswerRow.content)
        .where(AnswerRow.object_id.in_(object_ids)).order_by(AnswerRow.id)
    ):
        objects[oid].answers.append((labeler, json.loads(content)))
    return [objects[oid] for oid in object_ids]


def consolidate_job_batch(deps: Deps, session: Session, job: Job, limit: int = BATCH) -> int:
    """Consolidate up to `limit` answered objects of `job`: label, confidence, service fee; returns how many.

    Labelers' skills are read before and written after, in the same transaction, so a batch's estimates start
    from every earlier batch and job of the same labelers and a crash loses neither."""
    object_ids = list(session.scalars(
        select(DataObject.id).where(DataObject.job_id == job.id, DataObject.state == ObjectState.ANSWERED)
        .order_by(DataObject.id).limit(limit).with_for_update(skip_locked=True)
    ))
    if not object_ids:
        return 0
    facts = job_facts(deps, session, job.id)
    inputs = [o for o in _inputs(session, object_ids) if o.answers]
    labelers = {labeler for o in inputs for labeler, _ in o.answers}
    skills = skills_store.load(session, labelers, family_of(facts.spec))
    now = deps.clock.now()
    layout = JobLayout.for_job(job.output_uri, job.name)
    hook_failure: str | None = None
    if job.post_hook:
        learned = []
        try:
            results = _through_hook(deps, job, facts, inputs, layout, now)
        except HookError as exc:
            results, hook_failure = {}, f"consolidation hook failed: {exc}"
    else:
        results, learned = consolidate_batch(facts, inputs, skills, deps.blobs.read_bytes)
    line_of = {o.object_id: o.line_no for o in inputs}
    for oid, result in results.items():
        if result.mask_png is not None:  # the consolidated mask is an artefact of its own; the label points at it
            uri = layout.consolidated_mask(line_of[oid], now)
            deps.blobs.write_bytes(uri, result.mask_png, "image/png")
            result.value = uri
    labeled = [oid for oid in object_ids if oid in results]
    if labeled:
        session.execute(insert(ConsolidatedLabel), [
            {"object_id": oid, "job_id": job.id, "class_index": results[oid].class_index,
             "class_name": results[oid].class_name, "confidence": results[oid].confidence,
             "value_json": json.dumps(results[oid].value, ensure_ascii=False),
             "meta_json": json.dumps(results[oid].meta, ensure_ascii=False),
             "votes": results[oid].votes, "human": True, "algorithm": results[oid].algorithm, "created_at": now}
            for oid in labeled
        ])
        if job.fee_micros:
            session.execute(insert(LedgerEntry), [
                {"key": f"fee:{oid}", "kind": "service_fee", "job_id": job.id, "workforce_id": None,
                 "labeler_id": None, "object_id": oid, "assignment_id": None, "amount_micros": job.fee_micros,
                 "created_at": now}
                for oid in labeled
            ])
        skills_store.save(session, learned, now)
        crash_point("consolidate.mid_batch")  # labels and fees inserted, objects not yet labeled, no commit
        session.execute(update(DataObject).where(DataObject.id.in_(labeled)).values(state=ObjectState.LABELED),
                        execution_options={"synchronize_session": False})
    orphans = [oid for oid in object_ids if oid not in results]
    if orphans:  # a hook that failed or left objects out, or (never expected) answers missing: fail, don't loop
        reason = hook_failure or ("the consolidation hook returned no label for this object" if job.post_hook
                                  else "no answers found to consolidate")
        session.execute(update(DataObject).where(DataObject.id.in_(orphans))
                        .values(state=ObjectState.FAILED, failure_reason=reason[:2000]),
                        execution_options={"synchronize_session": False})
    return len(labeled)


COMMON_METADATA = ("type", "job-name", "human-annotated", "creation-date", "job_name", "creation_date")


def _through_hook(deps: Deps, job: Job, facts: JobFacts, inputs: list[ObjectInput], layout: JobLayout,
                  now: datetime) -> dict[int, LabelResult]:
    """A requester's consolidation hook (Ground Truth's annotation-consolidation Lambda contract) labels the
    batch: the payload and its answer are kept under the job's output, as Ground Truth keeps them."""
    ref = hooks_domain.parse_hook_ref(job.post_hook or "", "consolidation_hook")
    hooks.check_allowed(ref, deps.settings.hook_modules, deps.settings.hook_hosts)
    objects = [(str(o.line_no), json.loads(o.raw),
                [(f"{labeler:016x}", json.dumps({facts.spec.element: content}, ensure_ascii=False))
                 for labeler, content in o.answers]) for o in inputs]
    account = arns.requester_account(deps.settings.aws_account, job.requester_id)
    given = json.loads(job.sagemaker_json) if job.sagemaker_json else {}
    job_arn = hooks_domain.labeling_job_arn(deps.settings.aws_region, account, job.name)
    answered = hooks.run_consolidation(
        deps.blobs, layout.root, ref, job_arn=job_arn,
        label_attribute=job.label_attribute, label_categories=list(facts.labels.labels),
        role_arn=given.get("RoleArn") or arns.default_role_arn(account), objects=objects, moment=now,
        timeout_s=deps.settings.hook_timeout_s, allowed_modules=deps.settings.hook_modules)
    results: dict[int, LabelResult] = {}
    for o in inputs:
        content = answered.get(str(o.line_no))
        if content is None:
            continue
        meta = {k: v for k, v in (content.metadata or {}).items() if k not in COMMON_METADATA}
        confidence = meta.get("confidence")
        results[o.object_id] = LabelResult(
            content.value, meta, float(confidence) if isinstance(confidence, int | float) else 0.0,
            len(o.answers), "hook", class_name=meta.get("class-name") if isinstance(meta.get("class-name"), str)
            else None)
    return results


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
