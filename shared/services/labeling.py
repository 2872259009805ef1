"""What labelers do: lease the next task, submit an answer (idempotent, paid once), extend, decline."""

from __future__ import annotations

import calendar
import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain.answers import canonical_answer, normalize_answer
from shared.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.domain.states import AssignmentState, ObjectState
from shared.domain.task_types import SPECS, AnswerKind
from shared.faults import crash_point
from shared.persistence.engine import Executor
from shared.persistence.tables import AnswerRow, Assignment, DataObject
from shared.services import audit, gold, overlap
from shared.services.answers import record_answer_generic, record_answer_postgres
from shared.services.claims import claim_generic, claim_postgres, claimable_jobs, qualification_pending
from shared.services.job_cache import JobFacts, job_facts
from shared.services.label_results import check_mask_answer, prior_label_view
from shared.services.media import sign_media


def _actor(labeler_id: int) -> str:
    return f"labeler:{labeler_id}"


def task_view(deps: Deps, facts: JobFacts, claim: dict[str, Any]) -> dict[str, Any]:
    """What the labeler sees: the object (text, or a short-lived URL), labels, instructions and the lease."""
    expires: datetime = claim["expires_at"]
    # A gold item is shown like any task; its id lies outside the dataset's range (gold has no manifest line).
    shown_id = claim["line_no"] if claim["line_no"] is not None else 10_000_000 + claim["object_id"]
    data: dict[str, Any] = {"datasetObjectId": str(shown_id)}
    if claim.get("task_input"):  # a pre-annotation hook's taskInput: what Ground Truth templates see as task.input
        data["taskInput"] = json.loads(claim["task_input"])
    if claim["source"] is not None:
        data["source"] = data["taskObject"] = claim["source"]
    else:
        ref = claim["source_ref"]
        url = deps.blobs.presign_get(ref, deps.settings.media_url_seconds) if ref.startswith("s3://") else None
        if url is None:
            exp = calendar.timegm((deps.clock.now() + timedelta(seconds=deps.settings.media_url_seconds)).timetuple())
            sig = sign_media(deps.settings.secret_key, claim["id"], exp)
            url = f"/api/v1/media/{claim['id']}?exp={exp}&sig={sig}"
        data["taskObject"] = data["source_ref_url"] = url
    view: dict[str, Any] = {
        "assignment_id": claim["id"],
        "job_id": facts.id,
        "job_name": facts.name,
        "title": facts.title,
        "task_type": facts.task_type,
        "lease_expires_at": expires.isoformat() + "Z",
        "input": data,
        "labels": list(facts.labels.labels),
        "label_categories": facts.label_document.get("labels", []),
        "instructions": {"short": facts.labels.short_instruction, "full": facts.labels.full_instruction},
        "answer_element": facts.spec.element,
    }
    if facts.prior_attribute and claim.get("raw"):
        view["input"]["prior"] = prior_label_view(json.loads(claim["raw"]), facts.prior_attribute)
    return view


JOB_LIST_SECONDS = 1.0
LABEL_ELEMENTS = tuple(spec.element for spec in SPECS.values()
                       if spec.answer_kind in (AnswerKind.CLASS, AnswerKind.VERDICT))
_JOB_OF_ASSIGNMENT = text("SELECT job_id, object_id FROM assignment WHERE id = :aid AND labeler_id = :labeler")


QUALIFY_FIRST = "pass the workforce's qualification first"


def _candidate_jobs(deps: Deps, session: Executor, labeler_id: int, job_id: int | None) -> list[int]:
    """The labeler's running jobs, cached for a second: the claim itself re-checks the job's status.

    A self-signed-up labeler of a public workforce with a qualification gets 403 until they pass it; that check
    rides on the same cache (one primary-key lookup per labeler per second), and passing clears the entry."""
    cache: dict[tuple[int, int | None], tuple[float, list[int] | None]] = deps.cache.setdefault("claimable_jobs", {})
    now = time.monotonic()
    hit = cache.get((labeler_id, job_id))
    if hit is None or hit[0] <= now:
        jobs = None if qualification_pending(session, labeler_id) else claimable_jobs(session, labeler_id, job_id)
        if len(cache) > 50_000:
            cache.clear()
        hit = cache[(labeler_id, job_id)] = (now + JOB_LIST_SECONDS, jobs)
    if hit[1] is None:
        raise Forbidden(QUALIFY_FIRST, "qualification")
    return hit[1]


CLAIM_TRIES = 5


@contextmanager
def hot_path(deps: Deps) -> Iterator[Connection]:
    """A Core connection for claims and submits (no ORM unit of work).

    On PostgreSQL each of them is a single statement, so it runs in autocommit: no BEGIN and COMMIT round trips,
    and row locks last only as long as the statement. SQLite's select-then-update steps need a transaction.
    """
    if deps.is_postgres:
        with deps.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
    else:
        with deps.engine.begin() as conn:
            yield conn


def claim_next(deps: Deps, labeler_id: int, job_id: int | None = None) -> dict[str, Any] | None:
    now = deps.clock.now()
    claim_one = claim_postgres if deps.is_postgres else claim_generic
    for attempt in range(CLAIM_TRIES):
        try:
            with hot_path(deps) as session:
                for candidate in _candidate_jobs(deps, session, labeler_id, job_id):
                    claim = None
                    candidate_facts = job_facts(deps, session, candidate)
                    if candidate_facts.gold_rate and random.random() < candidate_facts.gold_rate:
                        claim = gold.claim_gold(session, labeler_id, candidate, now, _actor(labeler_id))
                    if claim is None:
                        claim = claim_one(session, labeler_id, candidate, now, _actor(labeler_id))
                    if claim is not None:
                        break
                else:
                    return None
                facts = job_facts(deps, session, claim["job_id"])
                if facts.prior_attribute:  # verification and adjustment show the earlier job's label
                    claim["raw"] = session.scalar(select(DataObject.raw).where(DataObject.id == claim["object_id"]))
            break
        except IntegrityError:
            # The same labeler's concurrent claim (a second tab, a retried request) leased this object first:
            # the unique index refused the duplicate, and a fresh statement sees that lease and skips the object.
            if attempt == CLAIM_TRIES - 1:
                raise
    metrics.TASKS_LEASED.labels(facts.name).inc()
    return task_view(deps, facts, claim)


def lease_view(deps: Deps, labeler_id: int, assignment_id: int) -> dict[str, Any]:
    """One of the labeler's live leases as claim_next showed it (the portal's task UI reads it again), plus what
    templates read: `manifest_line` (the raw line: Ground Truth's task.input without a pre-annotation hook) and
    `source_ref` (the raw URI, which templates sign themselves). 404 when the assignment is not this labeler's,
    409 when its lease is over."""
    now = deps.clock.now()
    with deps.sessions() as session:
        row = session.execute(
            select(Assignment.id, Assignment.job_id, Assignment.object_id, Assignment.labeler_id, Assignment.state,
                   Assignment.expires_at, DataObject.line_no, DataObject.source, DataObject.source_ref,
                   DataObject.task_input_json, DataObject.raw, DataObject.state.label("object_state"))
            .join(DataObject, DataObject.id == Assignment.object_id)
            .where(Assignment.id == assignment_id)
        ).first()
        if row is None or row.labeler_id != labeler_id:
            raise NotFound(f"no assignment {assignment_id} for this labeler", "assignment_id")
        if row.state != AssignmentState.LEASED or row.expires_at < now:
            raise Conflict(f"the lease on this task is over (the task is {row.state})"
                           if row.state != AssignmentState.LEASED else "the lease on this task has expired",
                           "assignment_id")
        facts = job_facts(deps, session, row.job_id)
    gold_item = row.object_state == ObjectState.GOLD  # shown with no line number, as claim_gold leases it
    claim = {"id": row.id, "job_id": row.job_id, "object_id": row.object_id, "expires_at": row.expires_at,
             "line_no": None if gold_item else row.line_no, "source": row.source, "source_ref": row.source_ref,
             "task_input": row.task_input_json, "raw": row.raw}
    view = task_view(deps, facts, claim)
    try:
        line = json.loads(row.raw) if row.raw else {}
    except ValueError:
        line = {}
    view["manifest_line"] = line if isinstance(line, dict) else {}
    view["source_ref"] = row.source_ref
    return view


def _own_assignment(session: Session, labeler_id: int, assignment_id: int) -> Assignment:
    row = session.get(Assignment, assignment_id)
    if row is None or row.labeler_id != labeler_id:
        raise NotFound(f"no assignment {assignment_id} for this labeler", "assignment_id")
    return row


def submit(deps: Deps, labeler_id: int, assignment_id: int, answer: Any) -> dict[str, Any]:
    """Record the answer, pay the labeler once, and mark the object answered when it has enough answers.

    A repeated submit of the same assignment changes nothing and pays nothing: the assignment leaves
    'leased' exactly once, in the same transaction as the answer, the pay and the audit event.
    """
    now = deps.clock.now()
    with hot_path(deps) as session:
        if deps.is_postgres:
            content = _label_shaped(answer)
            if content is not None:  # one statement checks the lease, the task type and the label
                recorded = record_answer_postgres(session, labeler_id, assignment_id, content, now,
                                                  _actor(labeler_id), content["label"])
                if recorded is None:
                    return _refused(deps, session, labeler_id, assignment_id, answer, now)
            else:  # boxes, masks, spans, several labels: checked here against the job, then one statement
                facts, content = _checked(deps, session, labeler_id, assignment_id, answer)
                recorded = record_answer_postgres(session, labeler_id, assignment_id, content, now,
                                                  _actor(labeler_id), None)
                if recorded is None:
                    return _already_submitted(session, labeler_id, assignment_id, now)
            job_id, object_id = recorded
            facts = job_facts(deps, session, job_id)
        else:
            facts, content = _checked(deps, session, labeler_id, assignment_id, answer)
            stored = record_answer_generic(session, facts, labeler_id, assignment_id,
                                           json.dumps(content, ensure_ascii=False), now, _actor(labeler_id))
            if stored is None:
                return _already_submitted(session, labeler_id, assignment_id, now)
            object_id = stored
        # On SQLite the answer, pay and audit rows are inserted and not yet committed here; on PostgreSQL the
        # submit is one statement, already committed: either way a kill here must lose and double nothing.
        crash_point("submit.mid_transaction")
    crash_point("submit.after_commit")  # committed, but the labeler never hears back
    if facts.gold_rate:  # a gold item's answer is scored now; the sweep scores any a crash left unscored
        gold.after_submit(deps, facts, labeler_id, assignment_id, object_id, content)
    if facts.target_confidence is not None:  # dynamic overlap: stop buying answers once the label is sure
        overlap.after_submit(deps, facts, object_id)
    metrics.ANSWERS_SUBMITTED.labels(facts.name).inc()
    if facts.price_micros:
        metrics.COST_ACCRUED.labels(facts.name, "worker_pay").inc(facts.price_micros / 1e6)
    return {"assignment_id": assignment_id, "state": AssignmentState.SUBMITTED.value, "duplicate": False,
            "answer": content}


def _label_shaped(answer: Any) -> dict[str, Any] | None:
    """`{"label": ...}` (bare or inside a classifier element): the shape the one-statement submit can check."""
    try:
        return canonical_answer(answer, LABEL_ELEMENTS)
    except ValidationFailed:
        return None


def _checked(deps: Deps, session: Executor, labeler_id: int, assignment_id: int,
             answer: Any) -> tuple[JobFacts, dict[str, Any]]:
    """The assignment's job (404 when it is not this labeler's) and the answer checked against it (422)."""
    row = session.execute(_JOB_OF_ASSIGNMENT, {"aid": assignment_id, "labeler": labeler_id}).first()
    if row is None:
        raise NotFound(f"no assignment {assignment_id} for this labeler", "assignment_id")
    facts = job_facts(deps, session, row.job_id)
    text_source = None
    if facts.spec.answer_kind == AnswerKind.SPANS:
        text_source = session.scalar(select(DataObject.source).where(DataObject.id == row.object_id))
    content = normalize_answer(facts.spec, answer, facts.labels, text=text_source)
    if facts.spec.answer_kind == AnswerKind.MASK:
        check_mask_answer(content, facts.labels)
    return facts, content


def _refused(deps: Deps, session: Executor, labeler_id: int, assignment_id: int, answer: Any,
             now: datetime) -> dict[str, Any]:
    """Why the one-statement submit recorded nothing: not yours (404), a bad answer (422), or already ended."""
    _checked(deps, session, labeler_id, assignment_id, answer)
    return _already_submitted(session, labeler_id, assignment_id, now)


def _already_submitted(session: Executor, labeler_id: int, assignment_id: int, now: datetime) -> dict[str, Any]:
    row = session.execute(select(Assignment.state, Assignment.expires_at).where(
        Assignment.id == assignment_id, Assignment.labeler_id == labeler_id)).one()
    if row.state == AssignmentState.SUBMITTED:
        stored = session.scalar(select(AnswerRow.content).where(AnswerRow.assignment_id == assignment_id))
        return {"assignment_id": assignment_id, "state": row.state, "duplicate": True,
                "answer": json.loads(stored or "{}")}
    if row.state == AssignmentState.LEASED and row.expires_at < now:
        raise Conflict("the lease on this task has expired; it went back to the queue", "assignment_id")
    raise Conflict(f"this task is {row.state}; it can no longer be submitted", "assignment_id")


def extend(deps: Deps, labeler_id: int, assignment_id: int) -> dict[str, Any]:
    """Renew the lease for another TaskTimeLimitInSeconds from now."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        row = _own_assignment(session, labeler_id, assignment_id)
        if row.state != AssignmentState.LEASED or row.expires_at < now:
            raise Conflict("only a live lease can be extended", "assignment_id")
        facts = job_facts(deps, session, row.job_id)
        row.expires_at = now + timedelta(seconds=facts.task_time_limit_s)
        audit.record(session, now, "lease_extended", _actor(labeler_id), job_id=row.job_id,
                     object_id=row.object_id, assignment_id=row.id, detail={"expires_at": row.expires_at.isoformat()})
        return {"assignment_id": row.id, "lease_expires_at": row.expires_at.isoformat() + "Z"}


def decline(deps: Deps, labeler_id: int, assignment_id: int) -> dict[str, Any]:
    """Give the task back: the slot reopens for another labeler, never for this one."""
    _give_back(deps, labeler_id, assignment_id, AssignmentState.DECLINED, "declined")
    return {"assignment_id": assignment_id, "state": AssignmentState.DECLINED.value}


def release(deps: Deps, labeler_id: int, assignment_id: int) -> dict[str, Any]:
    """Give back a lease the labeler never worked on (a portal's prefetched task when the worker leaves): the
    lease ends as an expired one does, so the slot reopens for anyone, this labeler included. Declining would
    bar the labeler from the object for good, which in a small team can leave it short of answers."""
    _give_back(deps, labeler_id, assignment_id, AssignmentState.EXPIRED, "released")
    return {"assignment_id": assignment_id, "state": AssignmentState.EXPIRED.value}


def _give_back(deps: Deps, labeler_id: int, assignment_id: int, to: AssignmentState, verb: str) -> None:
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        moved = session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.labeler_id == labeler_id,
                   Assignment.state == AssignmentState.LEASED)
            .values(state=to, ended_at=now)
            .returning(Assignment.job_id, Assignment.object_id)
        ).first()
        if moved is None:
            row = _own_assignment(session, labeler_id, assignment_id)
            raise Conflict(f"this task is {row.state}; it cannot be {verb}", "assignment_id")
        job_id, object_id = moved
        session.execute(update(DataObject).where(DataObject.id == object_id, DataObject.state == ObjectState.OPEN)
                        .values(remaining=DataObject.remaining + 1))
        audit.record(session, now, "assignment", _actor(labeler_id), job_id=job_id, object_id=object_id,
                     assignment_id=assignment_id, from_state=AssignmentState.LEASED, to_state=to,
                     detail={"reason": verb} if to == AssignmentState.EXPIRED else None)
        facts = job_facts(deps, session, job_id)
    if to == AssignmentState.DECLINED:
        metrics.TASKS_DECLINED.labels(facts.name).inc()
