"""Send each URI to the adapter for its scheme: a job may read `file://` input and write `s3://` output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.storage.base import BlobNotFound, BlobStore
from shared.storage.local import LocalBlobStore
from shared.storage.s3 import S3BlobStore


class RoutingBlobStore:
    def __init__(self, local: LocalBlobStore, s3_factory: Any) -> None:
        self.local = local
        self._s3_factory = s3_factory
        self._s3: S3BlobStore | None = None

    def _for(self, uri: str) -> BlobStore:
        if uri.startswith("file://"):
            return self.local
        if uri.startswith("s3://"):
            if self._s3 is None:  # boto3 clients are built on first use, never at import or fork time
                self._s3 = S3BlobStore(self._s3_factory())
            return self._s3
        raise BlobNotFound(f"unsupported URI scheme (use s3:// or file://): {uri[:200]}")

    def read_bytes(self, uri: str) -> bytes:
        return self._for(uri).read_bytes(uri)

    def write_bytes(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._for(uri).write_bytes(uri, data, content_type)

    def upload_file(self, uri: str, path: Path, content_type: str = "application/octet-stream") -> None:
        self._for(uri).upload_file(uri, path, content_type)

    def size(self, uri: str) -> int:
        return self._for(uri).size(uri)

    def exists(self, uri: str) -> bool:
        try:
            return self._for(uri).exists(uri)
        except BlobNotFound:
            return False

    def iter_blocks(self, uri: str, block_size: int = 1 << 20) -> Iterator[bytes]:
        return self._for(uri).iter_blocks(uri, block_size)

    def iter_lines(self, uri: str, start: int, end: int) -> Iterator[bytes]:
        return self._for(uri).iter_lines(uri, start, end)

    def presign_get(self, uri: str, seconds: int) -> str | None:
        return self._for(uri).presign_get(uri, seconds)


def open_blob_store(roots: tuple[Path, ...], endpoint_url: str | None, region: str) -> RoutingBlobStore:
    def s3_client() -> Any:
        import boto3

        return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region)

    return RoutingBlobStore(LocalBlobStore(roots), s3_client)
