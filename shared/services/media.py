"""Short-lived signed media links for `file://` objects, which the API serves itself (S3 gets presigned URLs)."""

from __future__ import annotations

import hashlib
import hmac


def sign_media(secret: str, assignment_id: int, expires_epoch: int) -> str:
    message = f"media:{assignment_id}:{expires_epoch}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_media_signature(secret: str, assignment_id: int, expires_epoch: int, signature: str, now_epoch: int) -> bool:
    if expires_epoch < now_epoch:
        return False
    return hmac.compare_digest(sign_media(secret, assignment_id, expires_epoch), signature)
