"""One authenticated call through the front door: who is asking (the access key's requester, as an AWS account),
and the helpers every operation needs to turn ARNs and names into that requester's own rows."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import request

from services.api.auth import deps
from services.api.sagemaker import errors
from services.api.sagemaker.errors import AwsError
from services.api.sagemaker.shapes import to_datetime
from shared.bootstrap import Deps
from shared.domain import arns, sigv4
from shared.domain.errors import DomainError
from shared.services import access_keys

SIGNING_NAME = "sagemaker"  # both clients sign as `sagemaker`, the A2I runtime too


@dataclass(frozen=True)
class Call:
    deps: Deps
    requester_id: int
    account: str
    region: str

    def arn(self, resource_type: str, name: str) -> str:
        return arns.sagemaker_arn(self.region, self.account, resource_type, name)

    def own_arn(self, value: str, resource_type: str, member: str) -> arns.Arn:
        """An ARN of this requester's resource of the given type; another account's is AccessDenied."""
        arn = arns.parse_arn(value)
        if arn is None or arn.resource_type != resource_type or not arn.name:
            raise errors.validation(f"{member}: '{value[:200]}' is not a {resource_type} ARN")
        if arn.account != self.account:
            raise errors.access_denied(
                f"User: arn:aws:iam::{self.account}:root is not authorized to access {value[:200]}: the resource "
                "belongs to another account")
        return arn


def authenticate() -> Call:
    """Verify the request's SigV4 signature with the access key's own secret; the key's requester is the caller."""
    d = deps()
    owners: dict[str, int] = {}

    def secret_for(access_key_id: str) -> str | None:
        with d.sessions() as session:
            found = access_keys.lookup(session, d.settings.secret_key, access_key_id)
        if found is None:
            return None
        owners[access_key_id] = found[1]
        return found[0]

    raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    signed = sigv4.SignedRequest(method=request.method, path=raw_path.split("?", 1)[0],
                                 query=request.query_string.decode("latin-1"), headers=dict(request.headers),
                                 body=request.get_data(cache=True))
    try:
        credential = sigv4.verify(signed, secret_for, d.clock.now(), SIGNING_NAME, d.settings.aws_region)
    except sigv4.SignatureError as exc:
        raise AwsError(exc.code, exc.message, exc.status) from None
    requester_id = owners[credential.access_key]
    return Call(d, requester_id, arns.requester_account(d.settings.aws_account, requester_id),
                d.settings.aws_region)


@contextmanager
def domain_errors(fields: dict[str, str] | None = None) -> Iterator[None]:
    """Groundwork's domain errors as AWS's, naming the request's member instead of Groundwork's field."""
    try:
        yield
    except DomainError as exc:
        raise errors.from_domain(exc, fields) from None


# --- pagination: NextToken is an opaque offset -------------------------------------------------------------------

def page_bounds(params: dict[str, Any], default: int = 10) -> tuple[int, int]:
    token = params.get("NextToken")
    offset = 0
    if token:
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
        except (ValueError, KeyError, TypeError):
            raise errors.validation("NextToken: the token is not one this service issued") from None
        if offset < 0:
            raise errors.validation("NextToken: the token is not one this service issued")
    return offset, int(params.get("MaxResults") or default)


def _next_token(offset: int, returned: int, more: bool) -> str | None:
    if not more:
        return None
    return base64.urlsafe_b64encode(json.dumps({"o": offset + returned}).encode()).decode()


def page(rows: list[Any], params: dict[str, Any], default: int = 10) -> tuple[list[Any], str | None]:
    """One page of an already filtered and sorted list, and the token for the next (None on the last)."""
    offset, limit = page_bounds(params, default)
    chunk = rows[offset:offset + limit]
    return chunk, _next_token(offset, len(chunk), offset + limit < len(rows))


def fetched_page(rows: list[Any], offset: int, limit: int) -> tuple[list[Any], str | None]:
    """The page of rows a query fetched with LIMIT `limit` + 1 at `offset` (the extra row says whether there is a
    next page), and the token for the next (None on the last)."""
    chunk = rows[:limit]
    return chunk, _next_token(offset, len(chunk), len(rows) > limit)


def with_token(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    """A List operation's answer: `NextToken` only where another page follows."""
    return {**body, "NextToken": token} if token else body


def time_window(rows: list[Any], params: dict[str, Any], attribute: Callable[[Any], datetime],
                after: str, before: str) -> list[Any]:
    if params.get(after) is not None:
        low = to_datetime(params[after])
        rows = [r for r in rows if attribute(r) > low]
    if params.get(before) is not None:
        high = to_datetime(params[before])
        rows = [r for r in rows if attribute(r) < high]
    return rows
