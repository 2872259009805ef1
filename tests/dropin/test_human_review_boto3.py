"""Human review through unmodified boto3 clients: SageMaker's HumanTaskUi and FlowDefinition operations and the
Augmented AI runtime (`sagemaker-a2i-runtime`), on the same flows and loops as Groundwork's REST API (doc §3.9,
§3.10, Appendix A item 12)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dropin.conftest import REGION, DropIn

LABELS = ["cat", "dog"]
# An A2I custom template: InputContent is task.input; the categories are written literally (Groundwork's rule).
TEMPLATE = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="animal" categories="['cat', 'dog']" header="Which animal does {{ task.input.who }} mean?">
    <classification-target>{{ task.input.taskObject }}</classification-target>
    <full-instructions header="Animals">Pick the animal the sentence is about.</full-instructions>
    <short-instructions>Pick the animal.</short-instructions>
  </crowd-classifier>
</crowd-form>"""
LIQUID_CATEGORIES = TEMPLATE.replace("['cat', 'dog']", "{{ task.input.labels | to_json | escape }}")
ROLE = "arn:aws:iam::123456789012:role/a2i"
FLOW_RESULT_KEY = re.compile(r"^(?P<prefix>.+)/(?P<flow>[^/]+)/\d{4}/\d{2}/\d{2}/\d{2}/\d{2}/\d{2}/(?P<loop>[^/]+)/"
                             r"output\.json$")


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return int(exc.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture(scope="module")
def sm(dropin: DropIn) -> Any:
    return dropin.client("sagemaker")


@pytest.fixture(scope="module")
def a2i(dropin: DropIn) -> Any:
    return dropin.client("sagemaker-a2i-runtime")


def _team(dropin: DropIn, labelers: int = 0) -> tuple[str, list[str]]:
    """A private workforce and team made through Groundwork's REST API, with labelers; (team ARN, tokens)."""
    name = dropin.unique("a2i-team")
    wf = dropin.api("POST", "/api/v1/workforces", json={"name": dropin.unique("a2i-wf"), "kind": "private"})
    assert wf.status_code == 201, wf.text
    team = dropin.api("POST", "/api/v1/workteams", json={"name": name, "workforce_id": wf.json()["id"]})
    assert team.status_code == 201, team.text
    tokens = []
    for i in range(labelers):
        r = dropin.api("POST", "/api/v1/labelers", json={"name": f"reviewer-{i}", "workforce_id": wf.json()["id"],
                                                          "workteam_ids": [team.json()["id"]]})
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])
    return dropin.arn(f"workteam/private-crowd/{name}"), tokens


@pytest.fixture(scope="module")
def team_arn(dropin: DropIn) -> str:
    return _team(dropin)[0]


def _ui(dropin: DropIn, sm: Any, template: str = TEMPLATE) -> str:
    return str(sm.create_human_task_ui(HumanTaskUiName=dropin.unique("ui"),
                                       UiTemplate={"Content": template})["HumanTaskUiArn"])


def _flow_request(dropin: DropIn, name: str, team: str, ui: str, **extra: Any) -> dict[str, Any]:
    return {
        "FlowDefinitionName": name, "RoleArn": ROLE,
        "OutputConfig": {"S3OutputPath": f"s3://groundwork/{dropin.unique('a2i-out')}"},
        "HumanLoopConfig": {"WorkteamArn": team, "HumanTaskUiArn": ui, "TaskTitle": "Which animal?",
                            "TaskDescription": "Pick the animal the sentence is about", "TaskCount": 1,
                            "TaskKeywords": ["animals"], **extra.pop("config", {})},
        **extra,
    }


def _flow(dropin: DropIn, sm: Any, team: str, **extra: Any) -> tuple[str, str, dict[str, Any]]:
    name = dropin.unique("flow")
    request = _flow_request(dropin, name, team, _ui(dropin, sm), **extra)
    arn = sm.create_flow_definition(**request)["FlowDefinitionArn"]
    return name, arn, request


def _start(a2i: Any, flow_arn: str, name: str, content: dict[str, Any] | None = None) -> str:
    body = json.dumps(content or {"taskObject": "the cat sat on the mat", "who": "Ann"})
    return str(a2i.start_human_loop(HumanLoopName=name, FlowDefinitionArn=flow_arn,
                                    HumanLoopInput={"InputContent": body})["HumanLoopArn"])


def _wait_loop(a2i: Any, name: str, statuses: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        loop: dict[str, Any] = a2i.describe_human_loop(HumanLoopName=name)
        if loop["HumanLoopStatus"] in statuses:
            return loop
        assert time.monotonic() < deadline, f"{name} stayed {loop['HumanLoopStatus']}"
        time.sleep(0.3)


# --- HumanTaskUi ------------------------------------------------------------------------------------------------

def test_a_human_task_ui_round_trips_and_its_url_serves_the_template(dropin: DropIn, sm: Any) -> None:
    name = dropin.unique("ui")
    arn = sm.create_human_task_ui(HumanTaskUiName=name, UiTemplate={"Content": TEMPLATE},
                                  Tags=[{"Key": "team", "Value": "ml"}])["HumanTaskUiArn"]
    assert arn == dropin.arn(f"human-task-ui/{name}")
    ui = sm.describe_human_task_ui(HumanTaskUiName=name)
    assert (ui["HumanTaskUiArn"], ui["HumanTaskUiName"], ui["HumanTaskUiStatus"]) == (arn, name, "Active")
    assert ui["CreationTime"].tzinfo is not None
    assert ui["UiTemplate"]["ContentSha256"] == hashlib.sha256(TEMPLATE.encode()).hexdigest()
    assert ui["UiTemplate"]["Url"] == f"s3://groundwork/groundwork/human-task-uis/{dropin.account}/{name}.liquid.html"
    assert dropin.get(ui["UiTemplate"]["Url"]).decode() == TEMPLATE
    sm.delete_human_task_ui(HumanTaskUiName=name)
    with pytest.raises(ClientError) as gone:
        sm.describe_human_task_ui(HumanTaskUiName=name)
    assert _code(gone) == "ResourceNotFound"
    with pytest.raises(ClientError) as again:
        sm.delete_human_task_ui(HumanTaskUiName=name)
    assert _code(again) == "ResourceNotFound"


def test_human_task_uis_list_by_time_sort_and_page_to_the_end(dropin: DropIn, sm: Any) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    names = []
    for _ in range(3):
        names.append(dropin.unique("ui"))
        sm.create_human_task_ui(HumanTaskUiName=names[-1], UiTemplate={"Content": TEMPLATE})
    pages = list(sm.get_paginator("list_human_task_uis").paginate(CreationTimeAfter=start,
                                                                   PaginationConfig={"PageSize": 2}))
    listed = [s["HumanTaskUiName"] for p in pages for s in p["HumanTaskUiSummaries"]]
    assert [n for n in listed if n in names] == names  # Ascending by default
    assert all(len(p["HumanTaskUiSummaries"]) <= 2 for p in pages) and len(pages) >= 2
    assert "NextToken" not in pages[-1]
    newest_first = sm.list_human_task_uis(CreationTimeAfter=start, SortOrder="Descending",
                                          MaxResults=100)["HumanTaskUiSummaries"]
    assert [s["HumanTaskUiName"] for s in newest_first if s["HumanTaskUiName"] in names] == names[::-1]
    summary = next(s for s in newest_first if s["HumanTaskUiName"] == names[0])
    assert summary["HumanTaskUiArn"] == dropin.arn(f"human-task-ui/{names[0]}")
    assert sm.list_human_task_uis(CreationTimeAfter=datetime.now(UTC) + timedelta(hours=1))[
        "HumanTaskUiSummaries"] == []
    assert sm.list_human_task_uis(CreationTimeBefore=start - timedelta(days=3650))["HumanTaskUiSummaries"] == []


def test_human_task_ui_errors(dropin: DropIn, sm: Any, other_requester: DropIn) -> None:
    name = dropin.unique("ui")
    sm.create_human_task_ui(HumanTaskUiName=name, UiTemplate={"Content": TEMPLATE})
    with pytest.raises(ClientError) as taken:
        sm.create_human_task_ui(HumanTaskUiName=name, UiTemplate={"Content": "<p>other</p>"})
    assert _code(taken) == "ResourceInUse"
    assert dropin.get(sm.describe_human_task_ui(HumanTaskUiName=name)["UiTemplate"]["Url"]).decode() == TEMPLATE
    with pytest.raises(ClientError) as broken:
        sm.create_human_task_ui(HumanTaskUiName=dropin.unique("ui"), UiTemplate={"Content": "{% if %}<p>x</p>"})
    assert _code(broken) == "ValidationException" and "UiTemplate.Content" in str(broken.value)
    for bad in ("Upper-Case", "a" * 64, "trailing-"):
        with pytest.raises(ClientError) as invalid:
            sm.create_human_task_ui(HumanTaskUiName=bad, UiTemplate={"Content": TEMPLATE})
        assert _code(invalid) == "ValidationException"
    # Another requester's account sees none of it.
    with pytest.raises(ClientError) as hidden:
        other_requester.client("sagemaker").describe_human_task_ui(HumanTaskUiName=name)
    assert _code(hidden) == "ResourceNotFound"


# --- FlowDefinition ---------------------------------------------------------------------------------------------

def test_a_flow_definition_round_trips_and_is_the_rest_apis_flow(dropin: DropIn, sm: Any, team_arn: str) -> None:
    condition = json.dumps({"confidence_below": 0.8})
    name, arn, request = _flow(dropin, sm, team_arn, config={
        "TaskTimeLimitInSeconds": 600, "TaskAvailabilityLifetimeInSeconds": 3600,
        "PublicWorkforceTaskPrice": {"AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}}},
        HumanLoopActivationConfig={"HumanLoopActivationConditionsConfig": {"HumanLoopActivationConditions":
                                                                           condition}},
        Tags=[{"Key": "k", "Value": "v"}])
    assert arn == dropin.arn(f"flow-definition/{name}")
    flow = sm.describe_flow_definition(FlowDefinitionName=name)
    assert (flow["FlowDefinitionArn"], flow["FlowDefinitionName"], flow["FlowDefinitionStatus"]) == (
        arn, name, "Active")
    assert flow["CreationTime"].tzinfo is not None and "FailureReason" not in flow
    assert flow["HumanLoopConfig"] == {**request["HumanLoopConfig"]}
    assert flow["OutputConfig"] == request["OutputConfig"] and flow["RoleArn"] == ROLE
    assert flow["HumanLoopActivationConfig"] == request["HumanLoopActivationConfig"]
    # One system, two front doors: the REST API shows the same flow, ARN, labels, price and condition.
    rest = dropin.api("GET", f"/api/v1/flow-definitions/{name}").json()
    assert rest["flow_definition_arn"] == arn and rest["labels"] == LABELS
    assert rest["task_type"] == "text-classification" and rest["price_per_task_usd"] == "0.036"
    assert rest["activation_conditions"] == {"confidence_below": 0.8, "combine": "or"}
    assert (rest["task_time_limit_seconds"], rest["task_availability_lifetime_seconds"]) == (600, 3600)
    sm.delete_flow_definition(FlowDefinitionName=name)
    with pytest.raises(ClientError) as gone:
        sm.describe_flow_definition(FlowDefinitionName=name)
    assert _code(gone) == "ResourceNotFound"


def test_a_rest_flow_describes_sensibly(dropin: DropIn, sm: Any) -> None:
    team_name = dropin.unique("rest-team")
    wf = dropin.api("POST", "/api/v1/workforces", json={"name": dropin.unique("rest-wf"), "kind": "private"}).json()
    team = dropin.api("POST", "/api/v1/workteams", json={"name": team_name, "workforce_id": wf["id"]}).json()
    name = dropin.unique("rest-flow")
    r = dropin.api("POST", "/api/v1/flow-definitions", json={
        "name": name, "task_type": "text-classification", "workteam_id": team["id"], "labels": LABELS,
        "title": "Which animal?", "description": "Pick one", "task_count": 2})
    assert r.status_code == 201, r.text
    flow = sm.describe_flow_definition(FlowDefinitionName=name)
    assert flow["FlowDefinitionArn"] == r.json()["flow_definition_arn"] == dropin.arn(f"flow-definition/{name}")
    assert flow["HumanLoopConfig"]["WorkteamArn"] == dropin.arn(f"workteam/private-crowd/{team_name}")
    assert (flow["HumanLoopConfig"]["TaskCount"], flow["HumanLoopConfig"]["TaskTitle"]) == (2, "Which animal?")
    assert flow["OutputConfig"]["S3OutputPath"] == r.json()["output_path"]
    assert flow["RoleArn"].startswith(f"arn:aws:iam::{dropin.account}:role/")
    assert "HumanLoopActivationConfig" not in flow


def test_flow_definitions_list_by_time_sort_and_page_to_the_end(dropin: DropIn, sm: Any, team_arn: str) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    names = [_flow(dropin, sm, team_arn)[0] for _ in range(3)]
    pages = list(sm.get_paginator("list_flow_definitions").paginate(CreationTimeAfter=start,
                                                                     PaginationConfig={"PageSize": 2}))
    listed = [s for p in pages for s in p["FlowDefinitionSummaries"] if s["FlowDefinitionName"] in names]
    assert [s["FlowDefinitionName"] for s in listed] == names and len(pages) >= 2
    assert "NextToken" not in pages[-1]
    assert listed[0]["FlowDefinitionArn"] == dropin.arn(f"flow-definition/{names[0]}")
    assert listed[0]["FlowDefinitionStatus"] == "Active"
    newest = sm.list_flow_definitions(CreationTimeAfter=start, SortOrder="Descending", MaxResults=100)[
        "FlowDefinitionSummaries"]
    assert [s["FlowDefinitionName"] for s in newest if s["FlowDefinitionName"] in names] == names[::-1]
    assert sm.list_flow_definitions(CreationTimeAfter=datetime.now(UTC) + timedelta(hours=1))[
        "FlowDefinitionSummaries"] == []


def _create_error(dropin: DropIn, sm: Any, request: dict[str, Any]) -> pytest.ExceptionInfo[ClientError]:
    with pytest.raises(ClientError) as exc:
        sm.create_flow_definition(**request)
    return exc


def test_flow_definition_errors(dropin: DropIn, sm: Any, team_arn: str, other_requester: DropIn) -> None:
    ui = _ui(dropin, sm)
    name, _, request = _flow(dropin, sm, team_arn)
    taken = _create_error(dropin, sm, {**request, "FlowDefinitionName": name})
    assert _code(taken) == "ResourceInUse"

    def attempt(**change: Any) -> pytest.ExceptionInfo[ClientError]:
        config = change.pop("config", {})
        body = _flow_request(dropin, dropin.unique("flow"), team_arn, change.pop("ui", ui), config=config, **change)
        return _create_error(dropin, sm, body)

    condition = "HumanLoopActivationConditions"
    not_json = attempt(HumanLoopActivationConfig={"HumanLoopActivationConditionsConfig": {condition: "{oops"}})
    assert _code(not_json) == "ValidationException" and condition in str(not_json.value)
    unknown_key = attempt(HumanLoopActivationConfig={"HumanLoopActivationConditionsConfig": {
        condition: json.dumps({"Conditions": [{"ConditionType": "Sampling"}]})}})
    assert _code(unknown_key) == "ValidationException" and "confidence_below" in str(unknown_key.value)
    liquid = attempt(ui=_ui(dropin, sm, LIQUID_CATEGORIES))
    assert _code(liquid) == "ValidationException" and "literally" in str(liquid.value)
    assert "HumanLoopConfig.HumanTaskUiArn" in str(liquid.value)
    plain = attempt(ui=_ui(dropin, sm, "<crowd-form><crowd-input name='x'></crowd-input></crowd-form>"))
    assert _code(plain) == "ValidationException" and "<crowd-bounding-box>" in str(plain.value)
    managed = attempt(HumanLoopRequestSource={
        "AwsManagedHumanLoopRequestSource": "AWS/Textract/AnalyzeDocument/Forms/V1"})
    assert _code(managed) == "ValidationException" and "custom flows only" in str(managed.value)
    assert _code(attempt(ui=dropin.arn("human-task-ui/no-such-ui"))) == "ResourceNotFound"
    foreign_ui = f"arn:aws:sagemaker:{REGION}:{other_requester.account}:human-task-ui/theirs"
    assert _code(attempt(ui=foreign_ui)) == "AccessDeniedException"
    no_team = _create_error(dropin, sm, _flow_request(dropin, dropin.unique("flow"),
                                                      dropin.arn("workteam/private-crowd/no-such-team"), ui))
    assert _code(no_team) == "ResourceNotFound"
    bad_name = _create_error(dropin, sm, _flow_request(dropin, "Bad_Name", team_arn, ui))
    assert _code(bad_name) == "ValidationException"
    https_output = attempt(OutputConfig={"S3OutputPath": "https://example.com/out"})
    assert _code(https_output) == "ValidationException" and "S3OutputPath" in str(https_output.value)
    with pytest.raises(ClientError) as unknown:
        sm.delete_flow_definition(FlowDefinitionName=dropin.unique("no-flow"))
    assert _code(unknown) == "ResourceNotFound"


# --- the A2I runtime --------------------------------------------------------------------------------------------

def test_a2i_errors_carry_the_rest_codes_and_statuses(dropin: DropIn, sm: Any, a2i: Any, team_arn: str,
                                                      other_requester: DropIn) -> None:
    _, flow_arn, _ = _flow(dropin, sm, team_arn)
    with pytest.raises(ClientError) as missing:
        a2i.describe_human_loop(HumanLoopName=dropin.unique("no-loop"))
    assert (_code(missing), _status(missing)) == ("ResourceNotFoundException", 404)
    loop = dropin.unique("loop")
    assert _start(a2i, flow_arn, loop) == dropin.arn(f"human-loop/{loop}")
    with pytest.raises(ClientError) as duplicate:
        _start(a2i, flow_arn, loop)
    assert (_code(duplicate), _status(duplicate)) == ("ConflictException", 409)
    with pytest.raises(ClientError) as busy:
        a2i.delete_human_loop(HumanLoopName=loop)
    assert (_code(busy), _status(busy)) == ("ValidationException", 400) and "stop it first" in str(busy.value)
    foreign = f"arn:aws:sagemaker:{REGION}:{other_requester.account}:flow-definition/theirs"
    with pytest.raises(ClientError) as denied:
        _start(a2i, foreign, dropin.unique("loop"))
    assert (_code(denied), _status(denied)) == ("AccessDeniedException", 403)
    with pytest.raises(ClientError) as no_flow:
        _start(a2i, dropin.arn("flow-definition/no-such-flow"), dropin.unique("loop"))
    assert (_code(no_flow), _status(no_flow)) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as no_flow_list:
        a2i.list_human_loops(FlowDefinitionArn=dropin.arn("flow-definition/no-such-flow"))
    assert (_code(no_flow_list), _status(no_flow_list)) == ("ResourceNotFoundException", 404)
    for content in ("{not json", "[1, 2]", json.dumps({"text": "no object to label"})):
        with pytest.raises(ClientError) as bad_input:
            a2i.start_human_loop(HumanLoopName=dropin.unique("loop"), FlowDefinitionArn=flow_arn,
                                 HumanLoopInput={"InputContent": content})
        assert (_code(bad_input), _status(bad_input)) == ("ValidationException", 400)
        assert "HumanLoopInput.InputContent" in str(bad_input.value)
    with pytest.raises(ClientError) as bad_name:
        _start(a2i, flow_arn, "Not_A_Name")
    assert (_code(bad_name), _status(bad_name)) == ("ValidationException", 400)
    wrong_secret = dropin.client("sagemaker-a2i-runtime", aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as unsigned:
        wrong_secret.describe_human_loop(HumanLoopName=loop)
    assert (_code(unsigned), _status(unsigned)) == ("InvalidSignatureException", 403)
    # A flow with a loop in progress cannot be deleted.
    flow_name = flow_arn.rsplit("/", 1)[1]
    with pytest.raises(ClientError) as in_use:
        sm.delete_flow_definition(FlowDefinitionName=flow_name)
    assert _code(in_use) == "ResourceInUse"


def test_stop_then_delete_a_loop_and_it_is_gone(dropin: DropIn, sm: Any, a2i: Any, team_arn: str) -> None:
    flow_name, flow_arn, _ = _flow(dropin, sm, team_arn)
    loop = dropin.unique("loop")
    _start(a2i, flow_arn, loop)
    described = a2i.describe_human_loop(HumanLoopName=loop)
    assert (described["HumanLoopStatus"], described["FlowDefinitionArn"]) == ("InProgress", flow_arn)
    assert described["HumanLoopArn"] == dropin.arn(f"human-loop/{loop}") and "HumanLoopOutput" not in described
    assert a2i.stop_human_loop(HumanLoopName=loop)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _wait_loop(a2i, loop, ("Stopped",))["HumanLoopStatus"] == "Stopped"
    a2i.stop_human_loop(HumanLoopName=loop)  # repeating it changes nothing
    a2i.delete_human_loop(HumanLoopName=loop)
    with pytest.raises(ClientError) as gone:
        a2i.describe_human_loop(HumanLoopName=loop)
    assert (_code(gone), _status(gone)) == ("ResourceNotFoundException", 404)
    assert a2i.list_human_loops(FlowDefinitionArn=flow_arn)["HumanLoopSummaries"] == []
    with pytest.raises(ClientError) as stop_gone:
        a2i.stop_human_loop(HumanLoopName=loop)
    assert (_code(stop_gone), _status(stop_gone)) == ("ResourceNotFoundException", 404)
    sm.delete_flow_definition(FlowDefinitionName=flow_name)  # no loop in progress any more


def test_list_human_loops_filters_sorts_and_the_paginator_ends(dropin: DropIn, sm: Any, a2i: Any,
                                                               team_arn: str) -> None:
    _, flow_arn, _ = _flow(dropin, sm, team_arn)
    start = datetime.now(UTC) - timedelta(seconds=2)
    loops = [dropin.unique("loop") for _ in range(3)]
    for loop in loops:
        _start(a2i, flow_arn, loop)
    pages = list(a2i.get_paginator("list_human_loops").paginate(FlowDefinitionArn=flow_arn,
                                                                 PaginationConfig={"PageSize": 2}))
    assert [len(p["HumanLoopSummaries"]) for p in pages] == [2, 1] and "NextToken" not in pages[-1]
    summaries = [s for p in pages for s in p["HumanLoopSummaries"]]
    assert [s["HumanLoopName"] for s in summaries] == loops  # Ascending by default
    assert {(s["HumanLoopStatus"], s["FlowDefinitionArn"]) for s in summaries} == {("InProgress", flow_arn)}
    assert all(s["CreationTime"].tzinfo is not None for s in summaries)
    newest = a2i.list_human_loops(FlowDefinitionArn=flow_arn, SortOrder="Descending", MaxResults=100)
    assert [s["HumanLoopName"] for s in newest["HumanLoopSummaries"]] == loops[::-1]
    assert len(a2i.list_human_loops(FlowDefinitionArn=flow_arn, CreationTimeAfter=start)["HumanLoopSummaries"]) == 3
    assert a2i.list_human_loops(FlowDefinitionArn=flow_arn, CreationTimeAfter=datetime.now(UTC) + timedelta(hours=1))[
        "HumanLoopSummaries"] == []
    assert a2i.list_human_loops(FlowDefinitionArn=flow_arn, CreationTimeBefore=start)["HumanLoopSummaries"] == []


def test_a_sure_prediction_completes_without_people(dropin: DropIn, sm: Any, a2i: Any, team_arn: str) -> None:
    condition = json.dumps({"confidence_below": 0.8})
    flow_name, flow_arn, request = _flow(dropin, sm, team_arn, HumanLoopActivationConfig={
        "HumanLoopActivationConditionsConfig": {"HumanLoopActivationConditions": condition}})
    sure, unsure = dropin.unique("sure"), dropin.unique("unsure")
    content = {"taskObject": "a dog barked", "prediction": {"label": "dog", "confidence": 0.95}}
    _start(a2i, flow_arn, sure, content)
    _start(a2i, flow_arn, unsure, {**content, "prediction": {"label": "dog", "confidence": 0.4}})
    done = a2i.describe_human_loop(HumanLoopName=sure)
    assert done["HumanLoopStatus"] == "Completed"
    output = json.loads(dropin.get(done["HumanLoopOutput"]["OutputS3Uri"]))
    assert (output["flowDefinitionArn"], output["humanLoopName"], output["humanAnswers"]) == (flow_arn, sure, [])
    assert output["inputContent"] == content
    assert a2i.describe_human_loop(HumanLoopName=unsure)["HumanLoopStatus"] == "InProgress"


def test_a_whole_loop_answered_by_people_writes_output_json_at_the_documented_key(dropin: DropIn, sm: Any,
                                                                                  a2i: Any) -> None:
    team, tokens = _team(dropin, labelers=2)
    ui = _ui(dropin, sm)
    flow_name = dropin.unique("flow")
    output_path = f"s3://groundwork/{dropin.unique('a2i-results')}"
    sm.create_flow_definition(**_flow_request(dropin, flow_name, team, ui, config={"TaskCount": 2},
                                              OutputConfig={"S3OutputPath": output_path}))
    flow_arn = dropin.arn(f"flow-definition/{flow_name}")
    job_id = dropin.api("GET", f"/api/v1/flow-definitions/{flow_name}").json()["job_id"]
    loop = dropin.unique("loop")
    content = {"taskObject": "the cat sat on the mat", "who": "Ann"}
    _start(a2i, flow_arn, loop, content)
    for token, label in zip(tokens, ["cat", "cat"], strict=True):
        task = dropin.api("POST", "/api/v1/work/next", token=token, json={"job_id": job_id})
        assert task.status_code == 200, task.text
        assignment = task.json()["assignment_id"]
        page = dropin.api("GET", f"/api/v1/work/{assignment}/ui", token=token)
        assert page.status_code == 200 and "Which animal does Ann mean?" in page.text  # the flow's own template
        r = dropin.api("POST", f"/api/v1/work/{assignment}/submit", token=token, json={"answer": {"label": label}})
        assert r.status_code == 200, r.text
    done = _wait_loop(a2i, loop, ("Completed", "Failed"))
    assert done["HumanLoopStatus"] == "Completed" and "FailureReason" not in done
    uri = done["HumanLoopOutput"]["OutputS3Uri"]
    key = FLOW_RESULT_KEY.match(uri)
    assert key is not None, uri
    assert (key["prefix"], key["flow"], key["loop"]) == (output_path, flow_name, loop)
    created = done["CreationTime"].astimezone(UTC)
    assert f"/{created:%Y/%m/%d/%H/%M/%S}/" in uri
    output = json.loads(dropin.get(uri))
    assert (output["flowDefinitionArn"], output["humanLoopName"], output["inputContent"]) == (flow_arn, loop,
                                                                                            content)
    answers = output["humanAnswers"]
    assert len(answers) == 2
    assert [a["answerContent"] for a in answers] == [{"animal": {"label": "cat"}}] * 2  # the element's name
    assert all({"submissionTime", "workerId", "workerMetadata"} <= set(a) for a in answers)
    assert len({a["workerId"] for a in answers}) == 2
    assert [s["HumanLoopStatus"] for s in a2i.list_human_loops(FlowDefinitionArn=flow_arn)[
        "HumanLoopSummaries"]] == ["Completed"]
    with pytest.raises(ClientError) as ended:
        a2i.stop_human_loop(HumanLoopName=loop)
    assert (_code(ended), _status(ended)) == ("ValidationException", 400)
    a2i.delete_human_loop(HumanLoopName=loop)
    assert json.loads(dropin.get(uri))["humanLoopName"] == loop  # the output outlives the loop
