"""`file://` blobs, confined to configured root folders so a job cannot read arbitrary host files."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from shared.storage.base import BlobNotFound, lines_from_stream


class LocalBlobStore:
    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.roots = tuple(r.resolve() for r in roots)

    def path_of(self, uri: str) -> Path:
        parsed = urlparse(uri)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise BlobNotFound(f"not a local file:// URI: {uri[:200]}")
        path = Path(unquote(parsed.path)).resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise BlobNotFound(f"{uri[:200]} is outside the folders this service may use (GW_FILE_ROOTS)")
        return path

    def read_bytes(self, uri: str) -> bytes:
        try:
            return self.path_of(uri).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFound(f"no such file: {uri[:200]}") from None

    def write_bytes(self, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self.path_of(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a crash mid-write never leaves a half file under the final name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)  # a failed write leaves neither a half file nor a stray temp file
            raise

    def upload_file(self, uri: str, path: Path, content_type: str = "application/octet-stream") -> None:
        target = self.path_of(uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                while block := src.read(1 << 20):
                    out.write(block)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def size(self, uri: str) -> int:
        try:
            return self.path_of(uri).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(f"no such file: {uri[:200]}") from None

    def exists(self, uri: str) -> bool:
        try:
            return self.path_of(uri).is_file()
        except BlobNotFound:
            return False

    def iter_blocks(self, uri: str, block_size: int = 1 << 20) -> Iterator[bytes]:
        try:
            fh = open(self.path_of(uri), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise BlobNotFound(f"no such file: {uri[:200]}") from None
        with fh:
            while block := fh.read(block_size):
                yield block

    def iter_lines(self, uri: str, start: int, end: int) -> Iterator[bytes]:
        path = self.path_of(uri)
        if not path.is_file():  # checked now, not on first iteration, so callers see BlobNotFound up front
            raise BlobNotFound(f"no such file: {uri[:200]}")

        def blocks() -> Iterator[bytes]:
            with open(path, "rb") as fh:
                fh.seek(start)
                left = end - start
                while left > 0 and (block := fh.read(min(1 << 20, left))):
                    left -= len(block)
                    yield block

        return lines_from_stream(blocks())

    def presign_get(self, uri: str, seconds: int) -> str | None:
        return None
