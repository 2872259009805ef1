"""Short-lived signed media links for `file://` objects, which the API serves itself (S3 gets presigned URLs)."""

from __future__ import annotations

import calendar
import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from shared.bootstrap import Deps


def sign_media(secret: str, assignment_id: int, expires_epoch: int) -> str:
    message = f"media:{assignment_id}:{expires_epoch}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_media_signature(secret: str, assignment_id: int, expires_epoch: int, signature: str, now_epoch: int) -> bool:
    if expires_epoch < now_epoch:
        return False
    return hmac.compare_digest(sign_media(secret, assignment_id, expires_epoch), signature)


def sign_blob(secret: str, ref: str, expires_epoch: int) -> str:
    """The signature of a link to one stored file: it binds the file's URI and the expiry, nothing else, so the
    link opens that file only, and only until it expires."""
    message = f"blob:{expires_epoch}:{ref}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_blob_signature(secret: str, ref: str, expires_epoch: int, signature: str, now_epoch: int) -> bool:
    if expires_epoch < now_epoch:
        return False
    return hmac.compare_digest(sign_blob(secret, ref, expires_epoch), signature)


def blob_url(deps: Deps, ref: str, seconds: int | None = None) -> str:
    """A short-lived link a browser can open for one stored file: S3's presigned URL for `s3://`, else the API's
    own signed `/api/v1/blob` path (relative: the caller makes it absolute if it must). Bucket credentials never
    leave the server."""
    seconds = seconds or deps.settings.media_url_seconds
    presigned = deps.blobs.presign_get(ref, seconds) if ref.startswith("s3://") else None
    if presigned:
        return presigned
    exp = calendar.timegm((deps.clock.now() + timedelta(seconds=seconds)).timetuple())
    sig = sign_blob(deps.settings.secret_key, ref, exp)
    return f"/api/v1/blob?{urlencode({'ref': ref, 'exp': exp, 'sig': sig})}"
