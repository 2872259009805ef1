"""Blob stores against a real S3 server (moto, over HTTP): whole objects, byte ranges streamed as lines,
presigned reads and missing keys; and the local store's confinement to its root folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from demo.processes import S3_CREDENTIALS
from shared.services.ingest import plan_chunks
from shared.storage import BlobNotFound, open_blob_store
from shared.storage.local import LocalBlobStore
from shared.storage.s3 import S3BlobStore

pytestmark = pytest.mark.integration

LINES = [b'{"source": "first"}', b'{"source": "second, CRLF"}', b"", b'{"source": "\xc3\xa9t\xc3\xa9"}',
         b'{"source": "fifth"}', b'{"source": "last, no newline"}']
# Mixed endings on purpose: LF, CRLF, a blank CRLF line, LF, CRLF, and none at the very end.
CONTENT = (LINES[0] + b"\n" + LINES[1] + b"\r\n" + LINES[2] + b"\r\n" + LINES[3] + b"\n" + LINES[4] + b"\r\n"
           + LINES[5])


@pytest.fixture
def client(s3_endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def store(client: Any) -> S3BlobStore:
    return S3BlobStore(client)


def test_bytes_written_to_s3_read_back_with_their_size(store: S3BlobStore, client: Any) -> None:
    uri = "s3://groundwork/t/roundtrip.bin"
    data = bytes(range(256)) * 10
    store.write_bytes(uri, data, "application/octet-stream")
    assert store.read_bytes(uri) == data
    assert store.size(uri) == len(data)
    assert store.exists(uri) and not store.exists("s3://groundwork/t/roundtrip.bin.missing")
    assert client.head_object(Bucket="groundwork", Key="t/roundtrip.bin")["ContentType"] == "application/octet-stream"


def test_an_uploaded_file_lands_under_its_key(store: S3BlobStore, tmp_path: Path) -> None:
    local = tmp_path / "up.jsonl"
    local.write_bytes(CONTENT)
    store.upload_file("s3://groundwork/t/up.jsonl", local, "application/jsonlines")
    assert store.read_bytes("s3://groundwork/t/up.jsonl") == CONTENT


def test_blocks_stream_the_whole_object_in_pieces(store: S3BlobStore) -> None:
    uri = "s3://groundwork/t/blocks.bin"
    data = b"0123456789" * 1000
    store.write_bytes(uri, data)
    blocks = list(store.iter_blocks(uri, block_size=4096))
    assert len(blocks) >= 3
    assert b"".join(blocks) == data


def test_lines_of_every_planned_byte_range_rebuild_the_manifest(store: S3BlobStore) -> None:
    uri = "s3://groundwork/t/lines.manifest"
    store.write_bytes(uri, CONTENT)
    assert list(store.iter_lines(uri, 0, len(CONTENT))) == LINES
    for chunk_lines in (1, 2, 4):
        chunks, total = plan_chunks(store.iter_blocks(uri, block_size=7), chunk_lines)
        assert total == len(LINES)
        seen: list[bytes] = []
        for chunk in chunks:
            part = list(store.iter_lines(uri, chunk.start, chunk.end))
            assert chunk.first_line_no == len(seen)
            seen.extend(part)
        assert seen == LINES, chunk_lines


def test_a_range_in_the_middle_yields_only_its_lines(store: S3BlobStore) -> None:
    uri = "s3://groundwork/t/middle.manifest"
    store.write_bytes(uri, CONTENT)
    start = CONTENT.index(LINES[1])
    end = CONTENT.index(LINES[4])
    assert list(store.iter_lines(uri, start, end)) == LINES[1:4]
    assert list(store.iter_lines(uri, end, end)) == []
    tail = CONTENT.index(LINES[5])
    assert list(store.iter_lines(uri, tail, len(CONTENT))) == [LINES[5]]


def test_a_presigned_url_fetches_the_bytes_without_credentials(store: S3BlobStore) -> None:
    uri = "s3://groundwork/t/image.png"
    store.write_bytes(uri, b"\x89PNG fake image", "image/png")
    url = store.presign_get(uri, 60)
    assert url is not None and url.startswith("http")
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"\x89PNG fake image"


def test_a_missing_key_or_bucket_raises_blob_not_found(store: S3BlobStore) -> None:
    for uri in ("s3://groundwork/t/nothing-here", "s3://no-such-bucket/x"):
        with pytest.raises(BlobNotFound):
            store.read_bytes(uri)
        with pytest.raises(BlobNotFound):
            store.size(uri)
        with pytest.raises(BlobNotFound):
            list(store.iter_blocks(uri))
        with pytest.raises(BlobNotFound):
            list(store.iter_lines(uri, 0, 10))
        assert not store.exists(uri)


def test_the_routing_store_sends_each_scheme_to_its_adapter(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    blobs = open_blob_store((tmp_path,), s3_endpoint, "us-east-1")
    local_uri = (tmp_path / "out" / "a.json").as_uri()
    blobs.write_bytes(local_uri, b"local")
    blobs.write_bytes("s3://groundwork/t/routed.json", b"remote")
    assert (tmp_path / "out" / "a.json").read_bytes() == b"local"
    assert blobs.read_bytes("s3://groundwork/t/routed.json") == b"remote"
    assert blobs.presign_get(local_uri, 60) is None
    assert blobs.presign_get("s3://groundwork/t/routed.json", 60) is not None
    with pytest.raises(BlobNotFound):
        blobs.read_bytes("http://example.com/x")
    assert not blobs.exists("gs://bucket/x")


def test_the_local_store_refuses_paths_outside_its_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "in").mkdir(parents=True)
    (root / "in" / "ok.txt").write_bytes(b"ok")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    (root / "in" / "link.txt").symlink_to(outside)
    store = LocalBlobStore((root,))
    assert store.read_bytes((root / "in" / "ok.txt").as_uri()) == b"ok"
    refused = [outside.as_uri(), f"file://{root}/in/../../secret.txt", (root / "in" / "link.txt").as_uri(),
               "file:///etc/passwd", "file://otherhost/etc/passwd", f"file://{tmp_path}/rootish/x"]
    for uri in refused:
        with pytest.raises(BlobNotFound):
            store.read_bytes(uri)
        assert not store.exists(uri)
    with pytest.raises(BlobNotFound):
        store.write_bytes((tmp_path / "written.txt").as_uri(), b"x")
    with pytest.raises(BlobNotFound):
        list(store.iter_blocks(outside.as_uri()))
    assert not (tmp_path / "written.txt").exists()
