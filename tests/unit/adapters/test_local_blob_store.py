"""LocalBlobStore: `file://` URIs confined to the configured roots, atomic writes, and byte-range line reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.storage import BlobNotFound
from shared.storage.local import LocalBlobStore
from shared.storage.routing import RoutingBlobStore


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def store(root: Path) -> LocalBlobStore:
    return LocalBlobStore((root,))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("not for you")
    return secret


def test_a_file_inside_a_root_round_trips(store: LocalBlobStore, root: Path) -> None:
    uri = (root / "a" / "b" / "data.bin").as_uri()

    store.write_bytes(uri, b"\x00\x01payload")

    assert store.read_bytes(uri) == b"\x00\x01payload"
    assert store.size(uri) == 9
    assert store.exists(uri)
    assert b"".join(store.iter_blocks(uri, block_size=4)) == b"\x00\x01payload"
    assert store.presign_get(uri, 60) is None


def test_percent_encoded_names_and_localhost_are_understood(store: LocalBlobStore, root: Path) -> None:
    (root / "cat 1.png").write_bytes(b"png")

    assert store.read_bytes((root / "cat 1.png").as_uri()) == b"png"
    assert "%20" in (root / "cat 1.png").as_uri()
    assert store.read_bytes(f"file://localhost{root}/cat%201.png") == b"png"


@pytest.mark.parametrize("make_uri", [
    lambda root, outside: outside.as_uri(),
    lambda root, outside: f"file://{root}/../outside/secret.txt",
    lambda root, outside: f"file://{root}/a/../../outside/secret.txt",
    lambda root, outside: f"file://{root}/%2E%2E/outside/secret.txt",
    lambda root, outside: "file:///etc/passwd",
    lambda root, outside: f"file://otherhost{outside}",
    lambda root, outside: f"file://{root}-sibling/secret.txt",
    lambda root, outside: f"s3://bucket{outside}",
    lambda root, outside: str(outside),
], ids=["absolute", "dot-dot", "nested-dot-dot", "encoded-dot-dot", "etc-passwd", "remote-host", "sibling-prefix",
        "other-scheme", "bare-path"])
def test_a_uri_outside_the_roots_is_not_found(store: LocalBlobStore, root: Path, outside: Path,
                                              make_uri: object) -> None:
    sibling = Path(f"{root}-sibling")
    sibling.mkdir()
    (sibling / "secret.txt").write_text("sibling")
    uri = make_uri(root, outside)  # type: ignore[operator]

    with pytest.raises(BlobNotFound):
        store.read_bytes(uri)
    with pytest.raises(BlobNotFound):
        store.write_bytes(uri, b"overwrite")
    with pytest.raises(BlobNotFound):
        store.size(uri)
    with pytest.raises(BlobNotFound):
        list(store.iter_blocks(uri))
    with pytest.raises(BlobNotFound):
        list(store.iter_lines(uri, 0, 5))
    assert store.exists(uri) is False
    assert outside.read_text() == "not for you"


def test_a_symlink_inside_a_root_that_points_outside_is_refused(store: LocalBlobStore, root: Path,
                                                                outside: Path) -> None:
    (root / "link.txt").symlink_to(outside)
    (root / "linked-dir").symlink_to(outside.parent, target_is_directory=True)

    for uri in ((root / "link.txt").as_uri(), (root / "linked-dir" / "secret.txt").as_uri()):
        with pytest.raises(BlobNotFound):
            store.read_bytes(uri)
        with pytest.raises(BlobNotFound):
            store.write_bytes(uri, b"overwrite")
        assert store.exists(uri) is False
    assert outside.read_text() == "not for you"


def test_a_symlink_that_stays_inside_the_roots_is_followed(store: LocalBlobStore, root: Path) -> None:
    (root / "real.txt").write_text("inside")
    (root / "alias.txt").symlink_to(root / "real.txt")

    assert store.read_bytes((root / "alias.txt").as_uri()) == b"inside"


def test_a_missing_file_or_a_folder_is_not_found(store: LocalBlobStore, root: Path) -> None:
    (root / "folder").mkdir()
    for uri in ((root / "missing.txt").as_uri(), (root / "folder").as_uri()):
        with pytest.raises(BlobNotFound):
            store.read_bytes(uri)
        assert store.exists(uri) is False
    with pytest.raises(BlobNotFound):
        store.size((root / "missing.txt").as_uri())
    with pytest.raises(BlobNotFound):
        list(store.iter_blocks((root / "missing.txt").as_uri()))


def test_any_of_several_roots_may_be_used(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    store = LocalBlobStore((first, second))

    store.write_bytes((second / "x.txt").as_uri(), b"two")

    assert (second / "x.txt").read_bytes() == b"two"
    with pytest.raises(BlobNotFound):
        store.read_bytes((tmp_path / "x.txt").as_uri())


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary_files(store: LocalBlobStore, root: Path) -> None:
    target = root / "out" / "output.manifest"
    uri = target.as_uri()
    store.write_bytes(uri, b"old contents\n")
    os.link(target, root / "reader-still-has-this")  # a reader that opened the old file keeps reading it

    store.write_bytes(uri, b"new\n")

    assert target.read_bytes() == b"new\n"
    assert (root / "reader-still-has-this").read_bytes() == b"old contents\n"  # renamed over, not rewritten in place
    assert sorted(p.name for p in target.parent.iterdir()) == ["output.manifest"]


def test_upload_file_copies_a_spool_file_into_place(store: LocalBlobStore, root: Path, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.write_bytes(b"x" * (3 << 20))  # more than one copy block

    store.upload_file((root / "up" / "big.bin").as_uri(), spool)

    assert (root / "up" / "big.bin").read_bytes() == spool.read_bytes()
    assert sorted(p.name for p in (root / "up").iterdir()) == ["big.bin"]


def test_a_failed_upload_keeps_the_old_file_and_leaves_no_temporary_file(store: LocalBlobStore, root: Path,
                                                                         tmp_path: Path) -> None:
    target = root / "out" / "output.manifest"
    store.write_bytes(target.as_uri(), b"previous export\n")

    with pytest.raises(FileNotFoundError):
        store.upload_file(target.as_uri(), tmp_path / "no-such-spool")
    with pytest.raises(TypeError):
        store.write_bytes(target.as_uri(), "text, not bytes")  # type: ignore[arg-type]

    assert target.read_bytes() == b"previous export\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["output.manifest"]


CONTENT = b'{"a": 1}\r\n\n{"b": 2}\n{"c": 3}'


@pytest.mark.parametrize(("start", "end", "lines"), [
    (0, len(CONTENT), [b'{"a": 1}', b"", b'{"b": 2}', b'{"c": 3}']),
    (0, 10, [b'{"a": 1}']),
    (0, 11, [b'{"a": 1}', b""]),
    (11, 20, [b'{"b": 2}']),
    (20, len(CONTENT), [b'{"c": 3}']),
    (20, 10_000, [b'{"c": 3}']),
    (5, 5, []),
    (len(CONTENT), len(CONTENT), []),
])
def test_iter_lines_reads_exactly_its_byte_range(store: LocalBlobStore, root: Path, start: int, end: int,
                                                 lines: list[bytes]) -> None:
    uri = (root / "m.jsonl").as_uri()
    store.write_bytes(uri, CONTENT)

    assert list(store.iter_lines(uri, start, end)) == lines


def test_routing_sends_each_scheme_to_its_store_and_refuses_others(store: LocalBlobStore, root: Path) -> None:
    made: list[str] = []

    def s3_factory() -> object:
        made.append("s3")
        raise AssertionError("no S3 client should be built for file:// URIs")

    routing = RoutingBlobStore(store, s3_factory)
    routing.write_bytes((root / "r.txt").as_uri(), b"routed")

    assert routing.read_bytes((root / "r.txt").as_uri()) == b"routed"
    assert routing.exists("http://example.com/r.txt") is False
    with pytest.raises(BlobNotFound):
        routing.read_bytes("http://example.com/r.txt")
    assert made == []
