"""`s3://` blobs through boto3; the endpoint is configurable (SeaweedFS, MinIO, moto, AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from shared.storage.base import BlobNotFound, lines_from_stream, split_s3_uri

_MISSING = {"NoSuchKey", "404", "NoSuchBucket", "NotFound"}


class S3BlobStore:
    def __init__(self, client: Any) -> None:
        self.client = client

    def _get(self, uri: str, **extra: Any) -> Any:
        bucket, key = split_s3_uri(uri)
        try:
            return self.client.get_object(Bucket=bucket, Key=key, **extra)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise BlobNotFound(f"no such object: {uri[:200]}") from None
            raise

    def read_bytes(self, uri: str) -> bytes:
        return self._get(uri)["Body"].read()

    def write_bytes(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        bucket, key = split_s3_uri(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)

    def upload_file(self, uri: str, path: Path, content_type: str = "application/octet-stream") -> None:
        bucket, key = split_s3_uri(uri)
        self.client.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})

    def size(self, uri: str) -> int:
        bucket, key = split_s3_uri(uri)
        try:
            return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise BlobNotFound(f"no such object: {uri[:200]}") from None
            raise

    def exists(self, uri: str) -> bool:
        try:
            self.size(uri)
        except BlobNotFound:
            return False
        return True

    def iter_blocks(self, uri: str, block_size: int = 1 << 20) -> Iterator[bytes]:
        body = self._get(uri)["Body"]
        try:
            yield from body.iter_chunks(block_size)
        finally:
            body.close()

    def iter_lines(self, uri: str, start: int, end: int) -> Iterator[bytes]:
        if end <= start:
            return iter(())
        body = self._get(uri, Range=f"bytes={start}-{end - 1}")["Body"]
        return lines_from_stream(body.iter_chunks(1 << 20))

    def presign_get(self, uri: str, seconds: int) -> str | None:
        bucket, key = split_s3_uri(uri)
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds
            )
        )
