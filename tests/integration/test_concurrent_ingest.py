"""Two chunks of one job ingested at the same time on PostgreSQL, as a Celery worker with concurrency 2 does.

Each chunk's COPY takes key-share locks on the job row (foreign keys) and then tops up the open objects under a
job row lock; a FOR UPDATE lock there deadlocked against the other chunk's key-share lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from shared.bootstrap import Deps
from shared.messaging import RecordingTaskQueue, TaskNames
from shared.persistence.tables import DataObject, IngestChunk
from shared.services import ingest
from tests.helpers import text_lines, write_manifest
from tests.integration.factories import make_crew, start_job


def test_chunks_of_one_job_ingested_at_once_neither_deadlock_nor_lose_lines(pg_deps: Deps, tmp_path: Path) -> None:
    crew = make_crew(pg_deps, 1)
    uri = write_manifest(tmp_path / "big.manifest", text_lines(8_000))
    job_id = start_job(pg_deps, crew, uri, "concurrent-ingest", max_concurrent=5000)
    queue = pg_deps.queue
    assert isinstance(queue, RecordingTaskQueue)
    ingest.plan_ingest(pg_deps, job_id)
    chunks = [kw["chunk_no"] for name, kw in queue.sent if name == TaskNames.INGEST_CHUNK]
    assert len(chunks) >= 4
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(chunks))

    def run(chunk_no: int) -> None:
        try:
            barrier.wait()
            assert ingest.ingest_chunk(pg_deps, job_id, chunk_no)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg_deps.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(DataObject).where(DataObject.job_id == job_id))
        done = session.scalar(select(func.count()).select_from(IngestChunk)
                              .where(IngestChunk.job_id == job_id, IngestChunk.done.is_(True)))
        open_now = session.scalar(select(func.count()).select_from(DataObject)
                                  .where(DataObject.job_id == job_id, DataObject.state == "open"))
    assert stored == 8_000
    assert done == len(chunks)
    assert open_now == 5000
