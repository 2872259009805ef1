"""Manifest ingest: byte-range planning, bad lines as failed objects, limits, and chunks that run twice."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared.domain.manifest import MAX_DATASET_OBJECTS
from shared.messaging import RecordingTaskQueue, TaskNames
from shared.persistence.tables import DataObject, IngestChunk
from shared.services import ingest, lifecycle
from shared.services.ingest import ChunkPlan, plan_chunks
from shared.storage.local import LocalBlobStore
from tests.helpers import drain
from tests.unit.services.world import World, audit_trail_is_complete


def _blocks(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _expected_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if data.endswith(b"\n") or not data:
        lines = lines[:-1]
    return [line.rstrip(b"\r") for line in lines]


def _random_manifest(rng: random.Random, n_lines: int, crlf: bool, trailing_newline: bool) -> bytes:
    end = b"\r\n" if crlf else b"\n"
    lines = [bytes(rng.choice(b"abc{}\": ") for _ in range(rng.randint(0, 40))) for _ in range(n_lines)]
    data = end.join(lines)
    return data + end if trailing_newline and n_lines else data


CASES = [
    # (seed, lines, CRLF, trailing newline, chunk_lines, block size)
    (seed, n, crlf, trailing, chunk_lines, block)
    for seed, (n, chunk_lines, block) in enumerate([
        (0, 3, 7), (1, 1, 1), (1, 3, 2), (2, 2, 3), (5, 2, 1), (6, 3, 4), (9, 3, 64), (10, 5, 1 << 20),
        (17, 4, 5), (40, 1000, 1 << 20), (100, 7, 13), (101, 10, 1),
    ])
    for crlf in (False, True)
    for trailing in (False, True)
]


@pytest.mark.parametrize(("seed", "n_lines", "crlf", "trailing", "chunk_lines", "block"), CASES)
def test_plan_chunks_covers_the_file_exactly_and_numbers_every_line(
        tmp_path: Path, seed: int, n_lines: int, crlf: bool, trailing: bool, chunk_lines: int, block: int) -> None:
    data = _random_manifest(random.Random(seed), n_lines, crlf, trailing)
    expected = _expected_lines(data)

    chunks, total = plan_chunks(_blocks(data, block), chunk_lines)

    assert total == len(expected)
    if not data:
        assert chunks == []
        return
    assert chunks[0].start == 0 and chunks[-1].end == len(data)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end == after.start
    store = LocalBlobStore((tmp_path,))
    path = tmp_path / "m.jsonl"
    path.write_bytes(data)
    numbered: list[tuple[int, bytes]] = []
    for i, chunk in enumerate(chunks):
        assert chunk.first_line_no == data[:chunk.start].count(b"\n")
        lines = list(store.iter_lines(path.as_uri(), chunk.start, chunk.end))
        assert len(lines) == chunk_lines or (i == len(chunks) - 1 and 0 < len(lines) <= chunk_lines)
        numbered += [(chunk.first_line_no + k, line) for k, line in enumerate(lines)]
    assert numbered == list(enumerate(expected))


def test_plan_chunks_of_an_empty_manifest_is_nothing() -> None:
    assert plan_chunks(iter([b""]), 10) == ([], 0)
    assert plan_chunks(iter([]), 10) == ([], 0)


def test_plan_chunks_splits_on_whole_lines_at_the_chunk_size() -> None:
    data = b"aa\nb\r\ncc\nd"
    assert plan_chunks(iter([data]), 2) == ([ChunkPlan(0, 6, 0), ChunkPlan(6, 10, 2)], 4)
    assert plan_chunks(_blocks(data, 1), 3) == ([ChunkPlan(0, 9, 0), ChunkPlan(9, 10, 3)], 4)


BAD = [
    json.dumps({"source": "fine zero"}),
    "not json",
    "",
    json.dumps({"source": "x", "source-ref": "s3://bucket/key.jpg"}),
    json.dumps({"source-ref": "s3://bucket/key.jpg"}),
    json.dumps({"source": "fine five"}),
    "   ",
    "[1, 2]",
    json.dumps({"source": ""}),
    json.dumps({"source": "fine nine"}),
]


@pytest.mark.parametrize("chunk_lines", [2000, 3, 1])
def test_bad_manifest_lines_fail_with_their_line_number_while_good_lines_go_on(world: World,
                                                                               chunk_lines: int) -> None:
    world.deps.settings = world.deps.settings.with_overrides(chunk_lines=chunk_lines)
    job_id = world.create(BAD)

    objects = {o.line_no: o for o in world.objects(job_id)}

    assert world.job(job_id).status == "InProgress" and world.job(job_id).dataset_lines == 10
    assert sorted(objects) == [0, 1, 3, 4, 5, 7, 8, 9]  # blank lines 2 and 6 are skipped
    assert {n for n, o in objects.items() if o.state == "open"} == {0, 5, 9}
    reasons = {n: o.failure_reason for n, o in objects.items() if o.state == "failed"}
    assert reasons[1] is not None and reasons[1].startswith("line 2: not valid JSON")
    assert reasons[3] == "line 4: a line needs exactly one of 'source-ref' and 'source'"
    assert reasons[4] == "line 5: this task type reads 'source', but the line has 'source-ref'"
    assert reasons[7] == "line 8: each line must be a JSON object"
    assert reasons[8] == "line 9: 'source' must be a non-empty string"
    assert objects[5].source == "fine five"


def test_a_line_that_is_not_utf8_fails_alone(world: World) -> None:
    raw = b'{"source": "ok"}\n{"source": "\xff\xfe"}\n{"source": "also ok"}\n'
    job_id = world.create(raw=raw)

    assert [(o.state, o.failure_reason) for o in world.objects(job_id)] == [
        ("open", None), ("failed", "line 2: not valid UTF-8"), ("open", None)]


def test_a_manifest_over_100000_lines_fails_the_job_with_a_reason(world: World) -> None:
    job_id = world.create(raw=b'{"source":"x"}\n' * (MAX_DATASET_OBJECTS + 1))

    job = world.job(job_id)
    assert job.status == "Failed"
    assert job.failure_reason == f"the manifest has {MAX_DATASET_OBJECTS + 1} lines; a job takes at most 100000"
    assert world.objects(job_id) == []
    assert job.export_state == "none"
    audit_trail_is_complete(world, job_id)


def test_a_manifest_of_exactly_100000_lines_is_accepted(world: World) -> None:
    job_id = world.create(raw=b'{"source":"x"}\n' * MAX_DATASET_OBJECTS, ingest=False)
    ingest.plan_ingest(world.deps, job_id)

    job = world.job(job_id)
    assert job.status == "InProgress" and job.dataset_lines == MAX_DATASET_OBJECTS


def test_an_unreadable_manifest_fails_the_job_with_a_reason(world: World) -> None:
    job_id = world.create(ingest=False)
    Path(world.job(job_id).manifest_uri.removeprefix("file://")).unlink()

    drain(world.deps)

    job = world.job(job_id)
    assert job.status == "Failed"
    assert job.failure_reason is not None and job.failure_reason.startswith("cannot read the manifest")
    audit_trail_is_complete(world, job_id)


def _object_count(world: World, job_id: int) -> int:
    with world.deps.sessions() as session:
        return session.scalar(select(func.count()).select_from(DataObject).where(DataObject.job_id == job_id)) or 0


def test_running_ingest_chunk_again_for_a_done_chunk_stores_nothing_twice(world: World) -> None:
    world.deps.settings = world.deps.settings.with_overrides(chunk_lines=2)
    job_id = world.create(BAD, ingest=False)
    ingest.plan_ingest(world.deps, job_id)
    assert world.job(job_id).chunks_total == 5

    assert ingest.ingest_chunk(world.deps, job_id, 0) is True
    assert ingest.ingest_chunk(world.deps, job_id, 0) is False
    drain(world.deps)  # the planner's own messages: chunk 0 again, then 1..4
    drain_again = [ingest.ingest_chunk(world.deps, job_id, n) for n in range(5)]

    assert drain_again == [False] * 5
    assert _object_count(world, job_id) == 8
    with world.deps.sessions() as session:
        chunks = session.execute(select(IngestChunk.chunk_no, IngestChunk.good_lines, IngestChunk.bad_lines)
                                 .where(IngestChunk.job_id == job_id).order_by(IngestChunk.chunk_no)).all()
    assert [tuple(c) for c in chunks] == [(0, 1, 1), (1, 0, 1), (2, 1, 1), (3, 0, 1), (4, 1, 1)]


def test_the_sweep_redrives_lost_plan_and_chunk_messages_once_they_are_stale(world: World) -> None:
    world.deps.settings = world.deps.settings.with_overrides(chunk_lines=2)
    queue = world.deps.queue
    assert isinstance(queue, RecordingTaskQueue)
    job_id = world.create(BAD, ingest=False)
    queue.sent.clear()  # the plan message is lost

    lifecycle.sweep(world.deps)
    assert queue.sent == []  # not stale yet
    world.clock.advance(world.deps.settings.redrive_seconds + 1)
    lifecycle.sweep(world.deps)
    assert queue.sent == [(TaskNames.PLAN_INGEST, {"job_id": job_id})]
    queue.sent.clear()
    ingest.plan_ingest(world.deps, job_id)
    ingest.plan_ingest(world.deps, job_id)  # a duplicate plan message does nothing
    assert len(queue.sent) == 5
    queue.sent.clear()  # every chunk message is lost

    world.clock.advance(world.deps.settings.redrive_seconds + 1)
    lifecycle.sweep(world.deps)
    assert sorted(kw["chunk_no"] for name, kw in queue.sent if name == TaskNames.INGEST_CHUNK) == [0, 1, 2, 3, 4]
    drain(world.deps)

    assert _object_count(world, job_id) == 8
    assert world.states(job_id) == {"open": 3, "failed": 5}



def test_a_manifest_that_disappears_after_planning_fails_the_job_with_the_reason(world: World) -> None:
    job_id = world.create(ingest=False)
    queue = world.deps.queue
    assert isinstance(queue, RecordingTaskQueue)
    name, kwargs = queue.sent.pop(0)
    assert name == TaskNames.PLAN_INGEST
    ingest.plan_ingest(world.deps, **kwargs)
    Path(world.job(job_id).manifest_uri.removeprefix("file://")).unlink()
    assert ingest.ingest_chunk(world.deps, job_id, 0) is False
    job = world.job(job_id)
    assert job.status == "Failed"
    assert "cannot read the manifest" in (job.failure_reason or "")
