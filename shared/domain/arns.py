"""Amazon Resource Names for Groundwork's resources, so a boto3 script sees the names it expects.

Each requester is its own AWS-style account: a 12-digit id derived from the operator's base account
(GW_ACCOUNT_ID) and the requester's id, so ARNs are stable, differ between requesters, and an ARN names its owner
(a request that names another requester's resource is refused, not looked up). Region and partition come from
the server's settings (GW_REGION); the shapes follow doc §3.1 and §3.11.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

# Ground Truth's own accounts: the public crowd (Mechanical Turk) workteam and the fixed task UIs, and the
# automated-labeling algorithms.
AWS_WORKFORCE_ACCOUNT = "394669845002"
AWS_ALGORITHM_ACCOUNT = "027400017018"
_ARN = re.compile(r"arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d{12}|):"
                  r"(?P<resource>.+)")


def requester_account(base_account: str, requester_id: int) -> str:
    """The requester's 12-digit account id: the operator's base account plus the requester's id."""
    return f"{(int(base_account) + requester_id) % 10**12:012d}"


def default_role_arn(account: str) -> str:
    """The execution role a job or flow shows (and its hooks receive) when its request named none."""
    return f"arn:aws:iam::{account}:role/groundwork"


def sagemaker_arn(region: str, account: str, resource_type: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{resource_type}/{name}"


def public_crowd_arn(region: str) -> str:
    return sagemaker_arn(region, AWS_WORKFORCE_ACCOUNT, "workteam", "public-crowd/default")


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource: str  # "labeling-job/pets-v1", "workteam/private-crowd/team-a", "function:PRE-BoundingBox"

    @property
    def resource_type(self) -> str:
        return re.split(r"[/:]", self.resource, maxsplit=1)[0]

    @property
    def name(self) -> str:
        """What follows the resource type: `private-crowd/team-a` for a workteam, `pets-v1` for a job."""
        parts = re.split(r"[/:]", self.resource, maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


def parse_arn(value: str) -> Arn | None:
    match = _ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    return Arn(match["service"], match["region"], match["account"], match["resource"])


def workteam_name(arn: Arn) -> tuple[str, str] | None:
    """(`private-crowd` | `vendor-crowd` | `public-crowd`, team name) of a workteam ARN, else None."""
    if arn.service != "sagemaker" or arn.resource_type != "workteam":
        return None
    kind, _, name = arn.name.partition("/")
    if kind not in ("private-crowd", "vendor-crowd", "public-crowd") or not name:
        return None
    return kind, name


def is_public_crowd(arn: Arn) -> bool:
    return arn.account == AWS_WORKFORCE_ACCOUNT and workteam_name(arn) == ("public-crowd", "default")


def algorithm_task(arn: Arn) -> str | None:
    """`image-classification` | `text-classification` | ... for Ground Truth's automated-labeling algorithm ARNs."""
    if arn.service != "sagemaker" or arn.resource_type != "labeling-job-algorithm-specification":
        return None
    return arn.name or None


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def job_reference_code(account: str, job_id: int, stored_json: str | None = None) -> str:
    """A job's JobReferenceCode (the worker-side name of a job): the one its CreateLabelingJob stored, else the
    requester's 12-digit account and 16 letters and digits derived from the job's id, as Ground Truth's look
    (`507354440914YHSw1jUyO0XYOgL2`); derived, so the same job always shows the same code without storing it."""
    if stored_json:
        try:
            stored = json.loads(stored_json).get("JobReferenceCode")
        except (ValueError, AttributeError):
            stored = None
        if isinstance(stored, str) and stored:
            return stored
    number = int.from_bytes(hashlib.sha256(f"{account}:{job_id}".encode()).digest(), "big")
    letters = []
    for _ in range(16):
        number, digit = divmod(number, len(_ALPHANUMERIC))
        letters.append(_ALPHANUMERIC[digit])
    return account + "".join(letters)


def member_groups(member_definitions: object) -> frozenset[str]:
    """The identity-provider groups a work team's MemberDefinitions name: OIDC groups and Cognito user groups.
    A labeler in any of them is a member of the team."""
    groups: set[str] = set()
    for definition in member_definitions if isinstance(member_definitions, list) else []:
        if not isinstance(definition, dict):
            continue
        oidc = definition.get("OidcMemberDefinition") or {}
        groups.update(g for g in oidc.get("Groups") or [] if isinstance(g, str))
        cognito = definition.get("CognitoMemberDefinition") or {}
        if isinstance(cognito.get("UserGroup"), str):
            groups.add(cognito["UserGroup"])
    return frozenset(groups)
