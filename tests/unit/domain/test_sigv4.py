"""Server-side SigV4 against botocore's own signer: what a boto3 client signs, the server accepts; any change to
the body, the region, the service, the date or the key is refused with the error code AWS answers with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from shared.domain.sigv4 import SignatureError, SignedRequest, parse_authorization, verify

NOW = datetime(2026, 11, 28, 12, 0, 0)
KEYS = {"AKIDGROUNDWORK": "s3cr3t/with+chars"}


def signed(body: bytes = b'{"LabelingJobName":"pets"}', *, url: str = "http://127.0.0.1:8080/",
           method: str = "POST", service: str = "sagemaker", region: str = "us-east-1",
           token: str | None = None, at: datetime = NOW, secret: str = KEYS["AKIDGROUNDWORK"],
           headers: dict[str, str] | None = None) -> SignedRequest:
    request = AWSRequest(method=method, url=url, data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker.DescribeLabelingJob",
        **(headers or {})})
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        SigV4Auth(Credentials("AKIDGROUNDWORK", secret, token), service, region).add_auth(request)
    parts = urlsplit(url)
    sent = dict(request.headers.items())
    sent.setdefault("Host", parts.netloc)
    return SignedRequest(method=method, path=parts.path, query=parts.query, headers=sent, body=body)


def check(request: SignedRequest, **kwargs: Any) -> Any:
    return verify(request, KEYS.get, kwargs.pop("now", NOW), kwargs.pop("service", "sagemaker"), **kwargs)


def refused(request: SignedRequest, **kwargs: Any) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        check(request, **kwargs)
    return caught.value


def test_what_botocore_signs_is_accepted_with_and_without_a_session_token() -> None:
    assert check(signed()).access_key == "AKIDGROUNDWORK"
    assert check(signed(token="session-token")).region == "us-east-1"


def test_a_rest_request_with_a_path_and_a_query_is_accepted() -> None:
    request = signed(b"", method="GET", service="sagemaker",
                     url="http://127.0.0.1:8080/human-loops?FlowDefinitionArn=arn%3Aaws%3Asagemaker%3Aus-east-1"
                         "%3A1%3Aflow-definition%2Fpets&SortOrder=Ascending&MaxResults=10")
    assert check(request).service == "sagemaker"


def test_a_tampered_body_fails() -> None:
    request = signed()
    tampered = SignedRequest(request.method, request.path, request.query, request.headers,
                             b'{"LabelingJobName":"cats"}')
    assert refused(tampered).code == "InvalidSignatureException"


def test_a_wrong_secret_fails() -> None:
    error = refused(signed(secret="not-the-secret"))
    assert error.code == "InvalidSignatureException" and "does not match" in error.message


def test_an_unknown_key_is_an_unrecognized_client() -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(), {}.get, NOW, "sagemaker")
    assert caught.value.code == "UnrecognizedClientException"


def test_a_wrong_service_or_region_fails() -> None:
    assert "service" in refused(signed(service="s3")).message
    assert "region" in refused(signed(region="eu-west-1"), region="us-east-1").message
    assert check(signed(region="eu-west-1")).region == "eu-west-1"  # any region unless the server pins one


def test_a_clock_skew_over_15_minutes_fails_and_under_passes() -> None:
    assert check(signed(at=NOW - timedelta(minutes=14)))
    error = refused(signed(at=NOW - timedelta(minutes=16)))
    assert error.code == "InvalidSignatureException" and "expired" in error.message
    assert refused(signed(at=NOW + timedelta(minutes=16))).code == "InvalidSignatureException"


def test_a_missing_or_malformed_authorization_header() -> None:
    request = signed()
    bare = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    missing = SignedRequest(request.method, request.path, request.query, bare, request.body)
    assert refused(missing).code == "MissingAuthenticationTokenException"
    with pytest.raises(SignatureError) as caught:
        parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/sagemaker, Signature=ab")
    assert caught.value.code == "IncompleteSignatureException"
    with pytest.raises(SignatureError):
        parse_authorization("Bearer gwk_abc")


def test_an_unsigned_header_may_change_but_a_signed_one_may_not() -> None:
    request = signed()
    extra = SignedRequest(request.method, request.path, request.query,
                          {**request.headers, "X-Forwarded-For": "10.0.0.1"}, request.body)
    assert check(extra)
    changed = {k: ("SageMaker.StopLabelingJob" if k.lower() == "x-amz-target" else v)
               for k, v in request.headers.items()}
    assert refused(SignedRequest(request.method, request.path, request.query, changed, request.body)).code == (
        "InvalidSignatureException")
