"""Bearer tokens: 256 random bits shown once, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

REQUESTER_PREFIX = "gwk_"
LABELER_PREFIX = "gwl_"
VENDOR_PREFIX = "gwv_"  # a vendor workforce's credential: its labelers sign in to the portal with it


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
