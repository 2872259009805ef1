"""AWS Signature Version 4, checked on the server side (the first piece of the boto3 drop-in, issue 6).

A boto3 client signs every request with its access key's secret; the server rebuilds the same canonical request
from what it received, derives the same signing key and compares signatures. Any byte of the body, any signed
header, the region, the service or the date changes the signature. The steps and names follow AWS's
"Create a signed AWS API request" guide (canonical request, string to sign, signing key), as botocore's
`SigV4Auth` implements them for JSON and REST services.

Errors carry the codes AWS's JSON services answer with, so boto3 raises the exception a script expects:
IncompleteSignatureException (a malformed or partial Authorization header), UnrecognizedClientException (an
unknown access key), InvalidSignatureException (a signature that does not match, or a request signed more than
15 minutes from the server's clock) and AccessDeniedException (a key scoped to another service).

Pure Python (hashlib, hmac): the caller supplies the secret lookup and the clock.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_UNRESERVED = "-_.~"


# The codes AWS answers with HTTP 403; a malformed signature (IncompleteSignatureException) is a 400.
_FORBIDDEN = frozenset({"InvalidSignatureException", "UnrecognizedClientException",
                        "MissingAuthenticationTokenException", "AccessDeniedException"})


class SignatureError(Exception):
    """A request the server refuses before looking at what it asks; `code` is AWS's `__type`, `status` the HTTP
    status AWS answers it with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = 403 if code in _FORBIDDEN else 400


@dataclass(frozen=True)
class SignedRequest:
    """What arrived: the method, the path as sent (percent-encoded), the raw query string, the headers and the
    body bytes."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Credential:
    access_key: str
    date: str  # YYYYMMDD, the scope's date
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def parse_authorization(value: str | None) -> Credential:
    """`AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/sagemaker/aws4_request, SignedHeaders=a;b,
    Signature=hex`."""
    if not value:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError("IncompleteSignatureException",
                             f"Authorization header requires the {ALGORITHM} algorithm, not '{algorithm[:40]}'")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not parts.get(k)]
    if missing:
        raise SignatureError("IncompleteSignatureException",
                             f"Authorization header requires {', '.join(missing)} parameter(s)")
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope[:4]):
        raise SignatureError("IncompleteSignatureException",
                             "Credential must be <access key>/<date>/<region>/<service>/aws4_request")
    return Credential(access_key=scope[0], date=scope[1], region=scope[2], service=scope[3],
                      signed_headers=tuple(parts["SignedHeaders"].split(";")), signature=parts["Signature"].lower())


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    encoded = sorted((quote(k, safe=_UNRESERVED), quote(v, safe=_UNRESERVED)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _canonical_path(path: str) -> str:
    """The path as the client signed it: botocore quotes the (already encoded) path once more, keeping '/'."""
    return quote(path or "/", safe="/~")


def canonical_request(request: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    lines = []
    for name in signed_headers:
        value = _header(request.headers, name)
        if value is None:
            raise SignatureError("IncompleteSignatureException", f"the signed header '{name[:60]}' is missing")
        lines.append(f"{name}:{' '.join(value.split())}")
    payload = _header(request.headers, "x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()
    return "\n".join([
        request.method.upper(), _canonical_path(request.path), _canonical_query(request.query),
        "\n".join(lines) + "\n", ";".join(signed_headers), payload,
    ])


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret: str, credential: Credential, amz_date: str, canonical: str) -> str:
    key = signing_key(secret, credential.date, credential.region, credential.service)
    return hmac.new(key, string_to_sign(amz_date, credential.scope, canonical).encode(), hashlib.sha256).hexdigest()


def verify(request: SignedRequest, secret_for: Callable[[str], str | None], now: datetime, service: str,
           region: str | None = None) -> Credential:
    """The request's credential when its signature holds, else SignatureError. `secret_for` returns an access
    key's secret (None: unknown key); `now` is naive UTC; `region`, when given, is the only region accepted."""
    credential = parse_authorization(_header(request.headers, "authorization"))
    if "host" not in credential.signed_headers:
        raise SignatureError("IncompleteSignatureException", "the Host header must be signed")
    amz_date = _header(request.headers, "x-amz-date")
    if not amz_date:
        raise SignatureError("IncompleteSignatureException", "the X-Amz-Date header is required")
    try:
        signed_at = datetime.strptime(amz_date, _AMZ_DATE)
    except ValueError:
        raise SignatureError("IncompleteSignatureException", "X-Amz-Date must look like 20261128T120000Z") from None
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureError("InvalidSignatureException",
                             f"Signature expired: {amz_date} is now earlier than or later than "
                             f"{(now - MAX_SKEW).strftime(_AMZ_DATE)} - {(now + MAX_SKEW).strftime(_AMZ_DATE)}")
    if credential.date != amz_date[:8]:
        raise SignatureError("InvalidSignatureException", "the credential's date does not match X-Amz-Date")
    if credential.service != service:
        raise SignatureError("InvalidSignatureException",
                             f"Credential should be scoped to correct service: '{service}'.")
    if region is not None and credential.region != region:
        raise SignatureError("InvalidSignatureException",
                             f"Credential should be scoped to a valid region, not '{credential.region[:40]}'.")
    secret = secret_for(credential.access_key)
    if secret is None:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    expected = signature(secret, credential, amz_date, canonical_request(request, credential.signed_headers))
    if not hmac.compare_digest(expected, credential.signature):
        raise SignatureError("InvalidSignatureException",
                             "The request signature we calculated does not match the signature you provided.")
    return credential
