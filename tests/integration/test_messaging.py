"""A real `celery worker` process takes a job's ingest from the broker: the planner message is sent with
CeleryTaskQueue (by task name, as the API does), and the worker plans and stores every chunk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demo.processes import groundwork_env, start_worker, stop
from shared.bootstrap import build_deps
from shared.config import from_env
from shared.domain.states import JobStatus
from shared.messaging import CeleryTaskQueue
from shared.persistence.migrate import upgrade
from shared.persistence.tables import DataObject, IngestChunk, Job
from tests.helpers import text_lines, write_manifest
from tests.integration.factories import make_crew, start_job
from tests.support.services import redis_db

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LINES = 2_500  # two chunks at the default GW_CHUNK_LINES of 2,000


@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_a_celery_worker_ingests_a_job_announced_through_the_broker(broker: str, tmp_path: Path) -> None:
    overrides = {"GW_BROKER_URL": redis_db(1)} if broker == "redis" else {}
    env = groundwork_env(tmp_path / "var", **overrides)
    settings = from_env(env)
    assert settings.broker_url.startswith(broker)
    upgrade(settings.effective_database_url)
    deps = build_deps(settings)
    assert isinstance(deps.queue, CeleryTaskQueue)
    log = tmp_path / "worker.log"
    worker = None
    try:
        crew = make_crew(deps, 1)
        lines = text_lines(LINES - 1) + ["this line is not JSON"]
        job_id = start_job(deps, crew, write_manifest(tmp_path / "in.manifest", lines), f"via-{broker}")
        worker = start_worker(env, beat=False, log=log)
        deadline = time.monotonic() + 90
        stored = 0
        status = JobStatus.INITIALIZING.value
        while time.monotonic() < deadline and worker.poll() is None:
            with deps.sessions() as session:
                status = session.scalar(select(Job.status).where(Job.id == job_id))
                stored = session.scalar(select(func.count()).select_from(DataObject)
                                        .where(DataObject.job_id == job_id)) or 0
            if status == JobStatus.IN_PROGRESS and stored == LINES:
                break
            time.sleep(0.25)
        assert worker.poll() is None, log.read_text()
        assert (status, stored) == (JobStatus.IN_PROGRESS, LINES), log.read_text()[-3000:]
        with deps.sessions() as session:
            chunks = session.execute(select(IngestChunk.done, IngestChunk.good_lines, IngestChunk.bad_lines)
                                     .where(IngestChunk.job_id == job_id).order_by(IngestChunk.chunk_no)).all()
            job = session.get(Job, job_id)
            assert job is not None
            by_state = dict(session.execute(select(DataObject.state, func.count()).where(DataObject.job_id == job_id)
                                            .group_by(DataObject.state)).all())
        assert [tuple(c) for c in chunks] == [(True, 2000, 0), (True, LINES - 2001, 1)]
        assert (job.chunks_total, job.dataset_lines) == (2, LINES)
        assert by_state == {"open": 1000, "queued": LINES - 1001, "failed": 1}
    finally:
        if worker is not None:
            stop(worker, grace=10)
        deps.queue.app.close()  # type: ignore[attr-defined]
        deps.engine.dispose()
