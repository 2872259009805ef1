"""What the worker portal and the requester console read and do beyond the labeling path: a public workforce's
qualification (set by the requester, taken by self-signed-up labelers), a labeler's own jobs, earnings and
accuracy, and the gallery of a job's consolidated results.

Links to stored files are made with `media.blob_url` (short-lived, signed); the API turns relative ones into
absolute URLs with the `absolute` callable it passes in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import gold as gold_rules
from shared.domain import qualification as rules
from shared.domain.answers import normalize_answer
from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.domain.money import micros_to_usd
from shared.domain.pricing import WorkforceKind
from shared.domain.task_types import AnswerKind, spec_for
from shared.persistence.tables import (
    AnswerRow,
    ConsolidatedLabel,
    DataObject,
    GoldScore,
    Job,
    Labeler,
    LedgerEntry,
    Workforce,
)
from shared.services import audit
from shared.services.claims import claimable_jobs
from shared.services.label_results import check_mask_answer
from shared.services.media import blob_url

Absolute = Callable[[str], str]


# -------------------------------------------------------------------------------------------- the qualification

def set_qualification(session: Session, requester_id: int, workforce_id: int, task_type: str, labels: list[str],
                      items: list[Any], pass_ratio: float, max_attempts: int) -> dict[str, Any]:
    """Store (or replace) a public workforce's qualification. Labelers who passed an earlier one stay qualified;
    attempts already used still count against the new one's `max_attempts`."""
    wf = session.get(Workforce, workforce_id)
    if wf is None or wf.requester_id != requester_id or wf.kind != WorkforceKind.PUBLIC:
        raise NotFound(f"no public workforce {workforce_id}", "workforce_id")
    checks = check_mask_answer if spec_for(task_type).answer_kind == AnswerKind.MASK else None
    qual = rules.build(task_type, labels, items, pass_ratio, max_attempts, checks)
    wf.qualification_json = qual.to_json()
    session.flush()
    return requester_view(wf.id, qual)


def requester_view(workforce_id: int, qual: rules.Qualification | None) -> dict[str, Any]:
    if qual is None:
        return {"workforce_id": workforce_id, "qualification": None}
    return {"workforce_id": workforce_id, "task_type": qual.task_type, "labels": list(qual.labels),
            "pass_ratio": qual.pass_ratio, "max_attempts": qual.max_attempts,
            "items": [{"index": n, "source": i.source, "source-ref": i.source_ref, "answer": i.known}
                      for n, i in enumerate(qual.items)]}


def get_qualification(session: Session, requester_id: int, workforce_id: int) -> dict[str, Any]:
    wf = session.get(Workforce, workforce_id)
    if wf is None or wf.requester_id != requester_id or wf.kind != WorkforceKind.PUBLIC:
        raise NotFound(f"no public workforce {workforce_id}", "workforce_id")
    return requester_view(wf.id, rules.Qualification.from_json(wf.qualification_json)
                          if wf.qualification_json else None)


def _labeler_and_qualification(session: Session, labeler_id: int) -> tuple[Labeler, Workforce,
                                                                           rules.Qualification | None]:
    lab = session.get(Labeler, labeler_id)
    if lab is None:
        raise NotFound("no such labeler", "Authorization")
    wf = session.get(Workforce, lab.workforce_id)
    assert wf is not None
    qual = None
    if wf.kind == WorkforceKind.PUBLIC and wf.qualification_json:
        qual = rules.Qualification.from_json(wf.qualification_json)
    return lab, wf, qual


def _status(lab: Labeler, wf: Workforce, qual: rules.Qualification | None) -> str:
    return rules.status(qual, wf.kind, lab.qualified_at is not None, lab.qualification_attempts or 0)


def labeler_qualification(deps: Deps, labeler_id: int, absolute: Absolute) -> dict[str, Any]:
    """The labeler's qualification status and its items without their answers (images as signed links)."""
    with deps.sessions() as session:
        lab, wf, qual = _labeler_and_qualification(session, labeler_id)
        state = _status(lab, wf, qual)
        attempts = lab.qualification_attempts or 0
    if qual is None:
        return {"status": state, "task_type": None, "labels": [], "pass_ratio": None, "max_attempts": 0,
                "attempts_left": 0, "items": []}
    items = []
    for n, item in enumerate(qual.items):
        shown = item.source if item.source is not None else absolute(blob_url(deps, str(item.source_ref)))
        items.append({"index": n, "input": {"taskObject": shown}})
    return {"status": state, "task_type": qual.task_type, "labels": list(qual.labels),
            "pass_ratio": qual.pass_ratio, "max_attempts": qual.max_attempts,
            "attempts_left": rules.attempts_left(qual, attempts), "items": items}


def _item_score(qual: rules.Qualification, item: rules.Item, content: dict[str, Any]) -> float:
    if qual.spec.answer_kind == AnswerKind.MASK:
        labels = qual.label_config
        return gold_rules.mask_score(check_mask_answer(content, labels), check_mask_answer(item.known, labels))
    return gold_rules.score(qual.spec.answer_kind, content, item.known)


def take_qualification(deps: Deps, labeler_id: int, answers: list[Any]) -> dict[str, Any]:
    """Grade one attempt. Malformed answers are refused (422, naming `answers[i]...`) without using an attempt;
    the attempt count moves in one conditional UPDATE, so two concurrent submits cannot exceed `max_attempts`."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        lab, wf, qual = _labeler_and_qualification(session, labeler_id)
        state = _status(lab, wf, qual)
        if qual is None:
            raise NotFound("this labeler's workforce has no qualification", "qualification")
        if state == rules.PASSED:
            raise Conflict("the qualification is passed already", "qualification")
        if state == rules.FAILED:
            raise Conflict("no attempts left at this qualification", "qualification")
        if len(answers) != len(qual.items):
            raise ValidationFailed(f"give one answer per item: {len(qual.items)} expected, {len(answers)} given",
                                   "answers")
        scores = []
        for i, (item, answer) in enumerate(zip(qual.items, answers, strict=True)):
            try:
                content = normalize_answer(qual.spec, answer, qual.label_config, text=item.source)
                scores.append(_item_score(qual, item, content))
            except ValidationFailed as exc:
                raise rules.answer_error(exc, i) from None
        result = rules.grade(scores, qual.pass_ratio)
        moved = session.execute(
            update(Labeler)
            .where(Labeler.id == labeler_id, Labeler.qualified_at.is_(None),
                   Labeler.qualification_attempts < qual.max_attempts)
            .values(qualification_attempts=Labeler.qualification_attempts + 1,
                    qualified_at=now if result.passed else None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            raise Conflict("this qualification attempt was already taken (another submit won)", "qualification")
        attempts = (lab.qualification_attempts or 0) + 1
        audit.record(session, now, "qualification", f"labeler:{labeler_id}",
                     detail={"workforce_id": wf.id, "labeler_id": labeler_id, "attempt": attempts,
                             "passed": result.passed, "correct": result.correct, "total": result.total,
                             "score": result.score})
    if result.passed:  # this process stops refusing the labeler's claims at once (others within a second)
        cache = deps.cache.get("claimable_jobs", {})
        for key in [k for k in list(cache) if k[0] == labeler_id]:
            cache.pop(key, None)
    return {"passed": result.passed, "score": result.score, "correct": result.correct, "total": result.total,
            "attempts_left": 0 if result.passed else rules.attempts_left(qual, attempts)}


# ------------------------------------------------------------------------------------------------ the labeler

def me(deps: Deps, labeler_id: int) -> dict[str, Any]:
    """The portal's home: who the labeler is, their qualification, earnings from the ledger, and per job the
    answers, pay and gold accuracy, with whether the job still offers them tasks."""
    with deps.sessions() as session:
        lab, wf, qual = _labeler_and_qualification(session, labeler_id)
        ledger = session.execute(
            select(LedgerEntry.job_id, func.sum(LedgerEntry.amount_micros), func.count())
            .where(LedgerEntry.labeler_id == labeler_id).group_by(LedgerEntry.job_id)).all()
        pay = {j: int(v or 0) for j, v, _ in ledger}
        total, paid = sum(pay.values()), sum(int(n) for _, _, n in ledger)  # the per-job rows add up to the totals
        answers = dict(session.execute(select(AnswerRow.job_id, func.count()).where(AnswerRow.labeler_id == labeler_id)
                                       .group_by(AnswerRow.job_id)).all())
        gold = {j: (int(n), float(m)) for j, n, m in session.execute(
            select(GoldScore.job_id, func.count(), func.avg(GoldScore.score))
            .where(GoldScore.labeler_id == labeler_id).group_by(GoldScore.job_id)).all()}
        available = set(claimable_jobs(session, labeler_id, None))
        ids = sorted(available | set(answers) | set(pay) | set(gold))
        jobs = session.execute(select(Job.id, Job.name, Job.title, Job.task_type, Job.status)
                               .where(Job.id.in_(ids)).order_by(Job.id)).all() if ids else []
        view = {
            "labeler": {"id": lab.id, "name": lab.name, "email": lab.email,
                        "workforce": {"id": wf.id, "name": wf.name, "kind": wf.kind}},
            "qualification": _status(lab, wf, qual),
            "earnings_usd": micros_to_usd(int(total)), "tasks_paid": int(paid),
            "jobs": [],
        }
    for job_id, name, title, task_type, status in jobs:
        n_gold, accuracy = gold.get(job_id, (0, None))
        view["jobs"].append({
            "id": job_id, "name": name, "title": title, "task_type": task_type, "status": status,
            "answers": int(answers.get(job_id, 0)), "earnings_usd": micros_to_usd(pay.get(job_id, 0)),
            "gold_answers": n_gold, "gold_accuracy": None if accuracy is None else round(accuracy, 4),
            "available": job_id in available,
        })
    return view


# -------------------------------------------------------------------------------------------- the requester

def gallery(deps: Deps, session: Session, job: Job, state: str | None, after_line: int, limit: int,
            absolute: Absolute) -> list[dict[str, Any]]:
    """A page of the job's dataset objects (by line number; gold items excluded) with their consolidated label,
    a signed link to the image and, for segmentation, to the consolidated mask PNG."""
    mask_kind = spec_for(job.task_type).answer_kind == AnswerKind.MASK
    query = (select(DataObject.line_no, DataObject.state, DataObject.source, DataObject.source_ref,
                    DataObject.answers_count, ConsolidatedLabel)
             .outerjoin(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
             .where(DataObject.job_id == job.id, DataObject.line_no > max(after_line, -1)))
    if state:
        query = query.where(DataObject.state == state)
    rows = session.execute(query.order_by(DataObject.line_no).limit(limit)).all()
    items = []
    for line_no, obj_state, source, source_ref, answers, label in rows:
        value = None
        if label is not None:
            value = json.loads(label.value_json) if label.value_json else label.class_index
        mask_url = None
        if mask_kind and isinstance(value, str) and value:
            mask_url = absolute(blob_url(deps, value))
        items.append({
            "line_no": line_no, "state": obj_state, "source": source,
            "media_url": absolute(blob_url(deps, source_ref)) if source_ref else None,
            "label": value, "mask_url": mask_url,
            "label_metadata": json.loads(label.meta_json) if label is not None and label.meta_json else None,
            "class_name": label.class_name if label is not None else None,
            "confidence": label.confidence if label is not None else None,
            "human": bool(label.human) if label is not None else False,
            "answers": int(answers or 0),
        })
    return items
