"""SageMaker's labeling-job operations on Groundwork's own jobs: CreateLabelingJob, DescribeLabelingJob,
ListLabelingJobs and StopLabelingJob.

A CreateLabelingJob request becomes a `jobs.JobSpec`; from there it is the same job the REST API creates, and
jobs created either way answer both front doors. What SageMaker names by ARN is resolved here: the workteam (the
public crowd too), the task UI, the Lambda functions (Ground Truth's built-ins are Groundwork's built-ins; others
are the requester's registered hooks), the automated-labeling algorithm and an initial model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.api.sagemaker import errors, human_task_uis, workforces
from services.api.sagemaker.calls import Call, domain_errors, fetched_page, page_bounds, with_token
from services.api.sagemaker.errors import AwsError
from services.api.sagemaker.flow_definitions import DEFAULT_LIFETIME_S, price_micros
from services.api.sagemaker.json_protocol import operation
from services.api.sagemaker.shapes import to_datetime
from services.api.web import task_ui
from shared.domain import arns, template_kind
from shared.domain import hooks as hooks_domain
from shared.domain.errors import Conflict
from shared.domain.output import JobLayout
from shared.domain.task_types import TaskType, spec_for
from shared.persistence.tables import Job, Workteam
from shared.services import jobs, lambda_functions, queries
from shared.storage import BlobNotFound

MODEL = "model"
# Groundwork's JobSpec fields -> the CreateLabelingJob members they come from, for error messages.
FIELDS = {
    "name": "LabelingJobName", "job": "LabelingJobName", "label_attribute_name": "LabelAttributeName",
    "manifest_uri": "InputConfig.DataSource.S3DataSource.ManifestS3Uri", "output_uri": "OutputConfig.S3OutputPath",
    "labels": "LabelCategoryConfigS3Uri", "label_category_config_uri": "LabelCategoryConfigS3Uri",
    "label_category_config": "LabelCategoryConfigS3Uri",
    "workteam_id": "HumanTaskConfig.WorkteamArn",
    "workers_per_object": "HumanTaskConfig.NumberOfHumanWorkersPerDataObject",
    "price_per_task_usd": "HumanTaskConfig.PublicWorkforceTaskPrice",
    "task_time_limit_seconds": "HumanTaskConfig.TaskTimeLimitInSeconds",
    "task_availability_lifetime_seconds": "HumanTaskConfig.TaskAvailabilityLifetimeInSeconds",
    "max_concurrent_task_count": "HumanTaskConfig.MaxConcurrentTaskCount",
    "pre_annotation_hook": "HumanTaskConfig.PreHumanTaskLambdaArn",
    "consolidation_hook": "HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn",
    "ui_template": "HumanTaskConfig.UiConfig.UiTemplateS3Uri",
    "prior_label_attribute_name": "LabelCategoryConfigS3Uri (auditLabelAttributeName)",
    "automated_labeling": "LabelingJobAlgorithmsConfig",
}
_BY_SUFFIX = {spec_for(t).lambda_suffix: t for t in TaskType}
_ALGORITHMS = {"image-classification": TaskType.IMAGE_CLASSIFICATION,
               "text-classification": TaskType.TEXT_CLASSIFICATION}


# --- CreateLabelingJob --------------------------------------------------------------------------------------------

def _read_text(call: Call, uri: str, member: str) -> str:
    if not uri.startswith(("s3://", "file://")):
        raise errors.validation(f"{member}: Groundwork reads s3:// (its configured S3 endpoint) or file:// URIs")
    try:
        return call.deps.blobs.read_bytes(uri).decode("utf-8")
    except BlobNotFound:
        raise errors.validation(f"{member}: cannot read {uri[:300]}") from None
    except UnicodeDecodeError:
        raise errors.validation(f"{member}: {uri[:300]} is not UTF-8 text") from None


def _lambda(call: Call, session: Session, arn: str | None, member: str) -> tuple[str | None, str | None,
                                                                                  str | None]:
    """(built-in suffix, hook ref, registered task type) for a Lambda ARN; (None, None, None) when absent."""
    if not arn:
        return None, None, None
    suffix = hooks_domain.builtin_for_lambda_arn(arn)
    if suffix is not None:
        return suffix, None, None
    parsed = lambda_functions.function_name(arn)
    if parsed is None:
        raise errors.validation(f"{member}: '{arn[:200]}' is not a Lambda function ARN")
    account, name = parsed
    if account != call.account:
        raise errors.access_denied(f"{member}: the Lambda function {arn[:200]} belongs to another account")
    with domain_errors({"name": member}):
        row = lambda_functions.get(session, call.requester_id, name, member)
    return None, row.hook, row.task_type


def _template(call: Call, session: Session, ui: dict[str, Any]) -> tuple[str | None, TaskType | None]:
    """The job's custom template (None: the built-in one) and the task type a fixed AWS UI implies."""
    uri, ui_arn = ui.get("UiTemplateS3Uri"), ui.get("HumanTaskUiArn")
    if bool(uri) == bool(ui_arn):
        raise errors.validation("HumanTaskConfig.UiConfig: give exactly one of UiTemplateS3Uri and HumanTaskUiArn")
    if uri:
        template = _read_text(call, uri, "HumanTaskConfig.UiConfig.UiTemplateS3Uri")
        with domain_errors({"ui_template": "HumanTaskConfig.UiConfig.UiTemplateS3Uri"}):
            task_ui.check_template(template, "ui_template")
        return template, None
    return human_task_uis.resolve_ui_arn(call, session, ui_arn, "HumanTaskConfig.UiConfig.HumanTaskUiArn")


def task_type_for(suffixes: list[str | None], template: str | None, implied: TaskType | None,
               registered: list[str | None]) -> TaskType:
    """The built-in a PRE-/ACS- Lambda names; else the fixed UI's type; else the template's labeling element;
    else the type registered with the requester's Lambda function."""
    for suffix in suffixes:
        if suffix and suffix != "PassThrough":
            if suffix not in _BY_SUFFIX:
                raise errors.validation(f"Groundwork does not label '{suffix}' tasks (video and 3D point clouds "
                                        "are not supported)")
            return _BY_SUFFIX[suffix]
    if implied is not None:
        return implied
    kind = template_kind.infer(template) if template else None
    if kind is not None:
        return kind.task_type
    for task_type in registered:
        if task_type:
            return TaskType(task_type)
    raise errors.validation(
        "HumanTaskConfig: cannot tell what the job labels: name a built-in PRE- Lambda ARN, use a template with a "
        "Crowd labeling element (crowd-image-classifier, crowd-bounding-box, crowd-semantic-segmentation, "
        "crowd-classifier, crowd-entity-annotation, or a -multi-select classifier), or register the Lambda "
        "function with a task_type (PUT /api/v1/lambda-functions/<name>)")


@dataclass(frozen=True)
class _Labels:
    """Where the job's labels come from: literal template labels, the label category file by URI, or that file
    already read (verification and adjustment jobs read it here for its auditLabelAttributeName, once)."""

    labels: list[str] | None = None
    uri: str | None = None
    document: dict[str, Any] | None = None
    prior: str | None = None


def _labels(call: Call, params: dict[str, Any], template: str | None, type_: TaskType) -> _Labels:
    """The file wins; else literal template labels."""
    uri = params.get("LabelCategoryConfigS3Uri")
    if uri:
        if not spec_for(type_).needs_prior:
            return _Labels(uri=uri)
        try:
            doc = json.loads(_read_text(call, uri, "LabelCategoryConfigS3Uri"))
        except ValueError:
            raise errors.validation("LabelCategoryConfigS3Uri: the label category file is not JSON") from None
        prior = doc.get("auditLabelAttributeName") if isinstance(doc, dict) else None
        return _Labels(document=doc, prior=prior)
    kind = template_kind.infer(template) if template else None
    if kind is not None and kind.labels:
        return _Labels(labels=list(kind.labels))
    raise errors.validation("LabelCategoryConfigS3Uri: give the label category file (Groundwork needs the job's "
                            "labels; the template lists none literally)")


def _auto_labeling(call: Call, session: Session, params: dict[str, Any], type_: TaskType) -> dict[str, Any] | None:
    algorithms = params.get("LabelingJobAlgorithmsConfig")
    stopping = params.get("StoppingConditions") or {}
    if not algorithms:
        return None  # StoppingConditions alone: the sweep stops the job (lifecycle.finish_job)
    spec_arn = arns.parse_arn(algorithms["LabelingJobAlgorithmSpecificationArn"])
    algorithm = arns.algorithm_task(spec_arn) if spec_arn else None
    if algorithm not in _ALGORITHMS:
        raise errors.validation("LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn: Groundwork's "
                                "automated labeling runs image-classification and text-classification")
    if _ALGORITHMS[algorithm] != type_:
        raise errors.validation(f"LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn: the "
                                f"{algorithm} algorithm cannot label a {type_.value} job")
    settings: dict[str, Any] = {
        "max_human_labeled": stopping.get("MaxHumanLabeledObjectCount"),
        "max_percent_labeled": stopping.get("MaxPercentageOfInputDatasetLabeled"),
    }
    initial = algorithms.get("InitialActiveLearningModelArn")
    if initial:
        member = "LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn"
        model = call.own_arn(initial, MODEL, member)
        source = session.scalar(select(Job).where(Job.requester_id == call.requester_id,
                                                  Job.name_key == model.name.lower()))
        if source is None or not source.final_model_uri:
            raise errors.not_found(f"{member}: no model '{model.name[:63]}' (a finished automated-labeling job's "
                                   "FinalActiveLearningModelArn)")
        settings["initial_model_uri"] = source.final_model_uri
    return {k: v for k, v in settings.items() if v is not None}


def _spec(call: Call, session: Session, params: dict[str, Any]) -> jobs.JobSpec:
    human = params["HumanTaskConfig"]
    source = params["InputConfig"]["DataSource"]
    if "S3DataSource" not in source:
        raise errors.validation("InputConfig.DataSource: Groundwork reads an S3DataSource manifest (streaming "
                                "labeling jobs from SNS are not supported)")
    team = workforces.resolve_workteam_arn(call, session, human["WorkteamArn"], "HumanTaskConfig.WorkteamArn")
    pre_suffix, pre_hook, pre_type = _lambda(call, session, human.get("PreHumanTaskLambdaArn"),
                                             "HumanTaskConfig.PreHumanTaskLambdaArn")
    consolidation = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    acs_suffix, post_hook, post_type = _lambda(call, session, consolidation,
                                               "HumanTaskConfig.AnnotationConsolidationConfig."
                                               "AnnotationConsolidationLambdaArn")
    template, implied = _template(call, session, human["UiConfig"])
    type_ = task_type_for([pre_suffix, acs_suffix], template, implied, [pre_type, post_type])
    labels = _labels(call, params, template, type_)
    return jobs.JobSpec(
        name=params["LabelingJobName"], task_type=type_.value, label_attribute_name=params["LabelAttributeName"],
        labels=labels.labels, label_category_config_uri=labels.uri, label_category_config=labels.document,
        manifest_uri=source["S3DataSource"]["ManifestS3Uri"],
        output_uri=params["OutputConfig"]["S3OutputPath"].rstrip("/"), workteam_id=team.id,
        workers_per_object=human["NumberOfHumanWorkersPerDataObject"],
        price_per_task_micros=price_micros(human.get("PublicWorkforceTaskPrice")),
        task_time_limit_seconds=human["TaskTimeLimitInSeconds"],
        task_availability_lifetime_seconds=human.get("TaskAvailabilityLifetimeInSeconds", DEFAULT_LIFETIME_S),
        max_concurrent_task_count=human.get("MaxConcurrentTaskCount", 1000), title=human["TaskTitle"],
        prior_label_attribute_name=labels.prior, pre_hook=pre_hook, post_hook=post_hook,
        auto_labeling=_auto_labeling(call, session, params, type_), ui_template=template,
    )


@operation("CreateLabelingJob")
def create_labeling_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    d = call.deps
    if params["HumanTaskConfig"]["TaskTimeLimitInSeconds"] > 28_800:
        raise errors.validation("HumanTaskConfig.TaskTimeLimitInSeconds: at most 28800 seconds (8 hours) for image "
                                "and text tasks")
    with d.sessions.begin() as session:
        spec = _spec(call, session, params)
        with domain_errors(FIELDS):
            job = jobs.create_job(d, session, call.requester_id, spec, None)
        job.sagemaker_json = json.dumps(params)
        job_id, name = job.id, job.name
    jobs.announce_job(d, job_id)
    return {"LabelingJobArn": _job_arn(call, name)}


# --- Describe, List, Stop ----------------------------------------------------------------------------------------

def _job_arn(call: Call, name: str) -> str:
    return hooks_domain.labeling_job_arn(call.region, call.account, name)


def _builtin_lambda(call: Call, prefix: str, job: Job) -> str | None:
    owner = hooks_domain.BUILTIN_LAMBDA_ACCOUNTS.get(call.region)
    suffix = spec_for(job.task_type).lambda_suffix
    return f"arn:aws:lambda:{call.region}:{owner}:function:{prefix}-{suffix}" if owner and suffix else None


def _human_task_config(call: Call, session: Session, job: Job) -> dict[str, Any]:
    """A job created through Groundwork's REST API, described in SageMaker's terms."""
    team = session.get(Workteam, job.workteam_id)
    assert team is not None
    config: dict[str, Any] = {
        "WorkteamArn": workforces.workteam_arn(call, team), "UiConfig": {},
        "TaskTitle": job.title or job.name, "TaskDescription": job.short_instruction[:255] or job.name,
        "NumberOfHumanWorkersPerDataObject": job.workers_per_object,
        "TaskTimeLimitInSeconds": job.task_time_limit_s,
        "TaskAvailabilityLifetimeInSeconds": job.availability_lifetime_s,
        "MaxConcurrentTaskCount": job.max_concurrent,
    }
    pre, acs = _builtin_lambda(call, "PRE", job), _builtin_lambda(call, "ACS", job)
    if pre:
        config["PreHumanTaskLambdaArn"] = pre
    if acs:
        config["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": acs}
    return config


def _output(call: Call, job: Job) -> dict[str, Any] | None:
    if job.export_state != "done":
        return None
    out: dict[str, Any] = {"OutputDatasetS3Uri": JobLayout.for_job(job.output_uri, job.name).output_manifest}
    if job.final_model_uri:
        out["FinalActiveLearningModelArn"] = call.arn(MODEL, job.name)
    return out


def describe(call: Call, session: Session, job: Job) -> dict[str, Any]:
    counters = queries.job_counts(session, job).counters.as_dict()
    given: dict[str, Any] = json.loads(job.sagemaker_json) if job.sagemaker_json else {}
    out: dict[str, Any] = {
        "LabelingJobStatus": job.status, "LabelCounters": counters,
        "CreationTime": job.created_at, "LastModifiedTime": job.updated_at,
        "JobReferenceCode": arns.job_reference_code(call.account, job.id, job.sagemaker_json),
        "LabelingJobName": job.name, "LabelingJobArn": _job_arn(call, job.name),
        "LabelAttributeName": job.label_attribute,
        "InputConfig": given.get("InputConfig")
        or {"DataSource": {"S3DataSource": {"ManifestS3Uri": job.manifest_uri}}},
        "OutputConfig": {"KmsKeyId": "", **(given.get("OutputConfig") or {"S3OutputPath": job.output_uri})},
        "RoleArn": given.get("RoleArn") or arns.default_role_arn(call.account),
        "HumanTaskConfig": given.get("HumanTaskConfig") or _human_task_config(call, session, job),
    }
    if job.failure_reason:
        out["FailureReason"] = job.failure_reason[:1024]
    for member in ("LabelCategoryConfigS3Uri", "StoppingConditions", "LabelingJobAlgorithmsConfig", "Tags"):
        if given.get(member) is not None:
            out[member] = given[member]
    output = _output(call, job)
    if output:
        out["LabelingJobOutput"] = output
    return out


def _own_job(session: Session, call: Call, name: str) -> Job:
    job = session.scalar(select(Job).where(Job.name_key == name.lower(), Job.requester_id == call.requester_id,
                                           Job.standing.is_(False)))
    if job is None:
        raise errors.not_found(f"Could not find labeling job '{name[:63]}'")
    return job


@operation("DescribeLabelingJob")
def describe_labeling_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session:
        return describe(call, session, _own_job(session, call, params["LabelingJobName"]))


def summary(call: Call, session: Session, job: Job) -> dict[str, Any]:
    full = describe(call, session, job)
    human = full["HumanTaskConfig"]
    out = {k: full[k] for k in ("LabelingJobName", "LabelingJobArn", "CreationTime", "LastModifiedTime",
                                "LabelingJobStatus", "LabelCounters", "InputConfig")}
    out["WorkteamArn"] = human["WorkteamArn"]
    if human.get("PreHumanTaskLambdaArn"):
        out["PreHumanTaskLambdaArn"] = human["PreHumanTaskLambdaArn"]
    acs = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    if acs:
        out["AnnotationConsolidationLambdaArn"] = acs
    for member in ("FailureReason", "LabelingJobOutput"):
        if member in full:
            out[member] = full[member]
    return out


_SORT = {"Name": Job.name_key, "CreationTime": Job.created_at, "Status": Job.status}


@operation("ListLabelingJobs")
def list_labeling_jobs(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """Filters and order in SQL, then one page: summaries (with their counters) only for the rows returned."""
    query = select(Job).where(Job.requester_id == call.requester_id, Job.standing.is_(False))
    windows = (("CreationTimeAfter", Job.created_at, "gt"), ("CreationTimeBefore", Job.created_at, "lt"),
               ("LastModifiedTimeAfter", Job.updated_at, "gt"), ("LastModifiedTimeBefore", Job.updated_at, "lt"))
    for member, column, op in windows:
        if params.get(member) is not None:
            moment = to_datetime(params[member])
            query = query.where(column > moment if op == "gt" else column < moment)
    if params.get("NameContains"):
        query = query.where(Job.name_key.contains(params["NameContains"].lower(), autoescape=True))
    if params.get("StatusEquals"):
        query = query.where(Job.status == params["StatusEquals"])
    column = _SORT[params.get("SortBy", "CreationTime")]
    descending = params.get("SortOrder", "Ascending") == "Descending"
    query = query.order_by(column.desc() if descending else column.asc(), Job.id.desc() if descending else Job.id)
    offset, limit = page_bounds(params)
    with call.deps.sessions() as session:
        chunk, token = fetched_page(list(session.scalars(query.offset(offset).limit(limit + 1))), offset, limit)
        return with_token({"LabelingJobSummaryList": [summary(call, session, job) for job in chunk]}, token)


@operation("StopLabelingJob")
def stop_labeling_job(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """InProgress -> Stopping (the sweep drains leases, stops the job and writes the output); repeating is fine."""
    d = call.deps
    with d.sessions.begin() as session:
        job = _own_job(session, call, params["LabelingJobName"])
        try:
            jobs.stop_job(d, session, job, f"requester:{call.requester_id}")
        except Conflict:
            raise AwsError("ValidationException", f"The labeling job '{job.name}' is {job.status} and cannot be "
                                                  "stopped") from None
    return {}

