"""The blob-store port: whole objects, byte ranges streamed line by line, and presigned reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol


class BlobNotFound(FileNotFoundError):
    """The URI names nothing, or something outside what this service may read."""


class BlobStore(Protocol):
    def read_bytes(self, uri: str) -> bytes: ...

    def write_bytes(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    def upload_file(self, uri: str, path: Path, content_type: str = "application/octet-stream") -> None: ...

    def size(self, uri: str) -> int: ...

    def exists(self, uri: str) -> bool: ...

    def iter_blocks(self, uri: str, block_size: int = 1 << 20) -> Iterator[bytes]: ...

    def iter_lines(self, uri: str, start: int, end: int) -> Iterator[bytes]:
        """Lines of bytes [start, end), newline stripped, streamed: a chunk is never read whole."""
        ...

    def presign_get(self, uri: str, seconds: int) -> str | None:
        """A short-lived URL a browser can fetch, or None when the API must serve the bytes itself."""
        ...


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri[:100]}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"s3 URI without a bucket: {uri[:100]}")
    return bucket, key


def lines_from_stream(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Split a block stream into lines without holding more than one line plus one block."""
    pending = b""
    for block in blocks:
        pending += block
        start = 0
        while True:
            nl = pending.find(b"\n", start)
            if nl < 0:
                break
            yield pending[start:nl].rstrip(b"\r")
            start = nl + 1
        pending = pending[start:]
    if pending:
        yield pending.rstrip(b"\r")
