"""Gold items: known answers mixed into a job's task stream to score each labeler, and the removal of labelers
who fall below the job's bar.

Gold items are data objects in state 'gold' with negative line numbers: outside the dataset, so ingest, the
counters, consolidation and the output never see them. Any labeler of the team may answer each one once (the
(object, labeler) unique index holds), and is paid for it like any task: a labeler cannot tell gold apart.
A score is written once per assignment (its primary key), right after the submit commits; the sweep scores any
answer a crash left unscored, so scores are never lost or doubled.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import agreement as agreement_rules
from shared.domain import gold as rules
from shared.domain.errors import ValidationFailed
from shared.domain.known_answers import check_known_item
from shared.domain.labels import LabelConfig
from shared.domain.money import micros_to_usd
from shared.domain.states import AssignmentState, JobStatus, ObjectState
from shared.domain.task_types import AnswerKind, TaskTypeSpec, spec_for
from shared.persistence.engine import Executor, conflict_insert
from shared.persistence.tables import (
    AnswerRow,
    Assignment,
    ConsolidatedLabel,
    DataObject,
    GoldScore,
    Job,
    Labeler,
    LabelerRemoval,
    LedgerEntry,
)
from shared.services import audit
from shared.services.claims import lease
from shared.services.job_cache import JobFacts, job_facts
from shared.services.label_results import check_mask_answer

MAX_GOLD_ITEMS = 1000


def add_gold_items(session: Session, job: Job, facts_spec: TaskTypeSpec, labels: LabelConfig,
                   items: list[dict[str, Any]], field: str = "gold.items") -> int:
    """Validate every item (its data key and its answer, as a labeler's answer would be) and store them.
    An item is `{"source" or "source-ref": ..., "answer": <the answer a labeler would submit>}`; any other keys
    pass through like a manifest line's."""
    if len(items) > MAX_GOLD_ITEMS:
        raise ValidationFailed(f"at most {MAX_GOLD_ITEMS} gold items", field)
    rows = []
    check_known = check_mask_answer if facts_spec.answer_kind == AnswerKind.MASK else None
    for i, item in enumerate(items):
        known = check_known_item(item, f"{field}[{i}]", facts_spec, labels, "a gold item", check_known)
        rows.append({"job_id": job.id, "line_no": -(i + 1), "raw": known.text, "source": known.source,
                     "source_ref": known.source_ref, "state": ObjectState.GOLD.value, "remaining": 0,
                     "answers_count": 0, "gold_json": json.dumps(known.known, ensure_ascii=False)})
    if rows:
        session.execute(insert(DataObject), rows)
    return len(rows)


def read_gold_manifest(data: bytes, field: str = "gold.manifest_uri") -> list[dict[str, Any]]:
    """JSON Lines, one gold item per line; the error names the line."""
    items = []
    for n, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            items.append(json.loads(raw))
        except ValueError as exc:
            raise ValidationFailed(f"line {n}: not valid JSON ({exc})", field) from None
    return items


def claim_gold(session: Executor, labeler_id: int, job_id: int, now: datetime, actor: str) -> dict[str, Any] | None:
    """Lease a gold item of the job this labeler has not answered, picked at random so labelers cannot learn an
    order. Gold items have no slot count: every labeler may answer each once."""
    if session.scalar(select(Job.status).where(Job.id == job_id)) != JobStatus.IN_PROGRESS:
        return None
    answered = select(Assignment.id).where(Assignment.object_id == DataObject.id,
                                           Assignment.labeler_id == labeler_id,
                                           Assignment.state != AssignmentState.EXPIRED).exists()
    row = session.execute(
        select(DataObject.id, DataObject.line_no, DataObject.source, DataObject.source_ref)
        .where(DataObject.job_id == job_id, DataObject.state == ObjectState.GOLD, ~answered)
        .order_by(func.random()).limit(1)
    ).first()
    if row is None:
        return None
    assignment_id, expires = lease(session, labeler_id, job_id, row.id, now, actor)
    # The labeler sees a gold item exactly as any task: its line number is not shown (a negative one would tell).
    return {"id": assignment_id, "job_id": job_id, "object_id": row.id, "expires_at": expires, "line_no": None,
            "source": row.source, "source_ref": row.source_ref}


def _score(facts: JobFacts, content: dict[str, Any], known: dict[str, Any]) -> float:
    if facts.spec.answer_kind == AnswerKind.MASK:
        return rules.mask_score(check_mask_answer(content, facts.labels), check_mask_answer(known, facts.labels))
    return rules.score(facts.spec.answer_kind, content, known)


def record_score(deps: Deps, session: Session, facts: JobFacts, labeler_id: int, assignment_id: int,
                 object_id: int, content: dict[str, Any], known: dict[str, Any], now: datetime) -> None:
    """Store the score once, then take the labeler off the job if their record fell below the bar."""
    written = session.execute(conflict_insert(session, GoldScore).values(
        assignment_id=assignment_id, job_id=facts.id, labeler_id=labeler_id, object_id=object_id,
        score=_score(facts, content, known), created_at=now).on_conflict_do_nothing()).rowcount
    if not written:
        return
    record = labeler_record(session, facts.id, labeler_id)
    reason = rules.removal_reason(record, facts.gold_min_answers, facts.gold_min_accuracy)
    if reason is None:
        return
    removed = session.execute(conflict_insert(session, LabelerRemoval).values(
        job_id=facts.id, labeler_id=labeler_id, reason=reason, gold_accuracy=record.accuracy,
        gold_answers=record.answers, created_at=now).on_conflict_do_nothing()).rowcount
    if removed:
        audit.record(session, now, "labeler_removed", "gold", job_id=facts.id,
                     detail={"labeler_id": labeler_id, "reason": reason, "gold_accuracy": round(record.accuracy, 4),
                             "gold_answers": record.answers})
        deps.cache.pop("claimable_jobs", None)  # this process stops offering the job at once


def after_submit(deps: Deps, facts: JobFacts, labeler_id: int, assignment_id: int, object_id: int,
                 content: dict[str, Any]) -> None:
    """Score the answer when the object was a gold item (one indexed lookup; jobs without gold skip it)."""
    with deps.sessions.begin() as session:
        known = session.scalar(select(DataObject.gold_json).where(DataObject.id == object_id,
                                                                  DataObject.state == ObjectState.GOLD))
        if known is not None:
            record_score(deps, session, facts, labeler_id, assignment_id, object_id, content, json.loads(known),
                         deps.clock.now())


def score_unscored(deps: Deps) -> int:
    """The sweep's repair: gold answers whose score a crash lost between the submit and the scoring."""
    with deps.sessions() as session:
        rows = session.execute(
            select(AnswerRow.job_id, AnswerRow.labeler_id, AnswerRow.assignment_id, AnswerRow.object_id,
                   AnswerRow.content, DataObject.gold_json)
            .join(DataObject, and_(DataObject.id == AnswerRow.object_id, DataObject.state == ObjectState.GOLD))
            .outerjoin(GoldScore, GoldScore.assignment_id == AnswerRow.assignment_id)
            .where(GoldScore.assignment_id.is_(None)).limit(1000)
        ).all()
    for job_id, labeler_id, assignment_id, object_id, content, known in rows:
        with deps.sessions.begin() as session:
            facts = job_facts(deps, session, job_id)
            record_score(deps, session, facts, labeler_id, assignment_id, object_id, json.loads(content),
                         json.loads(known), deps.clock.now())
    return len(rows)


def labeler_record(session: Session, job_id: int, labeler_id: int) -> rules.GoldRecord:
    count, mean = session.execute(select(func.count(), func.avg(GoldScore.score))
                                  .where(GoldScore.job_id == job_id, GoldScore.labeler_id == labeler_id)).one()
    return rules.GoldRecord(answers=int(count), accuracy=float(mean or 0.0))


def removed_labelers(session: Executor, job_ids: list[int], labeler_id: int) -> set[int]:
    if not job_ids:
        return set()
    return set(session.scalars(select(LabelerRemoval.job_id).where(LabelerRemoval.labeler_id == labeler_id,
                                                                   LabelerRemoval.job_id.in_(job_ids))))


def labeler_report(session: Session, job: Job) -> list[dict[str, Any]]:
    """Per labeler of the job: answers, gold answers and accuracy, and whether and why they were removed."""
    answers = dict(session.execute(select(AnswerRow.labeler_id, func.count()).where(AnswerRow.job_id == job.id)
                                   .group_by(AnswerRow.labeler_id)).all())
    gold = {labeler: (int(n), float(mean)) for labeler, n, mean in session.execute(
        select(GoldScore.labeler_id, func.count(), func.avg(GoldScore.score)).where(GoldScore.job_id == job.id)
        .group_by(GoldScore.labeler_id)).all()}
    removals = {r.labeler_id: r for r in session.scalars(select(LabelerRemoval).where(LabelerRemoval.job_id == job.id))}
    pay = dict(session.execute(select(LedgerEntry.labeler_id, func.sum(LedgerEntry.amount_micros))
                               .where(LedgerEntry.job_id == job.id, LedgerEntry.labeler_id.is_not(None))
                               .group_by(LedgerEntry.labeler_id)).all())
    agreements = labeler_agreement(session, job)
    ids = sorted(set(answers) | set(gold) | set(removals))
    names = dict(session.execute(select(Labeler.id, Labeler.name).where(Labeler.id.in_(ids))).all()) if ids else {}
    out = []
    for labeler in ids:
        n_gold, accuracy = gold.get(labeler, (0, None))
        removal = removals.get(labeler)
        out.append({
            "labeler_id": labeler, "name": names.get(labeler), "answers": int(answers.get(labeler, 0)),
            "gold_answers": n_gold, "gold_accuracy": None if accuracy is None else round(accuracy, 4),
            "removed": removal is not None, "removal_reason": removal.reason if removal else None,
            "removed_at": removal.created_at.isoformat() + "Z" if removal else None,
            "agreement": agreements.get(labeler), "earnings_usd": micros_to_usd(int(pay.get(labeler) or 0)),
        })
    return out


def labeler_agreement(session: Session, job: Job) -> dict[int, float | None]:
    """Per labeler, the mean agreement of their answers with the objects' consolidated labels (see
    `shared.domain.agreement`); labelers with no consolidated object yet are absent, mask jobs give none.
    The answers are streamed: a large job's report never holds them all at once."""
    spec = spec_for(job.task_type)
    if spec.answer_kind == AnswerKind.MASK:
        return {}
    labels = json.loads(job.labels_json)
    sums: dict[int, list[float]] = {}
    rows = session.execute(
        select(AnswerRow.labeler_id, AnswerRow.content, ConsolidatedLabel.value_json, ConsolidatedLabel.class_index,
               ConsolidatedLabel.class_name)
        .join(ConsolidatedLabel, ConsolidatedLabel.object_id == AnswerRow.object_id)
        .where(AnswerRow.job_id == job.id).execution_options(yield_per=2000))
    for labeler, content, value_json, class_index, class_name in rows:
        value = json.loads(value_json) if value_json else class_index
        try:
            consolidated = agreement_rules.consolidated_answer(spec.answer_kind, value, class_name, labels)
            score = agreement_rules.agreement(spec.answer_kind, json.loads(content), consolidated)
        except (KeyError, TypeError, ValueError):  # a label shape this report does not know: leave it out
            score = None
        if score is not None:
            acc = sums.setdefault(labeler, [0.0, 0.0])
            acc[0] += score
            acc[1] += 1
    return {labeler: round(total / n, 4) for labeler, (total, n) in sums.items()}
