"""SageMaker's labeling-job API through an unmodified boto3 client: a Ground Truth user's script runs against
Groundwork by changing only `endpoint_url` and the credentials (Appendix A, items 1-9 and 13)."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from PIL import Image

from demo.labelers import run_crowd
from tests.conftest import REFERENCE_DIR
from tests.dropin.conftest import NO_RETRIES, REGION, DropIn

LABELS = ["cat", "dog", "bird"]
PRE = f"arn:aws:lambda:{REGION}:432418664414:function:PRE-ImageMultiClass"
ACS = f"arn:aws:lambda:{REGION}:432418664414:function:ACS-ImageMultiClass"
# Ground Truth's own image-classification template, as a requester keeps it in S3.
TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-image-classifier name="crowd-image-classifier" src="{{ task.input.taskObject | grant_read_access }}"
      header="Pick the animal" categories="{{ task.input.labels | to_json | escape }}">
    <full-instructions header="Classification">Choose the animal you see.</full-instructions>
    <short-instructions>Choose the animal.</short-instructions>
  </crowd-image-classifier>
</crowd-form>"""


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


def _team(dropin: DropIn, labelers: int = 0) -> tuple[str, list[str]]:
    """A workteam made with CreateWorkteam, and labelers added to it through Groundwork's REST API."""
    sm = dropin.client()
    name = dropin.unique("team")
    arn = sm.create_workteam(WorkteamName=name, Description="boto3 test team", MemberDefinitions=[
        {"OidcMemberDefinition": {"Groups": ["labelers"]}}])["WorkteamArn"]
    teams = dropin.api("GET", "/api/v1/workteams", params={"limit": 500}).json()["items"]
    team = next(t for t in teams if t["name"] == name)
    tokens = []
    for i in range(labelers):
        r = dropin.api("POST", "/api/v1/labelers", json={"name": f"L{i}", "workforce_id": team["workforce_id"],
                                                          "workteam_ids": [team["id"]]})
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])
    return arn, tokens


def _inputs(dropin: DropIn, n: int) -> tuple[str, str, str, list[str]]:
    """A manifest of n images in S3, the label category file and the template; returns their URIs and truth."""
    prefix = dropin.unique("in")
    truth, lines = [], []
    for i in range(n):
        uri = dropin.put(f"{prefix}/img-{i}.png", _png())
        truth.append(LABELS[i % len(LABELS)])
        lines.append(json.dumps({"source-ref": uri, "id": i}))
    manifest = dropin.put(f"{prefix}/manifest.jsonl", "\n".join(lines) + "\n")
    labels = dropin.put(f"{prefix}/labels.json", json.dumps({"document-version": "2018-11-28",
                                                             "labels": [{"label": x} for x in LABELS]}))
    template = dropin.put(f"{prefix}/ui.liquid.html", TEMPLATE)
    return manifest, labels, template, truth


def _request(dropin: DropIn, name: str, team: str, manifest: str, labels: str, template: str,
             workers: int = 3) -> dict[str, Any]:
    """The §3.2 example body, with this test's S3 objects."""
    return {
        "LabelingJobName": name, "LabelAttributeName": "animal",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest}},
                        "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]}},
        "OutputConfig": {"S3OutputPath": f"s3://groundwork/{dropin.unique('out')}/"},
        "RoleArn": "arn:aws:iam::123456789012:role/gt", "LabelCategoryConfigS3Uri": labels,
        "HumanTaskConfig": {
            "WorkteamArn": team, "UiConfig": {"UiTemplateS3Uri": template},
            "PreHumanTaskLambdaArn": PRE,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": ACS},
            "TaskTitle": "Pick the animal", "TaskDescription": "Choose one class", "TaskKeywords": ["image", "pets"],
            "NumberOfHumanWorkersPerDataObject": workers, "TaskTimeLimitInSeconds": 300,
            "TaskAvailabilityLifetimeInSeconds": 86400, "MaxConcurrentTaskCount": 1000},
        "Tags": [{"Key": "project", "Value": "pets"}],
    }


def _wait(sm: Any, name: str, statuses: tuple[str, ...], timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = sm.describe_labeling_job(LabelingJobName=name)
        if job["LabelingJobStatus"] in statuses and (job["LabelingJobStatus"] == "InProgress"
                                                      or "LabelingJobOutput" in job):
            return job
        assert time.monotonic() < deadline, f"{name} stayed {job['LabelingJobStatus']} {job['LabelCounters']}"
        time.sleep(0.3)


def _pull(dropin: DropIn, token: str) -> dict[str, Any]:
    """The labeler's next task, waiting for the job to release one."""
    deadline = time.monotonic() + 30
    while (task := dropin.api("POST", "/api/v1/work/next", token=token, json={})).status_code == 204:
        assert time.monotonic() < deadline, "no task was released"
        time.sleep(0.2)
    assert task.status_code == 200, task.text
    return task.json()  # type: ignore[no-any-return]


def _finished(sm: Any, name: str) -> Callable[[], bool]:
    def done() -> bool:
        job = sm.describe_labeling_job(LabelingJobName=name)
        return job["LabelingJobStatus"] in ("Completed", "Stopped", "Failed") and "LabelingJobOutput" in job
    return done


def test_a_ground_truth_script_runs_a_whole_job_unchanged(dropin: DropIn) -> None:
    """Create a workteam and a job, poll DescribeLabelingJob until Completed, read the output manifest from S3."""
    sm = dropin.client()
    team, tokens = _team(dropin, labelers=3)
    manifest, labels, template, truth = _inputs(dropin, 6)
    name = dropin.unique("pets")
    arn = sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template))["LabelingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{dropin.account}:labeling-job/{name.lower()}"

    oracle = lambda task: truth[int(task["input"]["datasetObjectId"])]  # noqa: E731
    run_crowd(dropin.url, tokens, oracle, LABELS, _finished(sm, name), accuracies=[1.0, 1.0, 0.0], deadline=120)
    job = _wait(sm, name, ("Completed",))

    counters = job["LabelCounters"]
    assert counters == {"TotalLabeled": 6, "HumanLabeled": 6, "MachineLabeled": 0, "FailedNonRetryableError": 0,
                        "Unlabeled": 0}
    assert counters["TotalLabeled"] == counters["HumanLabeled"] + counters["MachineLabeled"]
    uri = job["LabelingJobOutput"]["OutputDatasetS3Uri"]
    assert uri == f"{job['OutputConfig']['S3OutputPath'].rstrip('/')}/{name}/manifests/output/output.manifest"
    rows = [json.loads(line) for line in dropin.get(uri).decode().splitlines()]
    assert [r["id"] for r in rows] == list(range(6))  # the input keys round-trip, in order
    for row, want in zip(rows, truth, strict=True):
        meta = row["animal-metadata"]
        assert meta["class-name"] == want and row["animal"] == LABELS.index(want)
        assert meta["type"] == "groundtruth/image-classification" and meta["human-annotated"] == "yes"
        assert meta["job-name"] == f"labeling-job/{name.lower()}"
        assert 0 < meta["confidence"] <= 1
    # Describe echoes the request; timestamps are tz-aware datetimes to boto3.
    assert job["HumanTaskConfig"]["TaskKeywords"] == ["image", "pets"] and job["Tags"][0]["Key"] == "project"
    assert job["OutputConfig"]["KmsKeyId"] == "" and job["RoleArn"] == "arn:aws:iam::123456789012:role/gt"
    assert job["CreationTime"].tzinfo is not None and job["LastModifiedTime"] >= job["CreationTime"]
    assert job["JobReferenceCode"].startswith(dropin.account) and len(job["JobReferenceCode"]) == 28


def test_describe_of_a_fresh_job_has_every_required_member(dropin: DropIn) -> None:
    sm = dropin.client()
    team, _ = _team(dropin)
    manifest, labels, template, _ = _inputs(dropin, 2)
    name = dropin.unique("fresh")
    sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template))
    job = sm.describe_labeling_job(LabelingJobName=name.upper())  # names ignore case
    for member in ("LabelingJobStatus", "LabelCounters", "CreationTime", "LastModifiedTime", "JobReferenceCode",
                   "LabelingJobName", "LabelingJobArn", "InputConfig", "OutputConfig", "RoleArn", "HumanTaskConfig"):
        assert member in job, member
    assert job["LabelingJobStatus"] in ("Initializing", "InProgress")
    assert set(job["LabelCounters"]) == {"TotalLabeled", "HumanLabeled", "MachineLabeled",
                                         "FailedNonRetryableError", "Unlabeled"}
    assert job["LabelCategoryConfigS3Uri"] == labels and job["LabelingJobName"] == name


def test_the_same_name_in_any_case_is_resource_in_use(dropin: DropIn) -> None:
    sm = dropin.client()
    team, _ = _team(dropin)
    manifest, labels, template, _ = _inputs(dropin, 1)
    name = dropin.unique("dup")
    sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template))
    with pytest.raises(ClientError) as exc:
        sm.create_labeling_job(**_request(dropin, name.upper(), team, manifest, labels, template))
    assert _code(exc) == "ResourceInUse" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_labeling_job(LabelingJobName="no-such-job")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.stop_labeling_job(LabelingJobName="no-such-job")


@pytest.mark.parametrize("change, member", [
    (lambda r: r.update(LabelingJobName="a" * 64), "labelingJobName"),
    (lambda r: r.update(LabelingJobName="bad_name!"), "labelingJobName"),
    (lambda r: r["HumanTaskConfig"].update(NumberOfHumanWorkersPerDataObject=10),
     "humanTaskConfig.numberOfHumanWorkersPerDataObject"),
    (lambda r: r["HumanTaskConfig"].update(TaskKeywords=["ok", "not ok!"]), "humanTaskConfig.taskKeywords.2.member"),
    (lambda r: r["InputConfig"]["DataAttributes"].update(ContentClassifiers=["FreeOfViruses"]),
     "inputConfig.dataAttributes.contentClassifiers.1.member"),
    (lambda r: r.update(RoleArn="arn:aws:iam::123:role/x"), "roleArn"),
    (lambda r: r["HumanTaskConfig"].update(TaskTitle="t" * 129), "humanTaskConfig.taskTitle"),
])
def test_constraints_boto3_does_not_check_are_validation_errors(dropin: DropIn, change: Any, member: str) -> None:
    sm = dropin.client()
    team = f"arn:aws:sagemaker:{REGION}:000000000001:workteam/private-crowd/x"
    request = _request(dropin, dropin.unique("bad"), team, "s3://groundwork/m", "s3://groundwork/l",
                       "s3://groundwork/t")
    change(request)
    with pytest.raises(ClientError) as exc:
        sm.create_labeling_job(**request)
    assert _code(exc) == "ValidationException"
    message = exc.value.response["Error"]["Message"]
    assert re.match(r"\d validation errors? detected: Value ", message) and f"at '{member}'" in message


def test_boto3s_own_checks_still_fire_before_the_request(dropin: DropIn) -> None:
    with pytest.raises(ParamValidationError):
        dropin.client().create_labeling_job(LabelingJobName="x")


def test_public_crowd_takes_only_the_mturk_price_table(dropin: DropIn) -> None:
    sm = dropin.client()
    manifest, labels, template, _ = _inputs(dropin, 1)
    public = f"arn:aws:sagemaker:{REGION}:394669845002:workteam/public-crowd/default"
    request = _request(dropin, dropin.unique("mturk"), public, manifest, labels, template)
    request["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] = 21600
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Dollars": 0, "Cents": 3,
                                                                              "TenthFractionsOfACent": 5}}
    with pytest.raises(ClientError) as exc:
        sm.create_labeling_job(**request)
    assert _code(exc) == "ValidationException" and "PublicWorkforceTaskPrice" in str(exc.value)
    request["HumanTaskConfig"]["PublicWorkforceTaskPrice"]["AmountInUsd"]["TenthFractionsOfACent"] = 6  # $0.036
    sm.create_labeling_job(**request)
    job = sm.describe_labeling_job(LabelingJobName=request["LabelingJobName"])
    assert job["HumanTaskConfig"]["WorkteamArn"] == public
    rest = dropin.api("GET", f"/api/v1/jobs/{request['LabelingJobName']}").json()
    assert rest["price_per_task_usd"] == "0.036"


def test_list_filters_sorts_pages_and_the_paginator_ends(dropin: DropIn) -> None:
    sm = dropin.client()
    team, _ = _team(dropin)
    manifest, labels, template, _ = _inputs(dropin, 1)
    tag = dropin.unique("lst")
    names = [f"{tag}-{c}" for c in ("b", "a", "c")]
    started = datetime.now().astimezone() - timedelta(seconds=5)
    for name in names:
        sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template))
    listed = sm.list_labeling_jobs(NameContains=tag)["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in listed] == names  # default: CreationTime, Ascending
    by_name = sm.list_labeling_jobs(NameContains=tag, SortBy="Name", SortOrder="Descending")
    assert [j["LabelingJobName"] for j in by_name["LabelingJobSummaryList"]] == sorted(names, reverse=True)
    first = sm.list_labeling_jobs(NameContains=tag, MaxResults=2)
    assert len(first["LabelingJobSummaryList"]) == 2 and first["NextToken"]
    rest = sm.list_labeling_jobs(NameContains=tag, MaxResults=2, NextToken=first["NextToken"])
    assert [j["LabelingJobName"] for j in rest["LabelingJobSummaryList"]] == names[2:] and "NextToken" not in rest
    pages = list(sm.get_paginator("list_labeling_jobs").paginate(NameContains=tag,
                                                                 PaginationConfig={"PageSize": 1}))
    assert [p["LabelingJobSummaryList"][0]["LabelingJobName"] for p in pages] == names
    assert sm.list_labeling_jobs(NameContains=tag, CreationTimeAfter=started + timedelta(hours=1))[
        "LabelingJobSummaryList"] == []
    assert len(sm.list_labeling_jobs(NameContains=tag, CreationTimeAfter=started)["LabelingJobSummaryList"]) == 3
    assert sm.list_labeling_jobs(NameContains=tag, StatusEquals="Completed")["LabelingJobSummaryList"] == []
    summary = listed[0]
    assert summary["WorkteamArn"] == team and summary["PreHumanTaskLambdaArn"] == PRE
    assert summary["AnnotationConsolidationLambdaArn"] == ACS
    with pytest.raises(ClientError) as exc:
        sm.list_labeling_jobs(SortBy="Size")
    assert _code(exc) == "ValidationException" and "enum value set" in str(exc.value)
    with pytest.raises(ClientError) as exc:
        sm.list_labeling_jobs(NextToken="forged")
    assert _code(exc) == "ValidationException"


def test_stop_moves_through_stopping_to_stopped_and_writes_the_output(dropin: DropIn) -> None:
    sm = dropin.client()
    team, tokens = _team(dropin, labelers=1)
    manifest, labels, template, truth = _inputs(dropin, 3)
    name = dropin.unique("stop")
    sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template, workers=1))
    _wait(sm, name, ("InProgress",))
    body = _pull(dropin, tokens[0])
    sub = dropin.api("POST", f"/api/v1/work/{body['assignment_id']}/submit", token=tokens[0],
                     json={"answer": {"label": truth[int(body["input"]["datasetObjectId"])]}})
    assert sub.status_code == 200, sub.text
    sm.stop_labeling_job(LabelingJobName=name)
    assert sm.describe_labeling_job(LabelingJobName=name)["LabelingJobStatus"] in ("Stopping", "Stopped")
    job = _wait(sm, name, ("Stopped",))
    counters = job["LabelCounters"]
    assert counters["HumanLabeled"] == 1 and counters["TotalLabeled"] + counters["Unlabeled"] + counters[
        "FailedNonRetryableError"] == 3
    rows = [json.loads(x) for x in dropin.get(job["LabelingJobOutput"]["OutputDatasetS3Uri"]).decode().splitlines()]
    assert sum("animal" in r for r in rows) == 1  # labels gathered so far are written
    sm.stop_labeling_job(LabelingJobName=name)  # stopping a stopped job again changes nothing
    assert sm.describe_labeling_job(LabelingJobName=name)["LabelCounters"] == counters


def test_one_worker_per_object_reports_confidence_zero(dropin: DropIn) -> None:
    sm = dropin.client()
    team, tokens = _team(dropin, labelers=1)
    manifest, labels, template, truth = _inputs(dropin, 2)
    name = dropin.unique("one")
    sm.create_labeling_job(**_request(dropin, name, team, manifest, labels, template, workers=1))
    run_crowd(dropin.url, tokens, lambda t: truth[int(t["input"]["datasetObjectId"])], LABELS,
              _finished(sm, name), accuracies=[1.0], deadline=120)
    job = _wait(sm, name, ("Completed",))
    rows = [json.loads(x) for x in dropin.get(job["LabelingJobOutput"]["OutputDatasetS3Uri"]).decode().splitlines()]
    assert [r["animal-metadata"]["confidence"] for r in rows] == [0.0, 0.0]


def test_a_custom_lambda_arn_runs_the_hook_the_requester_registered(dropin: DropIn) -> None:
    sm = dropin.client()
    team, _ = _team(dropin)
    manifest, labels, template, _ = _inputs(dropin, 2)
    fn = f"arn:aws:lambda:{REGION}:{dropin.account}:function:my-pre"
    request = _request(dropin, dropin.unique("hook"), team, manifest, labels, template)
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = fn
    with pytest.raises(ClientError) as exc:
        sm.create_labeling_job(**request)
    assert _code(exc) == "ResourceNotFound" and "my-pre" in str(exc.value)
    r = dropin.api("PUT", "/api/v1/lambda-functions/my-pre", json={"hook": "python:tests.dropin.hooks:pre_annotation"})
    assert r.status_code == 200, r.text
    sm.create_labeling_job(**request)  # the template's crowd-image-classifier says what the job labels
    rest = dropin.api("GET", f"/api/v1/jobs/{request['LabelingJobName']}").json()
    assert rest["task_type"] == "image-classification"
    other = f"arn:aws:lambda:{REGION}:999999999999:function:my-pre"
    request.update(LabelingJobName=dropin.unique("hook"))
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = other
    with pytest.raises(ClientError) as exc:
        sm.create_labeling_job(**request)
    assert _code(exc) == "AccessDeniedException"


def test_another_accounts_workteam_is_access_denied(dropin: DropIn, other_requester: DropIn) -> None:
    team, _ = _team(dropin)
    manifest, labels, template, _ = _inputs(dropin, 1)
    with pytest.raises(ClientError) as exc:
        other_requester.client().create_labeling_job(
            **_request(dropin, dropin.unique("theirs"), team, manifest, labels, template))
    assert _code(exc) == "AccessDeniedException"
    assert other_requester.client().list_labeling_jobs()["LabelingJobSummaryList"] == []  # sees none of ours


@pytest.mark.parametrize("client_args, code", [
    ({"aws_secret_access_key": "wrong-secret"}, "InvalidSignatureException"),
    ({"aws_access_key_id": "GWUNKNOWNKEY00000000"}, "UnrecognizedClientException"),
    ({"region_name": "eu-west-1"}, "InvalidSignatureException"),
])
def test_bad_signatures_are_refused(dropin: DropIn, client_args: dict[str, str], code: str) -> None:
    with pytest.raises(ClientError) as exc:
        dropin.client(**client_args).list_labeling_jobs()
    assert _code(exc) == code and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)


def test_a_session_token_is_signed_and_accepted(dropin: DropIn) -> None:
    sm = dropin.client(aws_session_token="session-token-from-sts")
    assert "LabelingJobSummaryList" in sm.list_labeling_jobs(MaxResults=1)


def test_a_tampered_body_fails_its_signature(dropin: DropIn) -> None:
    sm = dropin.client()

    def tamper(request: Any, **_: Any) -> None:
        request.body = request.body.replace(b'"MaxResults": 1', b'"MaxResults": 2')

    sm.meta.events.register("before-send.sagemaker.ListLabelingJobs", tamper)
    with pytest.raises(ClientError) as exc:
        sm.list_labeling_jobs(MaxResults=1)
    assert _code(exc) == "InvalidSignatureException"


def test_a_clock_skew_over_fifteen_minutes_is_refused(dropin: DropIn) -> None:
    skewed = datetime.now(tz=None).replace(microsecond=0) - timedelta(minutes=16)
    with mock.patch("botocore.auth.get_current_datetime", return_value=skewed), pytest.raises(ClientError) as exc:
        dropin.client().list_labeling_jobs()
    assert _code(exc) == "InvalidSignatureException" and "Signature expired" in str(exc.value)


def test_a_revoked_key_stops_working(dropin: DropIn) -> None:
    key_id, secret = dropin.new_pair()
    sm = dropin.client(aws_access_key_id=key_id, aws_secret_access_key=secret)
    sm.list_labeling_jobs(MaxResults=1)
    assert dropin.api("DELETE", f"/api/v1/access-keys/{key_id}").status_code == 204
    with pytest.raises(ClientError) as exc:
        sm.list_labeling_jobs(MaxResults=1)
    assert _code(exc) == "UnrecognizedClientException"


def test_the_endpoint_can_come_from_the_environment(dropin: DropIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", dropin.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", dropin.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", dropin.secret_access_key)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_A2I_RUNTIME", dropin.url)
    session = boto3.session.Session(region_name=REGION)
    sm = session.client("sagemaker", config=NO_RETRIES)
    assert "LabelingJobSummaryList" in sm.list_labeling_jobs(MaxResults=1)
    a2i = session.client("sagemaker-a2i-runtime", config=NO_RETRIES)
    with pytest.raises(a2i.exceptions.ResourceNotFoundException):  # Groundwork answered (signed, routed, 404)
        a2i.describe_human_loop(HumanLoopName="no-such-loop")


def test_an_unknown_operation_is_named(dropin: DropIn) -> None:
    with pytest.raises(ClientError) as exc:
        dropin.client().list_models()
    assert _code(exc) == "UnknownOperationException" and "ListModels" in str(exc.value)


GT_TEMPLATES = {
    "image-classification/templates/image-classification.liquid.html": "image-classification",
    "multilabel/templates/image-classification-multiselect.liquid.html": "image-classification-multilabel",
    "multilabel/templates/text-classification-multiselect.liquid.html": "text-classification-multilabel",
    "ner/templates/named-entity-recognition.liquid.html": "named-entity-recognition",
    "ner/templates/ner-review-worker-template.html": "named-entity-recognition",
    "object-detection/templates/bounding-box.liquid.html": "bounding-box",
    "semantic-segmentation/templates/semantic-segmentation.liquid.html": "semantic-segmentation",
    "text-classification/templates/sentiment-analysis-tweet.liquid": "text-classification",
    "text-classification/templates/text-classification.liquid.html": "text-classification",
}


@pytest.mark.parametrize("path, task_type", sorted(GT_TEMPLATES.items()))
def test_real_ground_truth_templates_make_jobs_unchanged(dropin: DropIn, path: str, task_type: str) -> None:
    """A custom job (no built-in Lambda) whose UiTemplateS3Uri is one of Ground Truth's own templates: the
    template's labeling element says what the job labels, and the job starts."""
    template = REFERENCE_DIR / "datasets" / "groundtruth_manifests" / path
    if not template.exists():
        pytest.skip(f"reference data missing: {template}")
    sm = dropin.client()
    team, _ = _team(dropin)
    prefix = dropin.unique("gt")
    text = task_type.startswith(("text", "named"))
    line = {"source": "Ada Lovelace wrote in London."} if text else {"source-ref": dropin.put(f"{prefix}/a.png",
                                                                                               _png())}
    request = _request(dropin, dropin.unique("gt"), team, dropin.put(f"{prefix}/m.jsonl", json.dumps(line) + "\n"),
                       dropin.put(f"{prefix}/labels.json", json.dumps({"document-version": "2018-11-28", "labels": [
                           {"label": "Cat"}, {"label": "Dog"}, {"label": "Positive"}, {"label": "Negative"}]})),
                       dropin.put(f"{prefix}/ui.html", template.read_bytes()))
    request["LabelAttributeName"] = "label-ref" if task_type == "semantic-segmentation" else "label"
    del request["HumanTaskConfig"]["PreHumanTaskLambdaArn"]
    del request["HumanTaskConfig"]["AnnotationConsolidationConfig"]
    sm.create_labeling_job(**request)
    view = dropin.api("GET", f"/api/v1/jobs/{request['LabelingJobName']}").json()
    assert view["task_type"] == task_type and view["custom_template"] is True
    assert _wait(sm, request["LabelingJobName"], ("InProgress",))["LabelingJobStatus"] == "InProgress"


def test_stopping_conditions_stop_a_job_without_automated_labeling(dropin: DropIn) -> None:
    """MaxHumanLabeledObjectCount: once that many objects have human labels the job stops (Stopping, Stopped),
    and the output holds the labels gathered."""
    sm = dropin.client()
    team, tokens = _team(dropin, labelers=1)
    manifest, labels, template, truth = _inputs(dropin, 4)
    name = dropin.unique("cap")
    request = _request(dropin, name, team, manifest, labels, template, workers=1)
    request["StoppingConditions"] = {"MaxHumanLabeledObjectCount": 2}
    sm.create_labeling_job(**request)
    for _ in range(2):  # the labeler answers two objects, then waits
        body = _pull(dropin, tokens[0])
        answer = {"label": truth[int(body["input"]["datasetObjectId"])]}
        assert dropin.api("POST", f"/api/v1/work/{body['assignment_id']}/submit", token=tokens[0],
                          json={"answer": answer}).status_code == 200
    job = _wait(sm, name, ("Stopped",))
    assert job["StoppingConditions"] == {"MaxHumanLabeledObjectCount": 2}
    assert job["LabelCounters"]["HumanLabeled"] == 2 and job["LabelCounters"]["Unlabeled"] == 2
    rows = [json.loads(x) for x in dropin.get(job["LabelingJobOutput"]["OutputDatasetS3Uri"]).decode().splitlines()]
    assert sum("animal" in r for r in rows) == 2


def test_a_job_made_through_the_rest_api_answers_the_sagemaker_api(dropin: DropIn) -> None:
    """One system, two front doors: a REST job is listed and described in SageMaker's terms."""
    sm = dropin.client()
    team_arn, _ = _team(dropin)
    team_name = team_arn.rsplit("/", 1)[1]
    team = next(t for t in dropin.api("GET", "/api/v1/workteams", params={"limit": 500}).json()["items"]
                if t["name"] == team_name)
    name = dropin.unique("rest")
    manifest = dropin.put(f"{name}/m.jsonl", json.dumps({"source": "fine"}) + "\n")
    r = dropin.api("POST", "/api/v1/jobs", json={"name": name, "task_type": "text-classification",
                                                 "labels": ["pos", "neg"], "manifest_uri": manifest,
                                                 "workteam_id": team["id"], "title": "Sentiment"})
    assert r.status_code == 201, r.text
    job = sm.describe_labeling_job(LabelingJobName=name)
    human = job["HumanTaskConfig"]
    assert human["WorkteamArn"] == team_arn and human["TaskTitle"] == "Sentiment"
    assert human["PreHumanTaskLambdaArn"] == f"arn:aws:lambda:{REGION}:432418664414:function:PRE-TextMultiClass"
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"].endswith("ACS-TextMultiClass")
    assert job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] == manifest
    assert job["RoleArn"] == f"arn:aws:iam::{dropin.account}:role/groundwork"
    assert [j["LabelingJobName"] for j in sm.list_labeling_jobs(NameContains=name)["LabelingJobSummaryList"]] == [
        name]


def test_a_verification_job_reads_the_reviewed_attribute_from_the_label_file(dropin: DropIn) -> None:
    """Ground Truth names the reviewed job's attribute in the label category file (`auditLabelAttributeName`)."""
    sm = dropin.client()
    team, _ = _team(dropin)
    prefix = dropin.unique("verify")
    line = {"source-ref": dropin.put(f"{prefix}/a.png", _png()),
            "boxes": {"image_size": [{"width": 8, "height": 6, "depth": 3}],
                      "annotations": [{"class_id": 0, "left": 1, "top": 1, "width": 3, "height": 2}]},
            "boxes-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "car"},
                               "type": "groundtruth/object-detection", "human-annotated": "yes",
                               "creation-date": "2024-05-02T10:11:12.123456", "job-name": "labeling-job/boxes-v1"}}
    labels = dropin.put(f"{prefix}/labels.json", json.dumps({
        "document-version": "2018-11-28", "labels": [{"label": "good"}, {"label": "bad"}],
        "auditLabelAttributeName": "boxes"}))
    request = _request(dropin, dropin.unique("verify"), team, dropin.put(f"{prefix}/m.jsonl", json.dumps(line)),
                       labels, dropin.put(f"{prefix}/ui.html", TEMPLATE))
    request["LabelAttributeName"] = "verified"
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = PRE.replace("ImageMultiClass", "VerificationBoundingBox")
    del request["HumanTaskConfig"]["AnnotationConsolidationConfig"]
    sm.create_labeling_job(**request)
    view = dropin.api("GET", f"/api/v1/jobs/{request['LabelingJobName']}").json()
    assert view["task_type"] == "verification-bounding-box" and view["labels"] == ["good", "bad"]
    assert sm.describe_labeling_job(LabelingJobName=request["LabelingJobName"])["LabelCategoryConfigS3Uri"] == labels
    assert _wait(sm, request["LabelingJobName"], ("InProgress",))["LabelingJobStatus"] == "InProgress"
