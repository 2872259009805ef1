"""SageMaker operations for work teams and workforces, on Groundwork's own workforces and workteams.

A SageMaker private workforce is a Groundwork workforce of kind `private` whose `sagemaker_json` keeps what
CreateWorkforce was given (Cognito or OIDC settings without the client secret, IP and VPC settings, tags); a work
team is a Groundwork workteam whose `sagemaker_json` keeps its member definitions, notification and access
settings and tags. Workforces and teams made through Groundwork's REST API show through this door too, with
defaults for what they never had. Deleting soft-deletes (the rows stay for the history of ended jobs) and frees
the name. The public crowd ARN names the requester's own public workforce (`accounts.public_crowd_team`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from services.api.sagemaker import errors
from services.api.sagemaker.calls import Call, domain_errors, page, time_window, with_token
from services.api.sagemaker.errors import AwsError
from services.api.sagemaker.json_protocol import operation
from shared.domain import arns
from shared.domain.pricing import WorkforceKind
from shared.domain.states import ObjectState
from shared.persistence.tables import Job, Workforce, Workteam
from shared.services import accounts, queries

TEAM_LIMIT = 25  # work teams per account (doc §7.2)
DEFAULT_WORKFORCE = "default"  # the workforce CreateWorkteam makes when it names none, as the console does
CROWD = {WorkforceKind.PRIVATE: "private-crowd", WorkforceKind.VENDOR: "vendor-crowd"}
TEAM_SETTINGS = ("NotificationConfiguration", "WorkerAccessConfiguration")
WORKFORCE_SETTINGS = ("SourceIpConfig", "WorkforceVpcConfig", "IpAddressType")
TEAM_FIELDS = {"name": "WorkteamName", "workforce_id": "WorkforceName"}
WORKFORCE_FIELDS = {"name": "WorkforceName"}


def _stored(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


def _portal(call: Call) -> str:
    """The worker portal's address: what SageMaker calls the workforce's and team's SubDomain."""
    base = call.deps.settings.public_base_url or request.host_url.rstrip("/")
    return f"{base}/portal/"


def _sorted(rows: list[Any], params: dict[str, Any], keys: dict[str, Callable[[Any], Any]],
            default: str) -> list[Any]:
    """Rows in the order SortBy and SortOrder ask (Ascending by default); ties broken by creation order."""
    key = keys[params.get("SortBy") or default]
    return sorted(rows, key=lambda r: (key(r), r.id), reverse=params.get("SortOrder") == "Descending")


def _name_contains(rows: list[Any], params: dict[str, Any]) -> list[Any]:
    needle = (params.get("NameContains") or "").lower()
    return [r for r in rows if needle in r.name.lower()]


# --- work teams ---------------------------------------------------------------------------------------------------

def workteam_arn(call: Call, team: Workteam, workforce: Workforce | None = None) -> str:
    """The team's ARN: `.../workteam/private-crowd/<name>` (vendor teams: `vendor-crowd`); a team of a public
    workforce is Ground Truth's public crowd."""
    wf = workforce or _workforce_of(team)
    if wf.kind == WorkforceKind.PUBLIC:
        return arns.public_crowd_arn(call.region)
    return call.arn("workteam", f"{CROWD[WorkforceKind(wf.kind)]}/{team.name}")


def _workforce_of(team: Workteam) -> Workforce:
    session = object_session(team)
    wf = session.get(Workforce, team.workforce_id) if session is not None else None
    if wf is None:
        raise RuntimeError(f"workteam {team.id} is detached from its session; pass its workforce")
    return wf


def resolve_workteam_arn(call: Call, session: Session, arn: str, member: str) -> Workteam:
    """The caller's live workteam an ARN names (`private-crowd/<name>`, `vendor-crowd/<name>`), or the caller's
    public crowd team for `arn:aws:sagemaker:<region>:394669845002:workteam/public-crowd/default` (made on first
    use). Another account's team is AccessDenied; a malformed ARN ValidationException; no such team
    ResourceNotFound."""
    parsed = arns.parse_arn(arn)
    if parsed is not None and arns.is_public_crowd(parsed):
        return accounts.public_crowd_team(session, call.deps.clock, call.requester_id)
    if parsed is not None and parsed.account == arns.AWS_WORKFORCE_ACCOUNT:
        raise errors.not_found(f"{member}: the only public crowd workteam is "
                               f"{arns.public_crowd_arn(call.region)}, not '{arn[:200]}'")
    own = call.own_arn(arn, "workteam", member)
    named = arns.workteam_name(own)
    if named is None or named[0] not in CROWD.values():
        raise errors.validation(f"{member}: '{arn[:200]}' is not a private-crowd or vendor-crowd workteam ARN")
    team, wf = _team(call, session, named[1], member)
    if CROWD[WorkforceKind(wf.kind)] != named[0]:
        raise errors.not_found(f"{member}: workteam '{named[1]}' is a {CROWD[WorkforceKind(wf.kind)]} team, "
                               f"not {named[0]}")
    return team


def _team(call: Call, session: Session, name: str, member: str = "WorkteamName") -> tuple[Workteam, Workforce]:
    """The caller's live team of a private or vendor workforce (public teams are the public crowd's, not named)."""
    team = accounts.find_workteam(session, call.requester_id, name)
    wf = session.get(Workforce, team.workforce_id) if team is not None else None
    if team is None or wf is None or wf.kind not in CROWD:
        raise errors.not_found(f"{member}: workteam '{name}' does not exist")
    return team, wf


def _teams(call: Call, session: Session) -> list[tuple[Workteam, Workforce]]:
    forces = {wf.id: wf for wf in accounts.live_workforces(session, call.requester_id) if wf.kind in CROWD}
    return [(t, forces[t.workforce_id]) for t in accounts.live_workteams(session, call.requester_id)
            if t.workforce_id in forces]


def _team_shape(call: Call, team: Workteam, wf: Workforce) -> dict[str, Any]:
    """SageMaker's Workteam. A team made through Groundwork's REST API has no member definitions; it shows as
    one OIDC group named after the team (the shape requires at least one definition)."""
    stored = _stored(team.sagemaker_json)
    shape: dict[str, Any] = {
        "WorkteamName": team.name,
        "MemberDefinitions": stored.get("MemberDefinitions") or [{"OidcMemberDefinition": {"Groups": [team.name]}}],
        "WorkteamArn": workteam_arn(call, team, wf),
        "ProductListingIds": [f"prod-groundwork-{wf.id}"] if wf.kind == WorkforceKind.VENDOR else [],
        "Description": team.description or team.name,
        "SubDomain": _portal(call),
        "CreateDate": team.created_at,
        "LastUpdatedDate": team.updated_at or team.created_at,
    }
    if wf.kind == WorkforceKind.PRIVATE:
        shape["WorkforceArn"] = call.arn("workforce", wf.name)
    shape.update({k: stored[k] for k in TEAM_SETTINGS if stored.get(k) is not None})
    return shape


def _member_auth(members: list[dict[str, Any]]) -> str:
    """`Cognito` or `Oidc`: a team's definitions are all of one kind, and Cognito ones share one pool and app
    client (a team is groups of one user pool); botocore's model cannot say so, the service refuses it."""
    kinds = set()
    for i, member in enumerate(members):
        given = [k for k in ("CognitoMemberDefinition", "OidcMemberDefinition") if member.get(k) is not None]
        if len(given) != 1:
            raise errors.validation(f"MemberDefinitions[{i}]: give exactly one of CognitoMemberDefinition or "
                                    "OidcMemberDefinition")
        kinds.add(given[0])
        if given[0] == "OidcMemberDefinition" and not member["OidcMemberDefinition"].get("Groups"):
            raise errors.validation(f"MemberDefinitions[{i}].OidcMemberDefinition.Groups: give at least one group")
    if len(kinds) > 1:
        raise errors.validation("MemberDefinitions: a work team cannot mix Cognito and OIDC member definitions")
    if "CognitoMemberDefinition" in kinds:
        pools = {(m["CognitoMemberDefinition"]["UserPool"], m["CognitoMemberDefinition"]["ClientId"])
                 for m in members}
        if len(pools) > 1:
            raise errors.validation("MemberDefinitions: every CognitoMemberDefinition must name the same UserPool "
                                    "and ClientId")
        return "Cognito"
    return "Oidc"


def _check_members(members: list[dict[str, Any]], wf: Workforce) -> None:
    """Member definitions of the workforce's own kind: a Cognito workforce's user pool, an OIDC workforce's
    groups (a workforce with neither, such as the one made by default, takes either)."""
    auth = _member_auth(members)
    config = _stored(wf.sagemaker_json)
    if "CognitoConfig" in config:
        if auth != "Cognito":
            raise errors.validation(f"MemberDefinitions: workforce '{wf.name}' signs in with Cognito; give "
                                    "CognitoMemberDefinition entries")
        cognito = config["CognitoConfig"]
        first = members[0]["CognitoMemberDefinition"]
        if (first["UserPool"], first["ClientId"]) != (cognito["UserPool"], cognito["ClientId"]):
            raise errors.validation(f"MemberDefinitions: UserPool and ClientId must be those of workforce "
                                    f"'{wf.name}' ({cognito['UserPool']})")
    if "OidcConfig" in config and auth != "Oidc":
        raise errors.validation(f"MemberDefinitions: workforce '{wf.name}' signs in with OIDC; give "
                                "OidcMemberDefinition entries")


def _team_workforce(call: Call, session: Session, name: str | None) -> Workforce:
    """The workforce a new team joins: the one named, else the caller's SageMaker workforce, else a private
    workforce named `default` (made now, as the console makes one)."""
    if name is not None:
        wf = accounts.find_workforce(session, call.requester_id, name)
        if wf is None or wf.kind not in CROWD:
            raise errors.not_found(f"WorkforceName: workforce '{name}' does not exist")
        return wf
    wf = _sagemaker_workforce(session, call.requester_id)
    if wf is None:
        wf = accounts.find_workforce(session, call.requester_id, DEFAULT_WORKFORCE)
        if wf is None:
            with domain_errors(WORKFORCE_FIELDS):
                wf = accounts.create_workforce(session, call.deps.clock, call.requester_id, DEFAULT_WORKFORCE,
                                               WorkforceKind.PRIVATE, None)
        elif wf.kind != WorkforceKind.PRIVATE:
            raise errors.in_use(f"WorkforceName: the name '{DEFAULT_WORKFORCE}' is taken by a {wf.kind} workforce; "
                                "name a workforce")
        wf.sagemaker_json = wf.sagemaker_json or "{}"
        wf.updated_at = wf.updated_at or call.deps.clock.now()
    return wf


def _team_settings(params: dict[str, Any], stored: dict[str, Any]) -> str:
    keys = ("MemberDefinitions", *TEAM_SETTINGS, "Tags")
    return json.dumps({**stored, **{k: params[k] for k in keys if params.get(k) is not None}})


@operation("CreateWorkteam")
def create_workteam(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    name = params["WorkteamName"]
    with call.deps.sessions.begin() as session:
        if accounts.find_workteam(session, call.requester_id, name) is not None:
            raise errors.in_use(f"WorkteamName: a workteam named '{name}' exists already (names ignore case)")
        if len(_teams(call, session)) >= TEAM_LIMIT:
            raise AwsError("ResourceLimitExceeded", f"WorkteamName: an account has at most {TEAM_LIMIT} work teams; "
                           "delete one first")
        wf = _team_workforce(call, session, params.get("WorkforceName"))
        _check_members(params["MemberDefinitions"], wf)
        with domain_errors(TEAM_FIELDS):
            team = accounts.create_workteam(session, call.deps.clock, call.requester_id, name, wf.id,
                                            params["Description"])
        team.sagemaker_json = _team_settings(params, {})
        team.updated_at = team.created_at
        accounts.sync_group_members(session, team)
        return {"WorkteamArn": workteam_arn(call, team, wf)}


@operation("DescribeWorkteam")
def describe_workteam(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session:
        return {"Workteam": _team_shape(call, *_team(call, session, params["WorkteamName"]))}


@operation("ListWorkteams")
def list_workteams(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session:
        pairs = _teams(call, session)
        forces = {t.id: wf for t, wf in pairs}
        teams = _sorted(_name_contains([t for t, _ in pairs], params), params,
                        {"Name": lambda t: t.name.lower(), "CreateDate": lambda t: t.created_at}, "CreateDate")
        chunk, token = page(teams, params)
        return with_token({"Workteams": [_team_shape(call, t, forces[t.id]) for t in chunk]}, token)


@operation("UpdateWorkteam")
def update_workteam(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions.begin() as session:
        team, wf = _team(call, session, params["WorkteamName"])
        if params.get("MemberDefinitions") is not None:
            _check_members(params["MemberDefinitions"], wf)
        if params.get("Description") is not None:
            team.description = params["Description"]
        team.sagemaker_json = _team_settings(params, _stored(team.sagemaker_json))
        team.updated_at = call.deps.clock.now()
        accounts.sync_group_members(session, team)
        return {"Workteam": _team_shape(call, team, wf)}


@operation("DeleteWorkteam")
def delete_workteam(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions.begin() as session:
        team, _ = _team(call, session, params["WorkteamName"])
        with domain_errors(TEAM_FIELDS):
            accounts.delete_workteam(session, call.deps.clock, team)
        return {"Success": True}


# --- workforces ---------------------------------------------------------------------------------------------------

def _sagemaker_workforce(session: Session, requester_id: int) -> Workforce | None:
    """The caller's one SageMaker private workforce (made by CreateWorkforce, or by default for a team)."""
    return session.scalar(select(Workforce).where(
        Workforce.requester_id == requester_id, Workforce.kind == WorkforceKind.PRIVATE,
        Workforce.sagemaker_json.is_not(None), Workforce.deleted_at.is_(None)).order_by(Workforce.id).limit(1))


def _workforce(call: Call, session: Session, name: str) -> Workforce:
    wf = accounts.find_workforce(session, call.requester_id, name)
    if wf is None or wf.kind != WorkforceKind.PRIVATE:
        raise errors.not_found(f"WorkforceName: workforce '{name}' does not exist")
    return wf


def _vpc_endpoint(wf: Workforce) -> str:
    return "vpce-" + hashlib.sha256(f"workforce:{wf.id}".encode()).hexdigest()[:17]


def _workforce_shape(call: Call, wf: Workforce) -> dict[str, Any]:
    """SageMaker's Workforce: always Active (there is nothing to provision); the OIDC client secret is never
    kept, so never shown."""
    stored = _stored(wf.sagemaker_json)
    shape: dict[str, Any] = {
        "WorkforceName": wf.name, "WorkforceArn": call.arn("workforce", wf.name), "SubDomain": _portal(call),
        "CreateDate": wf.created_at, "LastUpdatedDate": wf.updated_at or wf.created_at, "Status": "Active",
        "IpAddressType": stored.get("IpAddressType") or "ipv4",
    }
    shape.update({k: stored[k] for k in ("CognitoConfig", "OidcConfig", "SourceIpConfig") if k in stored})
    if stored.get("WorkforceVpcConfig"):
        shape["WorkforceVpcConfig"] = {**stored["WorkforceVpcConfig"], "VpcEndpointId": _vpc_endpoint(wf)}
    return shape


def _without_secret(oidc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in oidc.items() if k != "ClientSecret"}


@operation("CreateWorkforce")
def create_workforce(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    name = params["WorkforceName"]
    cognito, oidc = params.get("CognitoConfig"), params.get("OidcConfig")
    if (cognito is None) == (oidc is None):
        raise errors.validation("CognitoConfig, OidcConfig: give exactly one of them")
    with call.deps.sessions.begin() as session:
        if accounts.find_workforce(session, call.requester_id, name) is not None:
            raise errors.in_use(f"WorkforceName: a workforce named '{name}' exists already (names ignore case)")
        existing = _sagemaker_workforce(session, call.requester_id)
        if existing is not None:
            raise AwsError("ResourceLimitExceeded", f"WorkforceName: an account has one private workforce, and "
                           f"'{existing.name}' is it; delete it first")
        with domain_errors(WORKFORCE_FIELDS):
            wf = accounts.create_workforce(session, call.deps.clock, call.requester_id, name,
                                           WorkforceKind.PRIVATE, None)
        config = {k: params[k] for k in (*WORKFORCE_SETTINGS, "CognitoConfig", "Tags") if params.get(k) is not None}
        if oidc is not None:
            config["OidcConfig"] = _without_secret(oidc)
        wf.sagemaker_json = json.dumps(config)
        wf.updated_at = wf.created_at
        return {"WorkforceArn": call.arn("workforce", wf.name)}


@operation("DescribeWorkforce")
def describe_workforce(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session:
        return {"Workforce": _workforce_shape(call, _workforce(call, session, params["WorkforceName"]))}


@operation("ListWorkforces")
def list_workforces(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions() as session:
        rows = [wf for wf in accounts.live_workforces(session, call.requester_id) if wf.kind == WorkforceKind.PRIVATE]
        rows = _sorted(_name_contains(rows, params), params,
                       {"Name": lambda w: w.name.lower(), "CreateDate": lambda w: w.created_at}, "CreateDate")
        chunk, token = page(rows, params)
        return with_token({"Workforces": [_workforce_shape(call, wf) for wf in chunk]}, token)


@operation("UpdateWorkforce")
def update_workforce(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """IP, VPC and address settings change any time; the OIDC settings only while the workforce has no team
    (its teams name the identity provider's groups), and a Cognito workforce never becomes an OIDC one."""
    with call.deps.sessions.begin() as session:
        wf = _workforce(call, session, params["WorkforceName"])
        config = _stored(wf.sagemaker_json)
        if params.get("OidcConfig") is not None:
            if "CognitoConfig" in config:
                raise errors.validation(f"OidcConfig: workforce '{wf.name}' signs in with Cognito; it cannot "
                                        "switch to OIDC")
            teams = accounts.live_workteams(session, call.requester_id, wf.id)
            if teams:
                raise AwsError("ConflictException", f"OidcConfig: workforce '{wf.name}' has {len(teams)} work "
                               "team(s); the OIDC settings change only while it has none")
            config["OidcConfig"] = _without_secret(params["OidcConfig"])
        config.update({k: params[k] for k in WORKFORCE_SETTINGS if params.get(k) is not None})
        wf.sagemaker_json = json.dumps(config)
        wf.updated_at = call.deps.clock.now()
        session.flush()
        return {"Workforce": _workforce_shape(call, wf)}


@operation("DeleteWorkforce")
def delete_workforce(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    with call.deps.sessions.begin() as session:
        wf = _workforce(call, session, params["WorkforceName"])
        with domain_errors(WORKFORCE_FIELDS):
            accounts.delete_workforce(session, call.deps.clock, wf)
        return {}


# --- the worker's view: jobs of a team ----------------------------------------------------------------------------

def _team_counters(session: Session, job: Job) -> dict[str, int]:
    """LabelCountersForWorkteam, from the same object states as the job's LabelCounters: objects labeled by
    people, objects still waiting for them (queued or open), and the dataset's objects."""
    counts = queries.job_counts(session, job)
    states, counters = counts.states, counts.counters
    pending = states.get(ObjectState.QUEUED, 0) + states.get(ObjectState.OPEN, 0)
    total = counters.TotalLabeled + counters.FailedNonRetryableError + counters.Unlabeled
    return {"HumanLabeled": counters.HumanLabeled, "PendingHuman": pending, "Total": total}


def _job_summary(session: Session, job: Job, account: str, code: str) -> dict[str, Any]:
    return {"LabelingJobName": job.name, "JobReferenceCode": code, "WorkRequesterAccountId": account,
            "CreationTime": job.created_at, "LabelCounters": _team_counters(session, job),
            "NumberOfHumanWorkersPerDataObject": job.workers_per_object}


@operation("ListLabelingJobsForWorkteam")
def list_labeling_jobs_for_workteam(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """The labeling jobs a team works on (the team's own requester's; a flow definition's standing job is a human
    review, not a labeling job), oldest first unless SortOrder says otherwise."""
    with call.deps.sessions.begin() as session:
        team = resolve_workteam_arn(call, session, params["WorkteamArn"], "WorkteamArn")
        jobs = list(session.scalars(select(Job).where(Job.workteam_id == team.id, Job.requester_id == team.requester_id,
                                                      Job.standing.is_(False))))
        jobs = time_window(jobs, params, lambda j: j.created_at, "CreationTimeAfter", "CreationTimeBefore")
        account = arns.requester_account(call.deps.settings.aws_account, team.requester_id)
        codes = {j.id: arns.job_reference_code(account, j.id, j.sagemaker_json) for j in jobs}
        needle = params.get("JobReferenceCodeContains")
        if needle:
            jobs = [j for j in jobs if needle in codes[j.id]]
        jobs = _sorted(jobs, params, {"CreationTime": lambda j: j.created_at}, "CreationTime")
        chunk, token = page(jobs, params)
        return with_token({"LabelingJobSummaryList": [_job_summary(session, j, account, codes[j.id])
                                                      for j in chunk]}, token)
