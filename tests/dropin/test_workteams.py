"""Work teams, workforces and ListLabelingJobsForWorkteam through unmodified boto3 clients (doc §3.6-§3.8, §7.1).

The server is shared by the whole tier and an account has only one private workforce, so these tests run as
requesters of their own (`fresh`), never as the tier's main requester."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from demo.processes import create_key, groundwork_env
from tests.dropin.conftest import REGION, DropIn

OIDC_MEMBERS = [{"OidcMemberDefinition": {"Groups": ["annotators"]}}]
POOL = "us-east-1_AbCdEf123"
COGNITO = {"UserPool": POOL, "ClientId": "client-1"}
OIDC = {"ClientId": "oidc-client", "ClientSecret": "s3cret-value", "Issuer": "https://idp.example.com",
        "AuthorizationEndpoint": "https://idp.example.com/auth", "TokenEndpoint": "https://idp.example.com/token",
        "UserInfoEndpoint": "https://idp.example.com/userinfo", "LogoutEndpoint": "https://idp.example.com/logout",
        "JwksUri": "https://idp.example.com/jwks", "Scope": "openid profile"}
PUBLIC_CROWD = f"arn:aws:sagemaker:{REGION}:394669845002:workteam/public-crowd/default"


def new_requester(dropin: DropIn, prefix: str) -> DropIn:
    """A requester of its own on the shared server (its own account, so its own workforce and team limits)."""
    key = create_key(groundwork_env(dropin.data_dir), dropin.unique(prefix))
    access, secret = dropin.new_pair(key)
    account = dropin.api("POST", "/api/v1/access-keys", token=key).json()["account_id"]
    return DropIn(url=dropin.url, s3_endpoint=dropin.s3_endpoint, api_key=key, access_key_id=access,
                  secret_access_key=secret, account=account, data_dir=dropin.data_dir)


@pytest.fixture(scope="module")
def me(dropin: DropIn) -> DropIn:
    return new_requester(dropin, "teams")


@pytest.fixture
def fresh(dropin: DropIn) -> Callable[[str], DropIn]:
    return lambda prefix: new_requester(dropin, prefix)


def code_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def make_team(c: Any, name: str, **extra: Any) -> str:
    return c.create_workteam(WorkteamName=name, Description=f"team {name}",  # type: ignore[no-any-return]
                             MemberDefinitions=extra.pop("MemberDefinitions", OIDC_MEMBERS), **extra)["WorkteamArn"]


def rest_teams(who: DropIn) -> list[str]:
    r = who.api("GET", "/api/v1/workteams", params={"limit": 500})
    assert r.status_code == 200, r.text
    return [t["name"] for t in r.json()["items"]]


def rest_workforces(who: DropIn) -> list[str]:
    r = who.api("GET", "/api/v1/workforces", params={"limit": 500})
    assert r.status_code == 200, r.text
    return [w["name"] for w in r.json()["items"]]


# --- work teams ---------------------------------------------------------------------------------------------------

def test_a_team_is_created_in_a_default_workforce_and_described_as_sagemaker_does(me: DropIn) -> None:
    c = me.client()
    name = me.unique("Labelers")
    before = datetime.now(UTC) - timedelta(seconds=5)
    arn = make_team(c, name, NotificationConfiguration={"NotificationTopicArn":
                                                        f"arn:aws:sns:{REGION}:{me.account}:workers"},
                    WorkerAccessConfiguration={"S3Presign": {"IamPolicyConstraints": {"SourceIp": "Enabled"}}},
                    Tags=[{"Key": "team", "Value": "a"}])
    assert arn == me.arn(f"workteam/private-crowd/{name}")

    team = c.describe_workteam(WorkteamName=name.lower())["Workteam"]  # names ignore case
    assert team["WorkteamName"] == name and team["WorkteamArn"] == arn
    assert team["MemberDefinitions"] == OIDC_MEMBERS and team["Description"] == f"team {name}"
    assert team["WorkforceArn"] == me.arn("workforce/default") and team["ProductListingIds"] == []
    assert team["SubDomain"] == me.url + "/portal/"
    assert team["NotificationConfiguration"]["NotificationTopicArn"].endswith(":workers")
    assert team["WorkerAccessConfiguration"]["S3Presign"]["IamPolicyConstraints"] == {"SourceIp": "Enabled"}
    assert before < team["CreateDate"] <= team["LastUpdatedDate"] < datetime.now(UTC) + timedelta(seconds=5)
    assert name in rest_teams(me)  # one system: Groundwork's own API sees the same team

    workforce = c.describe_workforce(WorkforceName="default")["Workforce"]
    assert workforce["Status"] == "Active" and workforce["WorkforceArn"] == me.arn("workforce/default")
    assert "CognitoConfig" not in workforce and "OidcConfig" not in workforce


def test_a_taken_name_in_any_case_is_resource_in_use(me: DropIn) -> None:
    c = me.client()
    name = me.unique("dup")
    make_team(c, name)
    code, message = code_of(lambda: make_team(c, name.upper()))
    assert code == "ResourceInUse" and name.upper() in message


def test_an_unknown_team_is_resource_not_found_naming_it(me: DropIn) -> None:
    c = me.client()
    for call in (lambda: c.describe_workteam(WorkteamName="no-such-team"),
                 lambda: c.update_workteam(WorkteamName="no-such-team", Description="x"),
                 lambda: c.delete_workteam(WorkteamName="no-such-team")):
        code, message = code_of(call)
        assert code == "ResourceNotFound" and "no-such-team" in message


@pytest.mark.parametrize("members, words", [
    ([{"OidcMemberDefinition": {"Groups": ["a"]}},
      {"CognitoMemberDefinition": {"UserPool": POOL, "UserGroup": "g", "ClientId": "c"}}], "mix"),
    ([{"CognitoMemberDefinition": {"UserPool": POOL, "UserGroup": "g", "ClientId": "c"}},
      {"CognitoMemberDefinition": {"UserPool": "us-east-1_Other", "UserGroup": "h", "ClientId": "c"}}],
     "same UserPool"),
    ([{}], "exactly one"),
])
def test_member_definitions_boto3_accepts_but_the_service_refuses(me: DropIn, members: list[Any],
                                                                   words: str) -> None:
    code, message = code_of(lambda: make_team(me.client(), me.unique("bad"), MemberDefinitions=members))
    assert code == "ValidationException" and words in message


def test_what_boto3_does_not_check_is_a_validation_exception(me: DropIn) -> None:
    c = me.client()
    code, message = code_of(lambda: make_team(c, "x" * 64))
    assert code == "ValidationException" and "workteamName" in message
    code, _ = code_of(lambda: make_team(c, "bad_name"))
    assert code == "ValidationException"
    code, _ = code_of(lambda: c.list_workteams(SortBy="Size"))
    assert code == "ValidationException"


def test_a_team_is_updated_and_the_update_is_returned(me: DropIn) -> None:
    c = me.client()
    name = me.unique("upd")
    make_team(c, name)
    created = c.describe_workteam(WorkteamName=name)["Workteam"]
    time.sleep(0.01)
    updated = c.update_workteam(
        WorkteamName=name, Description="renamed purpose",
        MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["g1", "g2"]}}],
        NotificationConfiguration={"NotificationTopicArn": f"arn:aws:sns:{REGION}:{me.account}:t2"},
        WorkerAccessConfiguration={"S3Presign": {"IamPolicyConstraints": {"VpcSourceIp": "Disabled"}}})["Workteam"]
    assert updated["Description"] == "renamed purpose"
    assert updated["MemberDefinitions"] == [{"OidcMemberDefinition": {"Groups": ["g1", "g2"]}}]
    assert updated["NotificationConfiguration"]["NotificationTopicArn"].endswith(":t2")
    assert updated["LastUpdatedDate"] > created["LastUpdatedDate"] and updated["CreateDate"] == created["CreateDate"]
    assert c.describe_workteam(WorkteamName=name)["Workteam"] == updated
    code, _ = code_of(lambda: c.update_workteam(WorkteamName=name, MemberDefinitions=[
        {"OidcMemberDefinition": {"Groups": ["a"]}},
        {"CognitoMemberDefinition": {"UserPool": POOL, "UserGroup": "g", "ClientId": "c"}}]))
    assert code == "ValidationException"


def test_a_deleted_team_is_gone_from_both_doors_and_its_name_is_free(me: DropIn) -> None:
    c = me.client()
    name = me.unique("gone")
    make_team(c, name)
    row = next(t for t in me.api("GET", "/api/v1/workteams", params={"limit": 500}).json()["items"]
               if t["name"] == name)
    assert c.delete_workteam(WorkteamName=name)["Success"] is True
    assert code_of(lambda: c.describe_workteam(WorkteamName=name))[0] == "ResourceNotFound"
    assert name not in [t["WorkteamName"] for t in c.list_workteams(MaxResults=100)["Workteams"]]
    assert name not in rest_teams(me)
    # No new job or labeler can use it.
    r = me.api("POST", "/api/v1/labelers", json={"name": "late", "workforce_id": row["workforce_id"],
                                                  "workteam_ids": [row["id"]]})
    assert r.status_code == 422 and "not a team" in r.text
    r = me.api("POST", "/api/v1/jobs", json={"name": me.unique("late-job"), "task_type": "text-classification",
                                             "labels": ["a", "b"], "manifest_uri": me.put("wt/late.manifest", "{}"),
                                             "workteam_id": row["id"]})
    assert r.status_code == 404 and "workteam" in r.text
    assert make_team(c, name) == me.arn(f"workteam/private-crowd/{name}")  # the name is free again


def test_list_workteams_sorts_filters_and_the_paginator_ends(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("lister")
    c = who.client()
    names = ["bravo", "alpha", "charlie", "delta-x", "echo-x"]
    for name in names:
        make_team(c, name)
    pages = list(c.get_paginator("list_workteams").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["Workteams"]) for p in pages] == [2, 2, 1] and "NextToken" not in pages[-1]
    assert [t["WorkteamName"] for p in pages for t in p["Workteams"]] == names  # CreateDate, Ascending
    by_name = c.list_workteams(SortBy="Name", SortOrder="Descending")["Workteams"]
    assert [t["WorkteamName"] for t in by_name] == sorted(names, reverse=True)
    newest = c.list_workteams(SortBy="CreateDate", SortOrder="Descending", MaxResults=1)
    assert newest["Workteams"][0]["WorkteamName"] == "echo-x" and newest["NextToken"]
    assert [t["WorkteamName"] for t in c.list_workteams(NameContains="X")["Workteams"]] == ["delta-x", "echo-x"]
    code, _ = code_of(lambda: c.list_workteams(NextToken="not-a-token"))
    assert code == "ValidationException"


def test_the_26th_team_is_resource_limit_exceeded(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("limit")
    c = who.client()
    for i in range(25):
        make_team(c, f"t{i}")
    code, message = code_of(lambda: make_team(c, "t25"))
    assert code == "ResourceLimitExceeded" and "25" in message
    c.delete_workteam(WorkteamName="t0")
    assert make_team(c, "t25").endswith("/t25")


def test_a_team_made_through_groundworks_api_shows_through_sagemakers(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("rest")
    wf = who.api("POST", "/api/v1/workforces", json={"name": "staff", "kind": "private"}).json()
    assert who.api("POST", "/api/v1/workteams", json={"name": "Night-Shift", "workforce_id": wf["id"]}).ok
    team = who.client().describe_workteam(WorkteamName="night-shift")["Workteam"]
    assert team["WorkteamArn"] == who.arn("workteam/private-crowd/Night-Shift")
    assert team["WorkforceArn"] == who.arn("workforce/staff")
    assert team["MemberDefinitions"] == [{"OidcMemberDefinition": {"Groups": ["Night-Shift"]}}]
    assert team["Description"] == "Night-Shift"  # the shape requires one; Groundwork's default is empty
    assert [t["WorkteamName"] for t in who.client().list_workteams()["Workteams"]] == ["Night-Shift"]


# --- workforces ---------------------------------------------------------------------------------------------------

def test_a_cognito_workforce_takes_only_its_own_pool_and_one_per_account(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("cognito")
    c = who.client()
    arn = c.create_workforce(WorkforceName="pool-crowd", CognitoConfig=COGNITO,
                             SourceIpConfig={"Cidrs": ["10.0.0.0/16"]}, Tags=[{"Key": "k", "Value": "v"}])
    assert arn["WorkforceArn"] == who.arn("workforce/pool-crowd")
    wf = c.describe_workforce(WorkforceName="pool-crowd")["Workforce"]
    assert wf["CognitoConfig"] == COGNITO and wf["SourceIpConfig"] == {"Cidrs": ["10.0.0.0/16"]}
    assert wf["Status"] == "Active" and wf["SubDomain"] == who.url + "/portal/" and "OidcConfig" not in wf
    assert "pool-crowd" in rest_workforces(who)

    code, message = code_of(lambda: c.create_workforce(WorkforceName="second", CognitoConfig=COGNITO))
    assert code == "ResourceLimitExceeded" and "pool-crowd" in message
    code, _ = code_of(lambda: c.create_workforce(WorkforceName="POOL-crowd", CognitoConfig=COGNITO))
    assert code == "ResourceInUse"

    # A team without WorkforceName joins the account's workforce, and must use its pool.
    cognito_member = {"CognitoMemberDefinition": {**COGNITO, "UserGroup": "labelers"}}
    assert make_team(c, "pool-team", MemberDefinitions=[cognito_member]).endswith("/pool-team")
    assert c.describe_workteam(WorkteamName="pool-team")["Workteam"]["WorkforceArn"] == arn["WorkforceArn"]
    code, message = code_of(lambda: make_team(c, "oidc-team"))
    assert code == "ValidationException" and "Cognito" in message
    other_pool = {"CognitoMemberDefinition": {"UserPool": "us-east-1_Zz9", "ClientId": "c", "UserGroup": "g"}}
    assert code_of(lambda: make_team(c, "other-pool", MemberDefinitions=[other_pool]))[0] == "ValidationException"
    code, message = code_of(lambda: make_team(c, "lost", WorkforceName="nowhere"))
    assert code == "ResourceNotFound" and "nowhere" in message
    code, _ = code_of(lambda: c.update_workforce(WorkforceName="pool-crowd", OidcConfig=OIDC))
    assert code == "ValidationException"


def test_an_oidc_workforce_never_shows_its_secret_and_updates(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("oidc")
    c = who.client()
    c.create_workforce(WorkforceName="idp-crowd", OidcConfig=OIDC, IpAddressType="dualstack")
    wf = c.describe_workforce(WorkforceName="idp-crowd")["Workforce"]
    assert wf["OidcConfig"] == {k: v for k, v in OIDC.items() if k != "ClientSecret"}
    assert wf["IpAddressType"] == "dualstack"
    assert "s3cret" not in json.dumps(c.list_workforces()["Workforces"], default=str)

    vpc = {"VpcId": "vpc-0abc", "SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    new_oidc = {**OIDC, "ClientId": "rotated"}
    updated = c.update_workforce(WorkforceName="idp-crowd", SourceIpConfig={"Cidrs": ["192.168.0.0/24"]},
                                 WorkforceVpcConfig=vpc, OidcConfig=new_oidc)["Workforce"]
    assert updated["SourceIpConfig"] == {"Cidrs": ["192.168.0.0/24"]}
    assert updated["OidcConfig"]["ClientId"] == "rotated" and "ClientSecret" not in updated["OidcConfig"]
    assert {k: updated["WorkforceVpcConfig"][k] for k in vpc} == vpc
    assert re.fullmatch(r"vpce-[0-9a-z]+", updated["WorkforceVpcConfig"]["VpcEndpointId"])
    assert updated["LastUpdatedDate"] >= updated["CreateDate"]

    make_team(c, "idp-team", WorkforceName="idp-crowd")
    code, message = code_of(lambda: c.update_workforce(WorkforceName="idp-crowd", OidcConfig=OIDC))
    assert code == "ConflictException" and "idp-crowd" in message
    code, _ = code_of(lambda: c.update_workforce(WorkforceName="nope", SourceIpConfig={"Cidrs": []}))
    assert code == "ResourceNotFound"


def test_create_workforce_needs_exactly_one_sign_in(fresh: Callable[[str], DropIn]) -> None:
    c = fresh("neither").client()
    assert code_of(lambda: c.create_workforce(WorkforceName="none"))[0] == "ValidationException"
    code, _ = code_of(lambda: c.create_workforce(WorkforceName="both", CognitoConfig=COGNITO, OidcConfig=OIDC))
    assert code == "ValidationException"
    code, _ = code_of(lambda: c.create_workforce(WorkforceName="x" * 64, CognitoConfig=COGNITO))
    assert code == "ValidationException"
    assert c.list_workforces()["Workforces"] == []


def test_a_workforce_with_teams_cannot_be_deleted_then_is_gone(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("wfdel")
    c = who.client()
    c.create_workforce(WorkforceName="temp-crowd", CognitoConfig=COGNITO)
    make_team(c, "member-team", MemberDefinitions=[{"CognitoMemberDefinition": {**COGNITO, "UserGroup": "g"}}])
    code, message = code_of(lambda: c.delete_workforce(WorkforceName="temp-crowd"))
    assert code == "ResourceInUse" and "member-team" in message
    c.delete_workteam(WorkteamName="member-team")
    assert set(c.delete_workforce(WorkforceName="temp-crowd")) == {"ResponseMetadata"}
    assert code_of(lambda: c.describe_workforce(WorkforceName="temp-crowd"))[0] == "ResourceNotFound"
    assert code_of(lambda: c.delete_workforce(WorkforceName="temp-crowd"))[0] == "ResourceNotFound"
    assert "temp-crowd" not in rest_workforces(who)
    # The account's one workforce is free again, under the same name.
    assert c.create_workforce(WorkforceName="temp-crowd", OidcConfig=OIDC)["WorkforceArn"].endswith("/temp-crowd")


def test_list_workforces_sorts_filters_and_the_paginator_ends(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("wflist")
    for name in ("zulu-staff", "alpha-staff", "other"):  # Groundwork's own private workforces show too
        assert who.api("POST", "/api/v1/workforces", json={"name": name, "kind": "private"}).ok
    assert who.api("POST", "/api/v1/workforces", json={"name": "crowd", "kind": "public"}).ok  # not SageMaker's
    c = who.client()
    c.create_workforce(WorkforceName="mid-staff", CognitoConfig=COGNITO)
    pages = list(c.get_paginator("list_workforces").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["Workforces"]) for p in pages] == [3, 1] and "NextToken" not in pages[-1]
    assert [w["WorkforceName"] for p in pages for w in p["Workforces"]] == [
        "zulu-staff", "alpha-staff", "other", "mid-staff"]
    by_name = c.list_workforces(SortBy="Name", NameContains="STAFF")["Workforces"]
    assert [w["WorkforceName"] for w in by_name] == ["alpha-staff", "mid-staff", "zulu-staff"]
    newest = c.list_workforces(SortOrder="Descending", MaxResults=1)["Workforces"]
    assert newest[0]["WorkforceName"] == "mid-staff" and newest[0]["CognitoConfig"] == COGNITO


# --- ListLabelingJobsForWorkteam ----------------------------------------------------------------------------------

def start_job(who: DropIn, team_name: str, job_name: str) -> dict[str, Any]:
    """A text job on the team through Groundwork's REST API, waited for until its objects are in."""
    team_id = next(t["id"] for t in who.api("GET", "/api/v1/workteams", params={"limit": 500}).json()["items"]
                   if t["name"] == team_name)
    manifest = who.put(f"wt/{job_name}.manifest", '{"source": "good"}\n{"source": "bad"}\n{"source": "meh"}\n')
    r = who.api("POST", "/api/v1/jobs", json={
        "name": job_name, "task_type": "text-classification", "labels": ["pos", "neg"], "manifest_uri": manifest,
        "workteam_id": team_id, "workers_per_object": 2, "price_per_task_usd": "0"})
    assert r.status_code == 201, r.text
    deadline = time.time() + 60
    while time.time() < deadline:
        view = who.api("GET", f"/api/v1/jobs/{job_name}").json()
        if view["status"] == "InProgress" and view["label_counters"]["Unlabeled"] == 3:
            return view  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_name} never started: {view}")


def wait_stopped(who: DropIn, job_name: str) -> None:
    assert who.api("POST", f"/api/v1/jobs/{job_name}/stop").status_code == 200
    deadline = time.time() + 60
    while time.time() < deadline:
        if who.api("GET", f"/api/v1/jobs/{job_name}").json()["status"] == "Stopped":
            return
        time.sleep(0.2)
    raise AssertionError(f"job {job_name} never stopped")


def test_jobs_for_a_team_page_filter_and_block_its_deletion(me: DropIn, other_requester: DropIn) -> None:
    c = me.client()
    team = me.unique("busy")
    arn = make_team(c, team)
    first, second = me.unique("wt-job-a"), me.unique("wt-job-b")
    start_job(me, team, first)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    start_job(me, team, second)

    pages = list(c.get_paginator("list_labeling_jobs_for_workteam").paginate(
        WorkteamArn=arn, PaginationConfig={"PageSize": 1}))
    assert [len(p["LabelingJobSummaryList"]) for p in pages] == [1, 1] and "NextToken" not in pages[-1]
    jobs = [j for p in pages for j in p["LabelingJobSummaryList"]]
    assert [j["LabelingJobName"] for j in jobs] == [first, second]
    for job in jobs:
        assert re.fullmatch(me.account + r"[0-9A-Za-z]{16}", job["JobReferenceCode"])
        assert job["WorkRequesterAccountId"] == me.account and job["NumberOfHumanWorkersPerDataObject"] == 2
        assert job["LabelCounters"] == {"HumanLabeled": 0, "PendingHuman": 3, "Total": 3}
    assert jobs[0]["JobReferenceCode"] != jobs[1]["JobReferenceCode"]
    again = c.list_labeling_jobs_for_workteam(WorkteamArn=arn)["LabelingJobSummaryList"]
    assert [j["JobReferenceCode"] for j in again] == [j["JobReferenceCode"] for j in jobs]  # stable

    def names(**filters: Any) -> list[str]:
        out = c.list_labeling_jobs_for_workteam(WorkteamArn=arn, **filters)["LabelingJobSummaryList"]
        return [j["LabelingJobName"] for j in out]

    assert names(SortBy="CreationTime", SortOrder="Descending") == [second, first]
    assert names(CreationTimeAfter=middle) == [second] and names(CreationTimeBefore=middle) == [first]
    assert names(JobReferenceCodeContains=jobs[0]["JobReferenceCode"][-6:]) == [first]
    assert names(JobReferenceCodeContains="no-such-code") == []

    code, message = code_of(lambda: c.delete_workteam(WorkteamName=team))
    assert code == "ResourceInUse" and first in message
    wait_stopped(me, first)
    wait_stopped(me, second)
    assert c.delete_workteam(WorkteamName=team)["Success"] is True
    assert code_of(lambda: c.list_labeling_jobs_for_workteam(WorkteamArn=arn))[0] == "ResourceNotFound"

    # Another account's team is not ours to list.
    code, _ = code_of(lambda: other_requester.client().list_labeling_jobs_for_workteam(WorkteamArn=arn))
    assert code == "AccessDeniedException"


def test_list_jobs_for_workteam_refuses_what_is_no_team_of_ours(me: DropIn) -> None:
    c = me.client()
    code, message = code_of(lambda: c.list_labeling_jobs_for_workteam(
        WorkteamArn=me.arn("workteam/private-crowd/never-made")))
    assert code == "ResourceNotFound" and "never-made" in message
    code, _ = code_of(lambda: c.list_labeling_jobs_for_workteam(WorkteamArn=me.arn("workteam/some-team")))
    assert code == "ValidationException"
    code, _ = code_of(lambda: c.list_labeling_jobs_for_workteam(WorkteamArn="not-an-arn"))
    assert code == "ValidationException"
    name = me.unique("priv")
    make_team(c, name)
    code, _ = code_of(lambda: c.list_labeling_jobs_for_workteam(WorkteamArn=me.arn(f"workteam/vendor-crowd/{name}")))
    assert code == "ResourceNotFound"


def test_the_public_crowd_is_the_requesters_own_public_workforce(fresh: Callable[[str], DropIn]) -> None:
    who = fresh("crowd")
    c = who.client()
    assert c.list_labeling_jobs_for_workteam(WorkteamArn=PUBLIC_CROWD)["LabelingJobSummaryList"] == []
    assert c.list_labeling_jobs_for_workteam(WorkteamArn=PUBLIC_CROWD)["LabelingJobSummaryList"] == []
    wfs = who.api("GET", "/api/v1/workforces").json()["items"]
    assert [(w["name"], w["kind"]) for w in wfs] == [("public-crowd", "public")]  # made once, on first use
    assert c.list_workteams()["Workteams"] == []  # AWS's crowd, not one of the account's teams
    assert make_team(c, "public-crowd").endswith("/private-crowd/public-crowd")  # its name stays the user's
    other = f"arn:aws:sagemaker:{REGION}:394669845002:workteam/public-crowd/other"
    assert code_of(lambda: c.list_labeling_jobs_for_workteam(WorkteamArn=other))[0] == "ResourceNotFound"


def test_member_definitions_bring_in_the_labelers_of_their_groups(dropin: DropIn) -> None:
    """A team's OIDC groups (or Cognito user groups) are real: a labeler in one of them joins it, on creation of
    either; changing the groups moves members by group, never those added by hand."""
    sm = dropin.client()
    name = dropin.unique("grp")
    sm.create_workteam(WorkteamName=name, Description="by group",
                       MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["annotators"]}}])
    team = next(t for t in dropin.api("GET", "/api/v1/workteams", params={"limit": 500}).json()["items"]
                if t["name"] == name)

    def labeler(groups: list[str], teams: list[int]) -> dict[str, Any]:
        r = dropin.api("POST", "/api/v1/labelers", json={"name": "G", "workforce_id": team["workforce_id"],
                                                          "groups": groups, "workteam_ids": teams})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    member = labeler(["annotators", "night-shift"], [])
    outsider = labeler(["reviewers"], [])
    by_hand = labeler([], [team["id"]])
    assert member["workteam_ids"] == [team["id"]] and member["groups"] == ["annotators", "night-shift"]
    assert outsider["workteam_ids"] == []

    def members() -> set[int]:
        rows = dropin.api("GET", "/api/v1/labelers", params={"limit": 500}).json()["items"]
        return {r["id"] for r in rows if team["id"] in r["workteam_ids"]}

    assert members() == {member["id"], by_hand["id"]}
    sm.update_workteam(WorkteamName=name, MemberDefinitions=[{"OidcMemberDefinition": {"Groups": ["reviewers"]}}])
    assert members() == {outsider["id"], by_hand["id"]}
