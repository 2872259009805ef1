"""A 100,000-line manifest (about 20 MB) ingests in bounded memory: it is streamed in byte ranges, never read whole."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared.bootstrap import Deps
from shared.domain.manifest import MAX_DATASET_OBJECTS
from shared.domain.states import JobStatus
from shared.persistence.tables import DataObject, Job
from tests.helpers import drain
from tests.integration.factories import make_crew, start_job

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LINES = MAX_DATASET_OBJECTS
PAD = "x" * 150  # makes each line about 200 bytes


def _write_big_manifest(path: Path) -> int:
    with path.open("w", encoding="utf-8") as out:
        for i in range(LINES):
            out.write(json.dumps({"source": f"review {i} {PAD}", "id": i}) + "\n")
    return path.stat().st_size


def test_a_100000_line_manifest_ingests_with_peak_memory_under_half_its_size(any_deps: Deps, tmp_path: Path) -> None:
    manifest = tmp_path / "big.manifest"
    size = _write_big_manifest(manifest)
    assert size > 19_000_000
    crew = make_crew(any_deps, 1)
    job_id = start_job(any_deps, crew, manifest.resolve().as_uri(), "big-ingest")
    tracemalloc.start()
    try:
        drain(any_deps, rounds=2 + LINES // any_deps.settings.chunk_lines)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with any_deps.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        stored = session.scalar(select(func.count()).select_from(DataObject).where(DataObject.job_id == job_id))
        last = session.scalar(select(DataObject.raw).where(DataObject.job_id == job_id,
                                                           DataObject.line_no == LINES - 1))
    assert (job.status, job.dataset_lines, stored) == (JobStatus.IN_PROGRESS, LINES, LINES)
    assert last is not None and json.loads(last)["id"] == LINES - 1
    assert peak < size // 2, f"peak traced memory {peak:,} bytes for a {size:,}-byte manifest"
