"""Creating and stopping labeling jobs."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.bootstrap import Deps
from shared.domain import hooks as hooks_domain
from shared.domain.automated_labeling.plan import AutoLabelingSettings
from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.domain.labels import LabelConfig, check_labels, parse_label_category_file
from shared.domain.naming import check_job_name, check_label_attribute_name
from shared.domain.pricing import PUBLIC_MAX_LIFETIME_S, WorkforceKind, price_for_job
from shared.domain.states import JobStatus
from shared.domain.task_types import TaskTypeSpec, spec_for
from shared.messaging import TaskNames
from shared.persistence.tables import Job, Workforce
from shared.services import accounts, audit, automated_labeling, gold, hooks, overlap
from shared.services.job_states import transition_job
from shared.services.label_results import CONSOLIDATORS
from shared.storage import BlobNotFound


@dataclass(frozen=True)
class JobSpec:
    """A validated create-job request (the API's pydantic model maps onto this)."""

    name: str
    task_type: str
    label_attribute_name: str | None
    labels: list[str] | None
    label_category_config_uri: str | None
    manifest_uri: str | None
    output_uri: str | None
    workteam_id: int
    workers_per_object: int
    price_per_task_micros: int | None
    task_time_limit_seconds: int
    task_availability_lifetime_seconds: int
    max_concurrent_task_count: int
    title: str = ""
    short_instruction: str = ""
    full_instruction: str = ""
    label_category_config: dict[str, Any] | None = None
    prior_label_attribute_name: str | None = None
    consolidator: str = "default"
    gold_items: list[dict[str, Any]] | None = None
    gold_manifest_uri: str | None = None
    gold_rate: float = 0.0
    gold_min_accuracy: float | None = None
    gold_min_answers: int = 3
    min_workers: int | None = None
    target_confidence: float | None = None
    pre_hook: str | None = None
    post_hook: str | None = None
    auto_labeling: dict[str, Any] | None = None  # AutoLabelingSettings fields
    ui_template: str | None = None  # a custom Liquid task template, checked to parse by the API
    examples: list[dict[str, Any]] | None = None  # the instructions' examples (see schemas.Example)


def _label_config(deps: Deps, spec: JobSpec, min_labels: int) -> tuple[LabelConfig, dict[str, Any]]:
    """Labels inline, or a Ground Truth label-category file inline or by URI: exactly one of the three.

    Returns the parsed configuration and the document to keep (a file as given; inline labels as the file that
    would say the same), so short display names and examples reach the labelers and the output."""
    sources = (spec.labels, spec.label_category_config, spec.label_category_config_uri)
    given = [source is not None for source in sources]
    if sum(given) != 1:
        field = "label_category_config" if given[1] and sum(given) > 1 else "labels"
        raise ValidationFailed("give exactly one of 'labels', 'label_category_config' and "
                               "'label_category_config_uri'", field)
    if spec.labels is not None:
        labels = check_labels(spec.labels, min_labels)
        document = {"document-version": "2018-11-28", "labels": [{"label": name} for name in labels]}
        return LabelConfig(labels, spec.short_instruction, spec.full_instruction), document
    if spec.label_category_config is not None:
        doc: Any = spec.label_category_config
        field = "label_category_config"
    else:
        field = "label_category_config_uri"
        try:
            doc = json.loads(deps.blobs.read_bytes(spec.label_category_config_uri or ""))
        except BlobNotFound as exc:
            raise ValidationFailed(str(exc), field) from None
        except ValueError:
            raise ValidationFailed("the label category file is not valid JSON", field) from None
    parsed = parse_label_category_file(doc, min_labels, field)
    config = dataclasses.replace(parsed, short_instruction=spec.short_instruction or parsed.short_instruction,
                                 full_instruction=spec.full_instruction or parsed.full_instruction)
    return config, doc


def _check_labels_for_type(labels: LabelConfig, type_spec: TaskTypeSpec) -> None:
    if len(labels.labels) > type_spec.max_labels:
        raise ValidationFailed(f"this task type allows at most {type_spec.max_labels} label categories", "labels")


def _prior_attribute(spec: JobSpec, type_spec: TaskTypeSpec, attribute: str) -> str | None:
    """Verification and adjustment jobs read an earlier job's labels from each line: name that attribute."""
    prior = spec.prior_label_attribute_name
    if not type_spec.needs_prior:
        if prior is not None:
            raise ValidationFailed("only verification and adjustment jobs read a prior label attribute",
                                   "prior_label_attribute_name")
        return None
    if not prior:
        raise ValidationFailed("a verification or adjustment job names the label attribute of the job it reviews",
                               "prior_label_attribute_name")
    check_label_attribute_name(prior, prior.endswith("-ref"), "prior_label_attribute_name")
    if prior == attribute:
        raise ValidationFailed("a verification or adjustment job writes a new attribute, not the reviewed one",
                               "label_attribute_name")
    return prior


def _check_overlap(spec: JobSpec, type_spec: TaskTypeSpec) -> None:
    """Dynamic overlap needs both settings, a minimum within the maximum, and a task type it can judge."""
    if (spec.min_workers is None) != (spec.target_confidence is None):
        raise ValidationFailed("dynamic overlap needs both min_workers and target_confidence",
                               "dynamic_overlap" if spec.min_workers is None else "dynamic_overlap.target_confidence")
    if spec.min_workers is None:
        return
    if spec.min_workers > spec.workers_per_object:
        raise ValidationFailed(f"at most workers_per_object ({spec.workers_per_object})",
                               "dynamic_overlap.min_workers")
    if type_spec.answer_kind not in overlap.SUPPORTED:
        raise ValidationFailed("dynamic overlap is available for single-label classification and verification",
                               "dynamic_overlap")


def _hook(deps: Deps, ref: str | None, field: str) -> str | None:
    """A hook names a Python function the operator allowed (GW_HOOK_MODULES) or an HTTP endpoint. Ground Truth's
    own built-in PRE-/ACS- Lambda ARNs mean Groundwork's built-in behaviour, so they store no hook."""
    if not ref or hooks_domain.builtin_for_lambda_arn(ref) is not None:
        return None
    try:
        hooks.check_allowed(hooks_domain.parse_hook_ref(ref, field), deps.settings.hook_modules,
                            deps.settings.hook_hosts)
    except hooks_domain.HookError as exc:
        raise ValidationFailed(str(exc), field) from None
    return ref


def _gold_items(deps: Deps, spec: JobSpec) -> list[dict[str, Any]]:
    items = list(spec.gold_items or [])
    if spec.gold_manifest_uri:
        try:
            items += gold.read_gold_manifest(deps.blobs.read_bytes(spec.gold_manifest_uri))
        except BlobNotFound as exc:
            raise ValidationFailed(str(exc), "gold.manifest_uri") from None
    if spec.gold_min_accuracy is not None and not items:
        raise ValidationFailed("a gold accuracy bar needs gold items", "gold.min_accuracy")
    return items


def _auto_labeling(deps: Deps, spec: JobSpec) -> str | None:
    """Automated labeling: a supported task type, settings the domain accepts, a seed model that exists."""
    if spec.auto_labeling is None:
        return None
    if spec.task_type not in automated_labeling.SUPPORTED:
        raise ValidationFailed("automated labeling is available for single-label image and text classification",
                               "automated_labeling")
    try:
        settings = AutoLabelingSettings(**spec.auto_labeling)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(str(exc), "automated_labeling") from None
    if settings.batch_size and settings.batch_size > spec.max_concurrent_task_count:
        raise ValidationFailed(f"at most max_concurrent_task_count ({spec.max_concurrent_task_count})",
                               "automated_labeling.batch_size")
    if settings.initial_model_uri and not deps.blobs.exists(settings.initial_model_uri):
        raise ValidationFailed(f"cannot read {settings.initial_model_uri[:200]}",
                               "automated_labeling.initial_model_uri")
    return settings.to_json()


def _examples(deps: Deps, spec: JobSpec, labels: LabelConfig) -> str | None:
    """The instructions' examples: a label must be one of the job's, and an image must be a file Groundwork can
    read (or an http(s) URL), so a labeler never sees a broken example."""
    if not spec.examples:
        return None
    for i, example in enumerate(spec.examples):
        where = f"instructions.examples[{i}]"
        label = example.get("label")
        if label is not None and label not in labels.labels:
            raise ValidationFailed(f"'{str(label)[:80]}' is not one of the job's labels", f"{where}.label")
        ref = example.get("source_ref")
        if ref and not ref.startswith(("http://", "https://")) and not deps.blobs.exists(ref):
            raise ValidationFailed(f"cannot read {ref[:200]}", f"{where}.source_ref")
    return json.dumps(spec.examples, ensure_ascii=False)


def create_job(deps: Deps, session: Session, requester_id: int, spec: JobSpec, uploaded: bytes | None) -> Job:
    """Validate, store the job as Initializing, and ask a worker to plan the manifest's ingest."""
    check_job_name(spec.name)
    type_spec = spec_for(spec.task_type)
    attribute = spec.label_attribute_name or spec.name
    check_label_attribute_name(attribute, type_spec.needs_ref_suffix)
    labels, label_document = _label_config(deps, spec, type_spec.min_labels)
    _check_labels_for_type(labels, type_spec)
    prior = _prior_attribute(spec, type_spec, attribute)
    if spec.consolidator not in CONSOLIDATORS:
        raise ValidationFailed(f"one of {', '.join(sorted(CONSOLIDATORS))}", "consolidator")
    _check_overlap(spec, type_spec)
    pre_hook = _hook(deps, spec.pre_hook, "pre_annotation_hook")
    post_hook = _hook(deps, spec.post_hook, "consolidation_hook")
    gold_items = _gold_items(deps, spec)
    auto_labeling = _auto_labeling(deps, spec)
    examples = _examples(deps, spec, labels)
    team = accounts.get_workteam(session, requester_id, spec.workteam_id)
    workforce = session.get(Workforce, team.workforce_id)
    assert workforce is not None
    price = price_for_job(workforce.kind, spec.price_per_task_micros, workforce.vendor_price_micros, type_spec)
    if workforce.kind == WorkforceKind.PUBLIC and spec.task_availability_lifetime_seconds > PUBLIC_MAX_LIFETIME_S:
        raise ValidationFailed(f"a public workforce allows at most {PUBLIC_MAX_LIFETIME_S} seconds (12 hours)",
                               "task_availability_lifetime_seconds")
    if session.scalar(select(Job.id).where(Job.name_key == spec.name.lower())) is not None:
        raise Conflict(f"a job named '{spec.name}' exists already (names ignore case)", "name")
    now = deps.clock.now()
    if uploaded is None and not spec.manifest_uri:
        raise ValidationFailed("give a manifest_uri or upload a manifest file", "manifest_uri")
    if spec.manifest_uri and not spec.manifest_uri.startswith(("s3://", "file://")):
        raise ValidationFailed("must be an s3:// or file:// URI", "manifest_uri")
    if spec.manifest_uri and not deps.blobs.exists(spec.manifest_uri):
        raise ValidationFailed(f"cannot read {spec.manifest_uri[:200]}", "manifest_uri")
    output = spec.output_uri or deps.settings.effective_blob_url.rstrip("/") + "/output"
    if not output.startswith(("s3://", "file://")):
        raise ValidationFailed("must be an s3:// or file:// URI", "output_uri")
    job = Job(
        requester_id=requester_id, name=spec.name, name_key=spec.name.lower(), task_type=spec.task_type,
        label_attribute=attribute, labels_json=json.dumps(list(labels.labels)),
        label_config_json=json.dumps(label_document, ensure_ascii=False), prior_attribute=prior,
        consolidator=spec.consolidator, gold_rate=spec.gold_rate if gold_items else 0.0,
        gold_min_accuracy=spec.gold_min_accuracy, gold_min_answers=spec.gold_min_answers,
        min_workers=spec.min_workers, target_confidence=spec.target_confidence, pre_hook=pre_hook,
        post_hook=post_hook, auto_labeling_json=auto_labeling, ui_template=spec.ui_template, examples_json=examples,
        short_instruction=labels.short_instruction, full_instruction=labels.full_instruction, title=spec.title,
        workteam_id=team.id, workers_per_object=spec.workers_per_object, price_micros=price,
        fee_micros=deps.fee_micros, task_time_limit_s=spec.task_time_limit_seconds,
        availability_lifetime_s=spec.task_availability_lifetime_seconds,
        max_concurrent=spec.max_concurrent_task_count, manifest_uri=spec.manifest_uri or "", output_uri=output,
        status=JobStatus.INITIALIZING.value, created_at=now, updated_at=now,
    )
    session.add(job)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a job named '{spec.name}' exists already (names ignore case)", "name") from None
    if gold_items:
        gold.add_gold_items(session, job, type_spec, labels, gold_items)
    if uploaded is not None:
        job.manifest_uri = f"{deps.settings.effective_blob_url.rstrip('/')}/uploads/{job.id}/input.manifest"
        deps.blobs.write_bytes(job.manifest_uri, uploaded, "application/jsonlines")
    audit.record(session, now, "job_status", f"requester:{requester_id}", job_id=job.id, to_state=job.status)
    return job


def announce_job(deps: Deps, job_id: int) -> None:
    """After commit: the planner may run before this returns, so the row must exist first."""
    deps.queue.send(TaskNames.PLAN_INGEST, job_id=job_id)


def get_job(session: Session, requester_id: int, ref: str) -> Job:
    """By id or by name (ignoring case); another requester's job is reported as missing."""
    # isdigit() alone admits "²" (int() refuses it); past 18 digits a ref is no 64-bit id.
    by_id = ref.isascii() and ref.isdigit() and len(ref) <= 18
    query = select(Job).where(Job.id == int(ref)) if by_id else select(Job).where(Job.name_key == ref.lower())
    job = session.scalar(query)
    if job is None or job.requester_id != requester_id:
        raise NotFound(f"no job '{ref[:80]}'", "job")
    return job


def stop_job(deps: Deps, session: Session, job: Job, actor: str) -> Job:
    """InProgress/Initializing -> Stopping; the sweep drains leases and then stops it (GT's semantics)."""
    if job.status in (JobStatus.STOPPING, JobStatus.STOPPED):
        return job
    if job.status not in (JobStatus.IN_PROGRESS, JobStatus.INITIALIZING):
        raise Conflict(f"a {job.status} job cannot be stopped", "job")
    transition_job(session, job, JobStatus.STOPPING, deps.clock.now(), actor)
    return job


def job_labels(job: Job) -> tuple[str, ...]:
    return tuple(json.loads(job.labels_json))
