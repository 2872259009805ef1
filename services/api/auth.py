"""Bearer-token authentication for requesters (API keys) and labelers (their own tokens).

Digest lookups are cached for a few seconds per process: the serve path authenticates every pull and submit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from shared.bootstrap import Deps
from shared.domain.errors import Unauthorized
from shared.services import accounts
from shared.services.tokens import LABELER_PREFIX, REQUESTER_PREFIX


def deps() -> Deps:
    return current_app.extensions["groundwork"]  # type: ignore[no-any-return]


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>'", "Authorization")
    return token.strip()


def _cached(kind: str, token: str, lookup: Callable[[Any, str], int | None]) -> int | None:
    d = deps()
    cache: dict[tuple[str, str], tuple[float, int | None]] = d.cache.setdefault("auth", {})
    now = time.monotonic()
    hit = cache.get((kind, token))
    if hit and hit[0] > now and hit[1] is not None:
        return hit[1]
    with d.sessions() as session:
        principal = lookup(session, token)
    if len(cache) > 10_000:
        cache.clear()
    cache[(kind, token)] = (now + d.settings.auth_cache_seconds, principal)
    return principal


def requester_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _bearer()
        rid = _cached("requester", token, accounts.requester_for_token) if token.startswith(REQUESTER_PREFIX) else None
        if rid is None:
            raise Unauthorized("unknown or revoked requester API key", "Authorization")
        g.requester_id = rid
        return view(*args, **kwargs)

    return wrapper


def labeler_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _bearer()
        lid = _cached("labeler", token, accounts.labeler_for_token) if token.startswith(LABELER_PREFIX) else None
        if lid is None:
            raise Unauthorized("unknown labeler token", "Authorization")
        g.labeler_id = lid
        return view(*args, **kwargs)

    return wrapper
