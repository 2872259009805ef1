"""S3BlobStore against botocore's Stubber: the exact calls it makes, and how S3's errors map to BlobNotFound."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from shared.storage import BlobNotFound, split_s3_uri
from shared.storage.s3 import S3BlobStore


@pytest.fixture
def client() -> Any:
    return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test").client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def test_read_bytes_gets_the_object(client: Any, stub: Stubber) -> None:
    stub.add_response("get_object", {"Body": _body(b"hello")}, {"Bucket": "bkt", "Key": "in/data.jsonl"})

    assert S3BlobStore(client).read_bytes("s3://bkt/in/data.jsonl") == b"hello"


def test_write_bytes_puts_the_object_with_its_content_type(client: Any, stub: Stubber) -> None:
    stub.add_response("put_object", {}, {"Bucket": "bkt", "Key": "out/output.manifest", "Body": b"line\n",
                                         "ContentType": "application/jsonlines"})

    S3BlobStore(client).write_bytes("s3://bkt/out/output.manifest", b"line\n", "application/jsonlines")


def test_size_and_exists_head_the_object(client: Any, stub: Stubber) -> None:
    stub.add_response("head_object", {"ContentLength": 1234}, {"Bucket": "bkt", "Key": "k"})
    stub.add_response("head_object", {"ContentLength": 0}, {"Bucket": "bkt", "Key": "empty"})
    store = S3BlobStore(client)

    assert store.size("s3://bkt/k") == 1234
    assert store.exists("s3://bkt/empty") is True


@pytest.mark.parametrize(("code", "status"), [("NoSuchKey", 404), ("NoSuchBucket", 404)])
def test_a_missing_object_or_bucket_is_blob_not_found_on_get(client: Any, stub: Stubber, code: str,
                                                             status: int) -> None:
    stub.add_client_error("get_object", service_error_code=code, http_status_code=status)
    stub.add_client_error("get_object", service_error_code=code, http_status_code=status)
    store = S3BlobStore(client)

    with pytest.raises(BlobNotFound, match="s3://bkt/missing"):
        store.read_bytes("s3://bkt/missing")
    with pytest.raises(BlobNotFound):
        list(store.iter_blocks("s3://bkt/missing"))


def test_a_missing_object_is_blob_not_found_on_head(client: Any, stub: Stubber) -> None:
    # HEAD responses have no body, so S3 reports a missing key as a bare "404".
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    stub.add_client_error("head_object", service_error_code="404", http_status_code=404)
    store = S3BlobStore(client)

    with pytest.raises(BlobNotFound):
        store.size("s3://bkt/missing")
    assert store.exists("s3://bkt/missing") is False


def test_other_s3_errors_are_not_mistaken_for_a_missing_object(client: Any, stub: Stubber) -> None:
    stub.add_client_error("get_object", service_error_code="AccessDenied", http_status_code=403)
    stub.add_client_error("head_object", service_error_code="403", http_status_code=403)
    store = S3BlobStore(client)

    with pytest.raises(ClientError) as denied:
        store.read_bytes("s3://bkt/secret")
    assert not isinstance(denied.value, BlobNotFound)
    with pytest.raises(ClientError):
        store.exists("s3://bkt/secret")


def test_iter_blocks_streams_the_body(client: Any, stub: Stubber) -> None:
    stub.add_response("get_object", {"Body": _body(b"abcdefg")}, {"Bucket": "bkt", "Key": "k"})

    assert list(S3BlobStore(client).iter_blocks("s3://bkt/k", block_size=3)) == [b"abc", b"def", b"g"]


def test_iter_lines_asks_for_the_byte_range_and_splits_it(client: Any, stub: Stubber) -> None:
    stub.add_response("get_object", {"Body": _body(b'{"b": 2}\r\n{"c": 3}')},
                      {"Bucket": "bkt", "Key": "m.jsonl", "Range": "bytes=11-28"})

    lines = list(S3BlobStore(client).iter_lines("s3://bkt/m.jsonl", 11, 29))

    assert lines == [b'{"b": 2}', b'{"c": 3}']


def test_an_empty_byte_range_makes_no_request(client: Any, stub: Stubber) -> None:
    assert list(S3BlobStore(client).iter_lines("s3://bkt/m.jsonl", 7, 7)) == []


def test_presign_get_makes_a_signed_url_without_a_request(client: Any, stub: Stubber) -> None:
    url = S3BlobStore(client).presign_get("s3://bkt/images/cat.png", 900)

    assert url.startswith("http://127.0.0.1:9/bkt/images/cat.png?")
    assert "Expires=" in url or "X-Amz-Expires=900" in url


@pytest.mark.parametrize(("uri", "parts"), [
    ("s3://bkt/a/b.jsonl", ("bkt", "a/b.jsonl")),
    ("s3://bkt/", ("bkt", "")),
    ("s3://bkt", ("bkt", "")),
])
def test_split_s3_uri(uri: str, parts: tuple[str, str]) -> None:
    assert split_s3_uri(uri) == parts


@pytest.mark.parametrize("uri", ["s3:///key", "file:///tmp/x", "bkt/key", "S3://bkt/key"])
def test_split_s3_uri_refuses_what_is_not_an_s3_uri(uri: str) -> None:
    with pytest.raises(ValueError):
        split_s3_uri(uri)
