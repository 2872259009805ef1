"""Access key pairs for boto3: a requester signed in with its API key gets an AWS-style pair for the SageMaker
front door. The secret is shown once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g

from services.api.auth import deps, requester_required
from services.api.registry import registry
from shared.domain import arns
from shared.services import access_keys

bp = Blueprint("access_keys", __name__, url_prefix="/api/v1/access-keys")


@registry.route(bp, "", "POST", "Create an AWS-style access key pair for boto3 clients (the secret is shown once)",
                auth="requester", responses={201: "Created"})
@requester_required
def create_pair() -> Any:
    d = deps()
    with d.sessions.begin() as session:
        pair = access_keys.create_pair(session, d.clock, d.settings.secret_key, g.requester_id)
    return {"access_key_id": pair.access_key_id, "secret_access_key": pair.secret_access_key,
            "region": d.settings.aws_region,
            "account_id": arns.requester_account(d.settings.aws_account, g.requester_id)}, 201


@registry.route(bp, "", "GET", "List your access keys (without secrets)", auth="requester")
@requester_required
def list_pairs() -> Any:
    with deps().sessions() as session:
        return {"items": access_keys.list_pairs(session, g.requester_id)}


@registry.route(bp, "/<access_key_id>", "DELETE", "Revoke an access key: its signatures stop verifying",
                auth="requester", responses={204: "Revoked", 404: "No such key"})
@requester_required
def revoke_pair(access_key_id: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        access_keys.revoke(session, d.clock, g.requester_id, access_key_id)
    return Response(status=204)
