"""Manifest ingest as Celery work: plan byte ranges, then store each range in one transaction.

The manifest is streamed and never held whole: the planner only counts newlines, and each chunk reads its own
byte range. A chunk's objects and its `done` flag commit together, so a chunk run twice (a redelivered or
re-driven message) stores nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared import metrics
from shared.bootstrap import Deps
from shared.domain import arns
from shared.domain import hooks as hooks_domain
from shared.domain.manifest import MAX_DATASET_OBJECTS, BadLine, ParsedLine, check_record, parse_line
from shared.domain.states import JobStatus, ObjectState
from shared.domain.task_types import spec_for
from shared.faults import crash_point
from shared.messaging import TaskNames
from shared.persistence.tables import DataObject, IngestChunk, Job
from shared.services import hooks
from shared.services.job_states import transition_job
from shared.services.release import top_up
from shared.storage import BlobNotFound

COLUMNS = ("job_id", "line_no", "raw", "source", "source_ref", "state", "remaining", "answers_count",
           "failure_reason", "task_input_json")


@dataclass(frozen=True)
class ChunkPlan:
    start: int
    end: int
    first_line_no: int


def plan_chunks(blocks: Iterator[bytes], chunk_lines: int) -> tuple[list[ChunkPlan], int]:
    """Byte ranges of `chunk_lines` lines each, and the number of lines, from one pass over the bytes."""
    chunks: list[ChunkPlan] = []
    offset = line_no = chunk_start = chunk_first = 0
    last = b"\n"
    for block in blocks:
        pos = 0
        while (nl := block.find(b"\n", pos)) >= 0:
            line_no += 1
            pos = nl + 1
            if line_no - chunk_first == chunk_lines:
                chunks.append(ChunkPlan(chunk_start, offset + pos, chunk_first))
                chunk_start, chunk_first = offset + pos, line_no
        offset += len(block)
        last = block[-1:] or last
    if offset > chunk_start:
        chunks.append(ChunkPlan(chunk_start, offset, chunk_first))
        if last != b"\n":
            line_no += 1
    return chunks, line_no


def plan_ingest(deps: Deps, job_id: int) -> None:
    """Count the manifest's lines, record its chunks and move the job to InProgress."""
    with deps.sessions.begin() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.INITIALIZING or job.chunks_total is not None:
            return
        now = deps.clock.now()
        try:
            chunks, lines = plan_chunks(deps.blobs.iter_blocks(job.manifest_uri), deps.settings.chunk_lines)
        except (BlobNotFound, OSError) as exc:
            transition_job(session, job, JobStatus.FAILED, now, "ingest", f"cannot read the manifest: {exc}")
            return
        if lines > MAX_DATASET_OBJECTS:
            transition_job(session, job, JobStatus.FAILED, now, "ingest",
                           f"the manifest has {lines} lines; a job takes at most {MAX_DATASET_OBJECTS}")
            return
        if chunks:
            session.execute(insert(IngestChunk), [
                {"job_id": job.id, "chunk_no": i, "start_byte": c.start, "end_byte": c.end,
                 "first_line_no": c.first_line_no, "done": False, "dispatched_at": now}
                for i, c in enumerate(chunks)
            ])
        job.chunks_total, job.dataset_lines = len(chunks), lines
        transition_job(session, job, JobStatus.IN_PROGRESS, now, "ingest")
    for i in range(len(chunks)):
        deps.queue.send(TaskNames.INGEST_CHUNK, job_id=job_id, chunk_no=i)


def _parse(raw_bytes: bytes, source_key: str, prior: str | None) -> tuple[str, ParsedLine]:
    """Decode with orjson (several times faster than the standard library); anything it refuses goes through the
    standard parser, which either accepts it (say, an integer beyond 64 bits) or gives the exact reason."""
    try:
        record = orjson.loads(raw_bytes)
    except orjson.JSONDecodeError:
        text = raw_bytes.decode("utf-8")
        return text, parse_line(text, source_key, prior)
    text = raw_bytes.decode("utf-8")
    return text, check_record(record, text, source_key, prior)


def _rows(deps: Deps, job: Job, chunk: IngestChunk) -> Iterator[tuple[Any, ...]]:
    source_key = spec_for(job.task_type).source_key
    job_id, line_no = job.id, chunk.first_line_no
    # An automated-labeling job's objects wait in the pool: a training round decides who labels each one.
    queued = (ObjectState.POOL if job.auto_labeling_json else ObjectState.QUEUED).value
    failed = ObjectState.FAILED.value
    for raw_bytes in deps.blobs.iter_lines(job.manifest_uri, chunk.start_byte, chunk.end_byte):
        this_line, line_no = line_no, line_no + 1
        if not raw_bytes.strip():
            continue
        try:
            text, parsed = _parse(raw_bytes, source_key, job.prior_attribute)
        except UnicodeDecodeError:
            yield (job_id, this_line, raw_bytes.decode("utf-8", "replace"), None, None, failed, 0, 0,
                   f"line {this_line + 1}: not valid UTF-8", None)
        except BadLine as exc:
            yield (job_id, this_line, raw_bytes.decode("utf-8"), None, None, failed, 0, 0,
                   f"line {this_line + 1}: {exc}", None)
        else:
            yield (job_id, this_line, text, parsed.source, parsed.source_ref, queued, 0, 0, None, None)


def _pre_annotated(deps: Deps, job: Job, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Ground Truth's pre-annotation Lambda, per good line: its `taskInput` is what labelers are shown, and
    `isHumanAnnotationRequired: false` leaves the object to nobody (Unlabeled). A hook that fails or answers
    out of shape fails that object with the reason; the other lines go on."""
    ref = hooks_domain.parse_hook_ref(job.pre_hook or "", "pre_annotation_hook")
    arn = hooks_domain.labeling_job_arn(deps.settings.aws_region,
                                        arns.requester_account(deps.settings.aws_account, job.requester_id), job.name)
    for row in rows:
        if row[8] is not None:
            yield row
            continue
        try:
            hooks.check_allowed(ref, deps.settings.hook_modules, deps.settings.hook_hosts)
            result = hooks.run_pre_annotation(ref, job_arn=arn, data_object=json.loads(row[2]),
                                              timeout_s=deps.settings.hook_timeout_s,
                                              allowed_modules=deps.settings.hook_modules)
        except hooks_domain.HookError as exc:
            yield (*row[:5], ObjectState.FAILED.value, 0, 0, f"line {row[1] + 1}: pre-annotation hook: {exc}", None)
            continue
        state = row[5] if result.human_required else ObjectState.UNLABELED.value
        yield (*row[:5], state, 0, 0, None, json.dumps(result.task_input, ensure_ascii=False))


def _copy_rows(session: Session, rows: Iterator[tuple[Any, ...]]) -> tuple[int, int]:
    """PostgreSQL: COPY inside the chunk's transaction (an order of magnitude faster than INSERTs)."""
    good = bad = 0
    from psycopg.copy import QueuedLibpqWriter

    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    # The queued writer sends from a thread, so parsing the next lines overlaps the server storing these.
    with cursor.copy(f"COPY data_object ({', '.join(COLUMNS)}) FROM STDIN",
                     writer=QueuedLibpqWriter(cursor)) as copy:
        for row in rows:
            copy.write_row(row)
            good, bad = (good + 1, bad) if row[8] is None else (good, bad + 1)
    return good, bad


def _insert_rows(session: Session, rows: Iterator[tuple[Any, ...]], batch: int = 1000) -> tuple[int, int]:
    good = bad = 0
    pending: list[dict[str, Any]] = []
    for row in rows:
        pending.append(dict(zip(COLUMNS, row, strict=True)))
        good, bad = (good + 1, bad) if row[8] is None else (good, bad + 1)
        if len(pending) >= batch:
            session.execute(insert(DataObject), pending)
            pending = []
    if pending:
        session.execute(insert(DataObject), pending)
    return good, bad


def ingest_chunk(deps: Deps, job_id: int, chunk_no: int) -> bool:
    """Store one chunk's lines (bad ones as failed objects with their reason); returns False if done already.

    A manifest that can no longer be read fails the job with the reason instead of being retried forever.
    """
    try:
        return _ingest_chunk(deps, job_id, chunk_no)
    except (BlobNotFound, OSError) as exc:
        with deps.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is not None and job.status in (JobStatus.INITIALIZING, JobStatus.IN_PROGRESS):
                transition_job(session, job, JobStatus.FAILED, deps.clock.now(), "ingest",
                               f"cannot read the manifest: {exc}")
        return False


def _ingest_chunk(deps: Deps, job_id: int, chunk_no: int) -> bool:
    with deps.sessions.begin() as session:
        chunk = session.scalar(
            select(IngestChunk).where(IngestChunk.job_id == job_id, IngestChunk.chunk_no == chunk_no)
            .with_for_update()
        )
        job = session.get(Job, job_id)
        if chunk is None or chunk.done or job is None or job.status == JobStatus.FAILED:
            return False
        rows = _rows(deps, job, chunk)
        if job.pre_hook:
            rows = _pre_annotated(deps, job, rows)
        good, bad = _copy_rows(session, rows) if deps.is_postgres else _insert_rows(session, rows)
        crash_point("ingest.mid_chunk")  # rows written, chunk not marked done, nothing committed
        session.execute(update(IngestChunk).where(IngestChunk.job_id == job_id, IngestChunk.chunk_no == chunk_no)
                        .values(done=True, good_lines=good, bad_lines=bad))
        if job.status == JobStatus.IN_PROGRESS:
            top_up(session, job, deps.clock.now())
        name = job.name
    metrics.OBJECTS_INGESTED.labels(name, "good").inc(good)
    metrics.OBJECTS_INGESTED.labels(name, "bad").inc(bad)
    return True
