"""Requesters' AWS-style access key pairs, for boto3 clients pointed at Groundwork's SageMaker front door.

SigV4 proves a request with an HMAC keyed by the secret, so the server must be able to recover the secret: it is
stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256 tag) under a key derived from GW_SECRET_KEY, and shown
to the requester once. Rotating GW_SECRET_KEY makes existing pairs unreadable, so they stop verifying.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.clock import Clock
from shared.domain.errors import NotFound
from shared.persistence.tables import AccessKey

# AWS access key ids are 20 upper-case characters; ours start with GW so they are recognisable in logs.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class IssuedPair:
    access_key_id: str
    secret_access_key: str


def _cipher(server_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"groundwork-access-keys\0" + server_key.encode())
                                           .digest()))


def create_pair(session: Session, clock: Clock, server_key: str, requester_id: int) -> IssuedPair:
    """A new pair for the requester; the secret is returned here only."""
    key_id = "GW" + "".join(secrets.choice(_ALPHABET) for _ in range(18))
    secret = secrets.token_urlsafe(30)  # 40 characters, as AWS's secrets are
    session.add(AccessKey(requester_id=requester_id, access_key_id=key_id,
                          secret_ciphertext=_cipher(server_key).encrypt(secret.encode()).decode(),
                          created_at=clock.now()))
    session.flush()
    return IssuedPair(key_id, secret)


def lookup(session: Session, server_key: str, access_key_id: str) -> tuple[str, int] | None:
    """(secret, requester id) of a live key, else None (unknown, revoked, or sealed under another server key)."""
    row = session.execute(select(AccessKey.secret_ciphertext, AccessKey.requester_id).where(
        AccessKey.access_key_id == access_key_id, AccessKey.revoked_at.is_(None))).first()
    if row is None:
        return None
    try:
        return _cipher(server_key).decrypt(row[0].encode()).decode(), row[1]
    except InvalidToken:
        return None


def list_pairs(session: Session, requester_id: int) -> list[dict[str, object]]:
    rows = session.scalars(select(AccessKey).where(AccessKey.requester_id == requester_id).order_by(AccessKey.id))
    return [{"access_key_id": r.access_key_id, "created_at": r.created_at.isoformat() + "Z",
             "status": "Inactive" if r.revoked_at else "Active"} for r in rows]


def revoke(session: Session, clock: Clock, requester_id: int, access_key_id: str) -> None:
    row = session.scalar(select(AccessKey).where(AccessKey.requester_id == requester_id,
                                                 AccessKey.access_key_id == access_key_id))
    if row is None:
        raise NotFound(f"no access key '{access_key_id[:40]}'", "access_key_id")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
