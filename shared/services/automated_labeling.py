"""Automated labeling, the database side: when a round is due, what a round sees, and writing its outcome.

The trainer (services/trainer) claims a round here, trains and predicts, lets the domain rule
(`shared.domain.automated_labeling.round`) decide, and hands the decision back to `finish_round`, which writes the
machine labels, the audit and human batches, the retired validation objects, the compute cost and the round's
`done` in one transaction. A round claimed twice (a repeated message, a second trainer) is finished once: the
second `finish_round` finds the round no longer running under its claim and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain.automated_labeling.audit import VERDICT_BELOW, audit_report
from shared.domain.automated_labeling.plan import AutoLabelingSettings
from shared.domain.automated_labeling.round import JobProgress, RoundDecision
from shared.domain.money import micros_to_usd, usd_to_micros
from shared.domain.output import JobLayout, classification_value
from shared.domain.states import JobStatus, ObjectState
from shared.domain.task_types import TaskType
from shared.persistence.engine import conflict_insert
from shared.persistence.tables import ConsolidatedLabel, DataObject, IngestChunk, Job, LedgerEntry, TrainingRound
from shared.services import audit
from shared.services.job_states import transition_job

# Ground Truth offers automated labeling for single-label classification (and boxes and masks, not yet here).
SUPPORTED = frozenset({TaskType.IMAGE_CLASSIFICATION.value, TaskType.TEXT_CLASSIFICATION.value})
MAX_ATTEMPTS = 3
ALGORITHM = "active-learning"


def settings_of(job: Job) -> AutoLabelingSettings | None:
    return AutoLabelingSettings.from_json(job.auto_labeling_json) if job.auto_labeling_json else None


def layout_root(job: Job) -> str:
    return JobLayout.for_job(job.output_uri, job.name).root


def model_uri(job: Job, round_no: int) -> str:
    """Where a round's model checkpoint goes: under the job's output, as Ground Truth keeps `activelearning/`."""
    return f"{layout_root(job).rstrip('/')}/activelearning/round-{round_no:03d}/model.pt"


# --- the sweep: which rounds are due -------------------------------------------------------------------------------


def _ingested(session: Session, job: Job) -> bool:
    if job.chunks_total is None:
        return False
    left = session.scalar(select(func.count()).select_from(IngestChunk)
                          .where(IngestChunk.job_id == job.id, IngestChunk.done.is_(False))) or 0
    return left == 0


def _humans_busy(session: Session, job_id: int) -> bool:
    """Objects sent to people and not yet consolidated: the next round waits for their labels."""
    busy = (ObjectState.QUEUED, ObjectState.OPEN, ObjectState.ANSWERED)
    return session.scalar(select(DataObject.id).where(DataObject.job_id == job_id, DataObject.state.in_(busy))
                          .limit(1)) is not None


def _pool_left(session: Session, job_id: int) -> bool:
    return session.scalar(select(DataObject.id).where(DataObject.job_id == job_id,
                                                      DataObject.state == ObjectState.POOL).limit(1)) is not None


def due_rounds(deps: Deps) -> list[tuple[int, int]]:
    """(job, round) pairs to send to the trainer: a new round once the previous one is done and its human batch
    is labeled, a pending round whose message may be lost, a running one whose trainer died, a failed one (at
    most MAX_ATTEMPTS tries; after that the job fails with the round's error). Idempotent: the round row is the
    record, the message only says "look"."""
    now = deps.clock.now()
    due: list[tuple[int, int]] = []
    with deps.sessions.begin() as session:
        jobs = list(session.scalars(select(Job).where(Job.status == JobStatus.IN_PROGRESS,
                                                      Job.auto_labeling_json.is_not(None))))
        for job in jobs:
            last = session.scalar(select(TrainingRound).where(TrainingRound.job_id == job.id)
                                  .order_by(TrainingRound.round_no.desc()).limit(1))
            if last is None or last.state == "done":
                if not _ingested(session, job) or _humans_busy(session, job.id) or not _pool_left(session, job.id):
                    continue
                round_no = 0 if last is None else last.round_no + 1
                session.execute(conflict_insert(session, TrainingRound).values(
                    job_id=job.id, round_no=round_no, state="pending", attempts=0, requested_at=now)
                    .on_conflict_do_nothing())
                audit.record(session, now, "training_round", "sweep", job_id=job.id, to_state="pending",
                             detail={"round": round_no})
                due.append((job.id, round_no))
            elif last.state == "failed":
                if last.attempts >= MAX_ATTEMPTS:
                    transition_job(session, job, JobStatus.FAILED, now, "sweep",
                                   f"automated labeling round {last.round_no} failed: {last.error or 'unknown'}")
                    continue
                last.state, last.requested_at = "pending", now
                due.append((job.id, last.round_no))
            elif last.state == "pending" and last.requested_at < now - timedelta(seconds=deps.settings.redrive_seconds):
                last.requested_at = now
                due.append((job.id, last.round_no))
            elif last.state == "running" and (last.claimed_at or now) < now - timedelta(
                    seconds=deps.settings.round_redrive_seconds):
                last.state, last.requested_at = "pending", now
                due.append((job.id, last.round_no))
    return due


# --- the trainer: claim, read, finish --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    object_id: int
    source: str | None
    source_ref: str | None
    class_index: int | None = None  # human-labeled objects: the consolidated label
    split: str | None = None  # train | validation | retired | audit


@dataclass
class RoundInput:
    job_id: int
    job_name: str
    round_no: int
    task_type: str
    labels: tuple[str, ...]
    settings: AutoLabelingSettings
    progress: JobProgress
    claimed_at: datetime
    model_uri: str
    seed_model_uri: str | None  # the previous round's model, else the requester's initial model
    labeled: list[Item] = field(default_factory=list)
    pool: list[Item] = field(default_factory=list)
    audit_below_target: bool = False  # people's answers show the machine below the target: label nothing more


def _claim(session: Session, job_id: int, round_no: int, now: datetime, stale: datetime) -> bool:
    return bool(session.execute(
        update(TrainingRound).where(
            TrainingRound.job_id == job_id, TrainingRound.round_no == round_no,
            or_(TrainingRound.state == "pending",
                and_(TrainingRound.state == "running", TrainingRound.claimed_at < stale)))
        .values(state="running", claimed_at=now, attempts=TrainingRound.attempts + 1)
    ).rowcount)


def progress_of(session: Session, job: Job) -> JobProgress:
    states = dict(session.execute(select(DataObject.state, func.count()).where(
        DataObject.job_id == job.id, DataObject.line_no >= 0).group_by(DataObject.state)).all())
    human = session.scalar(select(func.count()).select_from(DataObject).where(
        DataObject.job_id == job.id, DataObject.al_round.is_not(None))) or 0
    return JobProgress(dataset_size=sum(states.values()), human_labeled=human,
                       labeled_total=states.get(ObjectState.LABELED, 0), max_concurrent=job.max_concurrent)


def claim_round(deps: Deps, job_id: int, round_no: int) -> RoundInput | None:
    """Take the round (None: done already, another trainer has it, or the job is no longer running) and read
    what it needs: settings, counts, the human-labeled objects with their splits, and the pool."""
    now = deps.clock.now()
    stale = now - timedelta(seconds=deps.settings.round_redrive_seconds)
    with deps.sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.IN_PROGRESS or not job.auto_labeling_json:
            return None
        if not _claim(session, job_id, round_no, now, stale):
            return None
        audit.record(session, now, "training_round", "trainer", job_id=job_id, to_state="running",
                     detail={"round": round_no})
        settings = settings_of(job)
        assert settings is not None
        previous = session.scalar(select(TrainingRound.model_uri).where(
            TrainingRound.job_id == job_id, TrainingRound.round_no < round_no, TrainingRound.model_uri.is_not(None))
            .order_by(TrainingRound.round_no.desc()).limit(1))
        labeled = [Item(oid, src, ref, cls, split) for oid, src, ref, cls, split in session.execute(
            select(DataObject.id, DataObject.source, DataObject.source_ref, ConsolidatedLabel.class_index,
                   DataObject.al_split)
            .join(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
            .where(DataObject.job_id == job_id, DataObject.state == ObjectState.LABELED,
                   ConsolidatedLabel.human.is_(True), ConsolidatedLabel.class_index.is_not(None))
            .order_by(DataObject.id))]
        pool = [Item(oid, src, ref) for oid, src, ref in session.execute(
            select(DataObject.id, DataObject.source, DataObject.source_ref)
            .where(DataObject.job_id == job_id, DataObject.state == ObjectState.POOL).order_by(DataObject.id))]
        return RoundInput(
            job_id=job_id, job_name=job.name, round_no=round_no, task_type=job.task_type,
            labels=tuple(json.loads(job.labels_json)), settings=settings, progress=progress_of(session, job),
            claimed_at=now, model_uri=model_uri(job, round_no),
            seed_model_uri=previous or settings.initial_model_uri, labeled=labeled, pool=pool,
            audit_below_target=audit_of(session, job, settings)["verdict"] == VERDICT_BELOW)


@dataclass(frozen=True)
class RoundStats:
    compute_seconds: float
    device: str
    train_items: int = 0
    validation_items: int = 0
    validation_accuracy: float | None = None
    model_saved: bool = False
    note: str = ""  # how the model started: from scratch, or from the seed (previous round's or requester's) model


def compute_micros(seconds: float, usd_per_hour: str) -> int:
    """Trainer time at the operator's hourly rate, in whole micro-dollars (at least 1 for any compute used)."""
    micros = usd_to_micros(usd_per_hour) * Decimal(str(seconds)) / Decimal(3600)
    return max(1, int(micros.to_integral_value())) if seconds > 0 else 0


def finish_round(deps: Deps, rin: RoundInput, decision: RoundDecision, stats: RoundStats) -> bool:
    """Write the round's outcome in one transaction; False (and nothing written) if the round is no longer ours."""
    now = deps.clock.now()
    labels = rin.labels
    with deps.sessions.begin() as session:
        owned = session.execute(
            update(TrainingRound).where(TrainingRound.job_id == rin.job_id, TrainingRound.round_no == rin.round_no,
                                        TrainingRound.state == "running", TrainingRound.claimed_at == rin.claimed_at)
            .values(state="done", finished_at=now, device=stats.device, compute_seconds=stats.compute_seconds,
                    train_items=stats.train_items, validation_items=stats.validation_items,
                    validation_accuracy=stats.validation_accuracy, machine_labeled=len(decision.machine),
                    sent_to_humans=len(decision.to_humans), audit_sent=len(decision.audits),
                    model_uri=rin.model_uri if stats.model_saved else None,
                    plan_json=json.dumps({**decision.plan.as_dict(), "level": decision.level,
                                          "paused": decision.paused}) if decision.plan else None)
        ).rowcount
        if not owned:
            return False
        job = session.get(Job, rin.job_id)
        assert job is not None
        machine_ids = [oid for oid, _, _ in decision.machine]
        if machine_ids:
            moved = set(session.scalars(
                update(DataObject).where(DataObject.id.in_(machine_ids), DataObject.state == ObjectState.POOL)
                .values(state=ObjectState.LABELED).returning(DataObject.id)))
            rows = []
            for oid, cls, conf in decision.machine:
                if oid not in moved:
                    continue
                value, meta = classification_value(cls, labels[cls], round(conf, 2))
                rows.append({"object_id": oid, "job_id": rin.job_id, "class_index": cls, "class_name": labels[cls],
                             "confidence": round(conf, 2), "value_json": json.dumps(value),
                             "meta_json": json.dumps(meta, ensure_ascii=False), "votes": 0, "human": False,
                             "algorithm": ALGORITHM, "created_at": now})
            if rows:
                session.execute(insert(ConsolidatedLabel), rows)
                if job.fee_micros:  # the service fee is per object labeled, by people or by the machine
                    session.execute(insert(LedgerEntry), [
                        {"key": f"fee:{r['object_id']}", "kind": "service_fee", "job_id": job.id,
                         "object_id": r["object_id"], "amount_micros": job.fee_micros, "created_at": now}
                        for r in rows])
        for oid, cls, conf in decision.audits:
            session.execute(update(DataObject).where(DataObject.id == oid, DataObject.state == ObjectState.POOL)
                            .values(state=ObjectState.QUEUED, al_round=rin.round_no, al_split="audit",
                                    machine_label_json=json.dumps({"class_index": cls, "confidence": conf})))
        for split in ("train", "validation"):
            ids = [oid for oid, s in decision.to_humans if s == split]
            if ids:
                session.execute(update(DataObject).where(DataObject.id.in_(ids), DataObject.state == ObjectState.POOL)
                                .values(state=ObjectState.QUEUED, al_round=rin.round_no, al_split=split),
                                execution_options={"synchronize_session": False})
        if decision.retired:
            session.execute(update(DataObject).where(DataObject.id.in_(decision.retired),
                                                     DataObject.al_split == "validation")
                            .values(al_split="retired"), execution_options={"synchronize_session": False})
        cost = compute_micros(stats.compute_seconds, deps.settings.trainer_usd_per_hour)
        if cost:
            session.execute(conflict_insert(session, LedgerEntry).values(
                key=f"compute:{rin.job_id}:{rin.round_no}", kind="trainer_compute", job_id=rin.job_id,
                amount_micros=cost, created_at=now).on_conflict_do_nothing())
        if stats.model_saved:
            job.final_model_uri = rin.model_uri
        audit.record(session, now, "training_round", "trainer", job_id=rin.job_id, from_state="running",
                     to_state="done", detail={
                         "round": rin.round_no, "machine_labeled": len(decision.machine),
                         "audit_sent": len(decision.audits), "sent_to_humans": len(decision.to_humans),
                         "retired_validation": len(decision.retired), "device": stats.device, "model": stats.note,
                         "compute_seconds": round(stats.compute_seconds, 3),
                         "threshold": decision.plan.as_dict() if decision.plan else None, "level": decision.level,
                         "paused": decision.paused})
        if decision.stop_reason and job.status == JobStatus.IN_PROGRESS:
            transition_job(session, job, JobStatus.STOPPING, now, "trainer", decision.stop_reason)
    # Counted after commit, so /metrics agrees with the database.
    metrics.TRAINING_ROUNDS.labels(rin.job_name, stats.device).inc()
    metrics.TRAINER_SECONDS.labels(rin.job_name, stats.device).inc(stats.compute_seconds)
    metrics.OBJECTS_MACHINE_LABELED.labels(rin.job_name).inc(len(decision.machine))
    if cost:
        metrics.COST_ACCRUED.labels(rin.job_name, "trainer_compute").inc(cost / 1e6)
    return True


def fail_round(deps: Deps, rin: RoundInput, error: str) -> None:
    """The round raised: record why; the sweep tries it again (at most MAX_ATTEMPTS times) and then fails the job."""
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        session.execute(update(TrainingRound).where(
            TrainingRound.job_id == rin.job_id, TrainingRound.round_no == rin.round_no,
            TrainingRound.state == "running", TrainingRound.claimed_at == rin.claimed_at)
            .values(state="failed", finished_at=now, error=error[:2000]))
        audit.record(session, now, "training_round", "trainer", job_id=rin.job_id, from_state="running",
                     to_state="failed", detail={"round": rin.round_no, "error": error[:500]})


# --- the read side ---------------------------------------------------------------------------------------------------


def audit_of(session: Session, job: Job, settings: AutoLabelingSettings) -> dict[str, Any]:
    """Audited machine labels whose human label is in: how often the machine agreed, with its interval."""
    rows = session.execute(
        select(DataObject.machine_label_json, ConsolidatedLabel.class_index)
        .join(ConsolidatedLabel, ConsolidatedLabel.object_id == DataObject.id)
        .where(DataObject.job_id == job.id, DataObject.al_split == "audit", ConsolidatedLabel.human.is_(True))
    ).all()
    agreed = sum(1 for machine, human in rows if json.loads(machine)["class_index"] == human)
    pending = session.scalar(select(func.count()).select_from(DataObject).where(
        DataObject.job_id == job.id, DataObject.al_split == "audit", DataObject.state != ObjectState.LABELED)) or 0
    report = audit_report(agreed, len(rows), settings.confidence, settings.target_accuracy).as_dict()
    report["pending"] = pending
    return report


def machine_labeled_count(session: Session, job_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ConsolidatedLabel).where(
        ConsolidatedLabel.job_id == job_id, ConsolidatedLabel.human.is_(False))) or 0


def job_report(session: Session, job: Job, machine: int) -> dict[str, Any] | None:
    """The job view's `automated_labeling` block: settings, rounds, thresholds, audit, savings and compute;
    `machine` is the job's machine-labeled count, which the view has counted for LabelCounters already."""
    settings = settings_of(job)
    if settings is None:
        return None
    rounds = list(session.scalars(select(TrainingRound).where(TrainingRound.job_id == job.id)
                                  .order_by(TrainingRound.round_no)))
    compute = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_micros), 0)).where(
        LedgerEntry.job_id == job.id, LedgerEntry.kind == "trainer_compute")) or 0
    avoided = machine * job.workers_per_object
    pay_avoided = avoided * job.price_micros
    return {
        "settings": json.loads(settings.to_json()),
        "machine_labeled": machine,
        "rounds": [{"round": r.round_no, "state": r.state, "attempts": r.attempts, "device": r.device,
                    "compute_seconds": r.compute_seconds, "train_items": r.train_items,
                    "validation_items": r.validation_items, "validation_accuracy": r.validation_accuracy,
                    "machine_labeled": r.machine_labeled, "sent_to_humans": r.sent_to_humans,
                    "audit_sent": r.audit_sent, "model_uri": r.model_uri,
                    "threshold": json.loads(r.plan_json) if r.plan_json else None, "error": r.error}
                   for r in rounds],
        "audit": audit_of(session, job, settings),
        "human_answers_avoided": avoided,
        "worker_pay_avoided_usd": micros_to_usd(pay_avoided),
        "compute_usd": micros_to_usd(int(compute)),
        "money_saved_usd": micros_to_usd(pay_avoided - int(compute)),
        "final_model_uri": job.final_model_uri,
    }
