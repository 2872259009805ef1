"""The schema. The database is the source of truth: queue messages only say "look again".

Timestamps are naive UTC everywhere (SQLite has no time zones; PostgreSQL gets `timestamp`).
Money is integer micro-dollars.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Requester(Base):
    __tablename__ = "requester"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKey(Base):
    """Requester API keys, stored only as SHA-256 digests of the 256-bit token."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AccessKey(Base):
    """A requester's AWS-style access key pair for the SageMaker front door. SigV4 needs the secret itself to check
    an HMAC, so it is stored encrypted with the server's key (GW_SECRET_KEY), never in plain text."""

    __tablename__ = "access_key"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"), index=True)
    access_key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Workforce(Base):
    __tablename__ = "workforce"
    __table_args__ = (UniqueConstraint("requester_id", "name_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    name: Mapped[str] = mapped_column(String(63))
    name_key: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(16))
    vendor_price_micros: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # A vendor's credential (its digest): the vendor's labelers sign in to the portal with it.
    vendor_key_digest: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # A public workforce's qualification: gold items a new labeler must answer well before paid tasks.
    qualification_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The SageMaker front door: the CreateWorkforce request as given (echoed by DescribeWorkforce), the last
    # update, and deletion (a deleted workforce keeps its row for its labelers' history; its name is freed).
    sagemaker_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Workteam(Base):
    __tablename__ = "workteam"
    __table_args__ = (UniqueConstraint("requester_id", "name_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    workforce_id: Mapped[int] = mapped_column(ForeignKey("workforce.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    name_key: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The SageMaker front door: CreateWorkteam's member definitions, notification and access settings and tags;
    # a deleted team keeps its row (its jobs' history points at it) and frees its name.
    sagemaker_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Labeler(Base):
    __tablename__ = "labeler"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workforce_id: Mapped[int] = mapped_column(ForeignKey("workforce.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    qualification_attempts: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    # The labeler's identity-provider groups (a JSON list): teams whose member definitions name one of them
    # (an OIDC group, a Cognito user group) take the labeler in.
    groups_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class WorkteamMember(Base):
    __tablename__ = "workteam_member"
    workteam_id: Mapped[int] = mapped_column(ForeignKey("workteam.id"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"), primary_key=True, index=True)
    # A member by group (the team's member definitions name one of the labeler's groups), not added by hand:
    # changing the team's groups removes such members, never those added by hand.
    via_groups: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Job(Base):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    name_key: Mapped[str] = mapped_column(String(63), unique=True)
    task_type: Mapped[str] = mapped_column(String(64))
    label_attribute: Mapped[str] = mapped_column(String(127))
    labels_json: Mapped[str] = mapped_column(Text)
    short_instruction: Mapped[str] = mapped_column(Text, default="")
    full_instruction: Mapped[str] = mapped_column(Text, default="")
    # The whole label category configuration (short display names, instructions with examples), as parsed.
    label_config_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Verification and adjustment jobs: the earlier job's label attribute each input line carries.
    prior_attribute: Mapped[str | None] = mapped_column(String(127), nullable=True)
    consolidator: Mapped[str] = mapped_column(String(32), server_default="default")
    # Gold items: the share of tasks that are gold, the accuracy a labeler must keep, after how many gold answers.
    gold_rate: Mapped[float] = mapped_column(Float, server_default="0")
    gold_min_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    gold_min_answers: Mapped[int] = mapped_column(Integer, server_default="3")
    # Dynamic overlap: at least min_workers answers, then stop once the label's confidence reaches the target.
    min_workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    pre_hook: Mapped[str | None] = mapped_column(Text, nullable=True)
    post_hook: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Automated labeling (active learning): the settings as JSON (NULL: a plain human job), and the last model.
    auto_labeling_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    final_model_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A custom Liquid task template (NULL: the task type's built-in one) and the instructions' examples.
    ui_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    examples_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A job created through the SageMaker front door: the CreateLabelingJob request as given (DescribeLabelingJob
    # echoes it) and its JobReferenceCode.
    sagemaker_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A flow definition's job (real-time human review): it takes objects as human loops arrive and never
    # completes on its own; only deleting the flow stops it.
    standing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    title: Mapped[str] = mapped_column(String(128), default="")
    workteam_id: Mapped[int] = mapped_column(ForeignKey("workteam.id"), index=True)
    workers_per_object: Mapped[int] = mapped_column(Integer)
    price_micros: Mapped[int] = mapped_column(BigInteger)
    fee_micros: Mapped[int] = mapped_column(BigInteger)
    task_time_limit_s: Mapped[int] = mapped_column(Integer)
    availability_lifetime_s: Mapped[int] = mapped_column(Integer)
    max_concurrent: Mapped[int] = mapped_column(Integer)
    manifest_uri: Mapped[str] = mapped_column(Text)
    output_uri: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    chunks_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dataset_lines: Mapped[int | None] = mapped_column(Integer, nullable=True)
    export_state: Mapped[str] = mapped_column(String(16), default="none")
    export_claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class IngestChunk(Base):
    """One byte range of the manifest; `done` flips in the same transaction that inserts its objects."""

    __tablename__ = "ingest_chunk"
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_byte: Mapped[int] = mapped_column(BigInteger)
    end_byte: Mapped[int] = mapped_column(BigInteger)
    first_line_no: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    good_lines: Mapped[int] = mapped_column(Integer, default=0)
    bad_lines: Mapped[int] = mapped_column(Integer, default=0)


class DataObject(Base):
    """One manifest line. `remaining` is how many more leases it can hand out; the claim query decrements it."""

    __tablename__ = "data_object"
    __table_args__ = (
        UniqueConstraint("job_id", "line_no"),
        Index("ix_data_object_claim", "job_id", "state", "line_no"),
        # The claim scans only open objects, in line order: a small index however large the job has grown.
        Index("ix_data_object_open", "job_id", "line_no", postgresql_where=text("state = 'open'"),
              sqlite_where=text("state = 'open'")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_ref: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    remaining: Mapped[int] = mapped_column(Integer)
    answers_count: Mapped[int] = mapped_column(Integer, default=0)
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    gold_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # a gold item's known answer
    task_input_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # a pre-annotation hook's taskInput
    al_round: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the training round that sent it to people
    al_split: Mapped[str | None] = mapped_column(String(16), nullable=True)  # train | validation | retired | audit
    machine_label_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # an audited object: the model's label


class Assignment(Base):
    """A lease of one object to one labeler; (object, labeler) is unique, so nobody answers an object twice."""

    __tablename__ = "assignment"
    __table_args__ = (
        # Unique among live assignments: an expired lease may go back to the same labeler; nothing else may.
        Index(
            "uq_assignment_object_labeler",
            "object_id",
            "labeler_id",
            unique=True,
            postgresql_where=text("state <> 'expired'"),
            sqlite_where=text("state <> 'expired'"),
        ),
        # Live leases by expiry, for the sweep. Partial, so the planner never prefers it to the primary key for a
        # submit's `id = ? AND state = 'leased'` (a (state, expires_at) index looked as cheap on fresh statistics).
        Index("ix_assignment_live_leases", "expires_at", postgresql_where=text("state = 'leased'"),
              sqlite_where=text("state = 'leased'")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("data_object.id"))
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    leased_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AnswerRow(Base):
    __tablename__ = "answer"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("data_object.id"), index=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"))
    content: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)


class ConsolidatedLabel(Base):
    """One object's label: `value_json` is the label attribute's value as the output manifest writes it and
    `meta_json` the task type's own metadata keys; class_index/class_name are set for classification types."""

    __tablename__ = "consolidated_label"
    object_id: Mapped[int] = mapped_column(ForeignKey("data_object.id"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    class_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    class_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    value_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence: Mapped[float] = mapped_column(Float)
    votes: Mapped[int] = mapped_column(Integer)
    human: Mapped[bool] = mapped_column(Boolean, default=True)
    algorithm: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LabelerSkill(Base):
    """A labeler's estimated skill in one label family ("class", "boxes", "mask", "spans"), kept across batches
    and jobs so a new job's estimates start from what earlier ones learned. `evidence` is how many answers (or
    effective answers) back the estimate; `confusion_json` is a classification confusion matrix over the label
    list whose digest is `labels_key`."""

    __tablename__ = "labeler_skill"
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"), primary_key=True)
    family: Mapped[str] = mapped_column(String(16), primary_key=True)
    accuracy: Mapped[float] = mapped_column(Float)
    evidence: Mapped[float] = mapped_column(Float)
    labels_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    confusion_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class GoldScore(Base):
    """One answered gold task's score in [0, 1] (1 = matches the known answer); keyed by the assignment, so
    scoring the same answer again inserts nothing."""

    __tablename__ = "gold_score"
    __table_args__ = (Index("ix_gold_score_job_id", "job_id", "labeler_id"),)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"))
    object_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LabelerRemoval(Base):
    """A labeler taken off a job because their gold accuracy fell below the job's bar; claims skip them."""

    __tablename__ = "labeler_removal"
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labeler.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    gold_accuracy: Mapped[float] = mapped_column(Float)
    gold_answers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class TrainingRound(Base):
    """One active-learning round of a job. The trainer claims it (pending -> running) and commits its machine
    labels, the next human batch and `done` in one transaction, so a repeated message finds it done."""

    __tablename__ = "training_round"
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    round_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # pending | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    device: Mapped[str | None] = mapped_column(String(32), nullable=True)
    compute_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    train_items: Mapped[int | None] = mapped_column(Integer, nullable=True)
    validation_items: Mapped[int | None] = mapped_column(Integer, nullable=True)
    validation_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    machine_labeled: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_to_humans: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_sent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    model_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class LedgerEntry(Base):
    """Money moved. `key` ("pay:<assignment>", "fee:<object>", "compute:<job>:<round>") is unique, so nothing is
    ever paid twice."""

    __tablename__ = "ledger_entry"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    workforce_id: Mapped[int | None] = mapped_column(ForeignKey("workforce.id"), nullable=True)
    labeler_id: Mapped[int | None] = mapped_column(ForeignKey("labeler.id"), nullable=True)
    object_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    amount_micros: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): one row per job or assignment transition."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    object_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detail: Mapped[str] = mapped_column(Text, server_default=text("'{}'"))


class FlowDefinition(Base):
    """Augmented AI's flow definition: how a human loop becomes human tasks. Its labeling settings live on its
    standing `job` (task type, labels, workteam, TaskCount as workers_per_object, price, time limits); this row
    adds the activation condition, the output path and an optional custom template kept for the worker portal."""

    __tablename__ = "flow_definition"
    __table_args__ = (UniqueConstraint("requester_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    name: Mapped[str] = mapped_column(String(63))
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    activation_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # NULL: every loop goes to people
    output_path: Mapped[str] = mapped_column(Text)
    ui_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The SageMaker front door: the CreateFlowDefinition request as given (DescribeFlowDefinition echoes it).
    sagemaker_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class HumanTaskUi(Base):
    """A worker task template stored under a name (SageMaker's CreateHumanTaskUi): labeling jobs and flow
    definitions name it by ARN instead of carrying the template."""

    __tablename__ = "human_task_ui"
    __table_args__ = (UniqueConstraint("requester_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    name: Mapped[str] = mapped_column(String(63))
    content: Mapped[str] = mapped_column(Text)
    tags_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LambdaFunction(Base):
    """A requester's stand-in for an AWS Lambda function: a job that names
    `arn:aws:lambda:<region>:<account>:function:<name>` as its pre-annotation or consolidation Lambda runs this
    hook (python:<module>:<function> or an http(s) URL) with Ground Truth's event."""

    __tablename__ = "lambda_function"
    __table_args__ = (UniqueConstraint("requester_id", "name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    name: Mapped[str] = mapped_column(String(64))
    hook: Mapped[str] = mapped_column(Text)
    # The task type the function's jobs label, for custom jobs whose template alone does not say.
    task_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class HumanLoop(Base):
    """One human loop: an input (and the model's prediction) sent to people as one object of the flow's job, or
    completed at once when the activation condition did not hold. `output_uri` is fixed at creation."""

    __tablename__ = "human_loop"
    __table_args__ = (
        UniqueConstraint("requester_id", "name"),
        Index("ix_human_loop_flow", "flow_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requester.id"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow_definition.id"))
    name: Mapped[str] = mapped_column(String(63))
    status: Mapped[str] = mapped_column(String(16), index=True)
    activated: Mapped[bool] = mapped_column(Boolean)
    input_json: Mapped[str] = mapped_column(Text)
    prediction_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    object_id: Mapped[int | None] = mapped_column(ForeignKey("data_object.id"), nullable=True)
    output_uri: Mapped[str] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
