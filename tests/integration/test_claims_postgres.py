"""Many labelers at once against the real API (gunicorn, two worker processes) on PostgreSQL: the claim query
never hands a slot out twice, never gives a labeler the same object twice, and pays exactly what was answered."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from demo.processes import groundwork_env, start_api, stop
from shared.bootstrap import Deps
from shared.domain.states import JobStatus
from shared.persistence.tables import AnswerRow, Assignment, ConsolidatedLabel, DataObject, Job, LedgerEntry
from shared.services import labeling, lifecycle
from tests.helpers import drain, text_lines, write_manifest
from tests.integration.factories import make_crew, start_job

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OBJECTS, WORKERS_PER_OBJECT, LABELERS = 200, 3, 32
PRICE_MICROS, FEE_MICROS = 36_000, 80_000
LABELS = ("negative", "positive")


def _label_everything(base: str, token: str, job_id: int) -> list[tuple[int, int]]:
    """Pull and submit until the API has nothing left for this labeler; returns (assignment id, line) pairs."""
    got: list[tuple[int, int]] = []
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        for _ in range(OBJECTS + 1):
            task = http.post(f"{base}/api/v1/work/next", json={"job_id": job_id}, timeout=60)
            if task.status_code == 204:
                return got
            assert task.status_code == 200, task.text
            assignment, line = task.json()["assignment_id"], int(task.json()["input"]["datasetObjectId"])
            sub = http.post(f"{base}/api/v1/work/{assignment}/submit",
                            json={"answer": {"label": LABELS[line % 2]}}, timeout=60)
            assert sub.status_code == 200, sub.text
            assert sub.json()["duplicate"] is False
            got.append((assignment, line))
    raise AssertionError(f"a labeler was offered more than the job's {OBJECTS} objects")


def test_32_concurrent_labelers_get_every_slot_exactly_once(pg_deps: Deps, pg_url: str, tmp_path: Path) -> None:
    crew = make_crew(pg_deps, LABELERS)
    uri = write_manifest(tmp_path / "in.manifest", text_lines(OBJECTS))
    job_id = start_job(pg_deps, crew, uri, "claim-race", workers_per_object=WORKERS_PER_OBJECT,
                       price_usd="0.036")
    drain(pg_deps)  # ingest in-process, on the same database the API uses
    env = groundwork_env(pg_deps.settings.data_dir, GW_DATABASE_URL=pg_url)
    api, base = start_api(env, workers=2, log=tmp_path / "api.log")
    try:
        with ThreadPoolExecutor(LABELERS) as pool:
            per_labeler = list(pool.map(lambda token: _label_everything(base, token, job_id), crew.labeler_tokens))
    finally:
        stop(api)

    served = [aid for got in per_labeler for aid, _ in got]
    assert len(served) == OBJECTS * WORKERS_PER_OBJECT
    assert len(set(served)) == len(served), "an assignment id was served twice"
    for got in per_labeler:
        lines = [line for _, line in got]
        assert len(lines) == len(set(lines)), "a labeler got the same object twice"
    per_line = Counter(line for got in per_labeler for _, line in got)
    assert set(per_line) == set(range(OBJECTS)) and set(per_line.values()) == {WORKERS_PER_OBJECT}
    assert sum(1 for got in per_labeler if got) > 1

    with pg_deps.sessions() as session:
        pairs = session.execute(select(Assignment.object_id, Assignment.labeler_id, func.count())
                                .group_by(Assignment.object_id, Assignment.labeler_id)
                                .having(func.count() > 1)).all()
        assert pairs == []
        answers = dict(session.execute(select(AnswerRow.object_id, func.count()).where(AnswerRow.job_id == job_id)
                                       .group_by(AnswerRow.object_id)).all())
        assert len(answers) == OBJECTS and set(answers.values()) == {WORKERS_PER_OBJECT}
        assert set(session.scalars(select(DataObject.state).where(DataObject.job_id == job_id))) == {"answered"}

    for _ in range(2):  # the first sweep asks for consolidation, the second completes the job
        lifecycle.sweep(pg_deps)
        drain(pg_deps)
    with pg_deps.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == JobStatus.COMPLETED
        assert session.scalar(select(func.count()).select_from(ConsolidatedLabel)
                              .where(ConsolidatedLabel.job_id == job_id)) == OBJECTS
        ledger = dict(session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_micros))
                                      .where(LedgerEntry.job_id == job_id).group_by(LedgerEntry.kind)).all())
        entries = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.job_id == job_id))
    answered = OBJECTS * WORKERS_PER_OBJECT
    assert ledger == {"worker_pay": answered * PRICE_MICROS, "service_fee": OBJECTS * FEE_MICROS}
    assert entries == answered + OBJECTS


def test_one_labeler_pulling_from_many_threads_gets_each_object_once_and_no_error(
    pg_deps: Deps, tmp_path: Path
) -> None:
    """Two browser tabs, or a client retrying a slow pull: the same labeler's claims race each other."""
    crew = make_crew(pg_deps, 1)
    job_id = start_job(pg_deps, crew, write_manifest(tmp_path / "in.manifest", text_lines(150)), "one-labeler")
    drain(pg_deps)
    labeler = crew.labeler_ids[0]

    def pull_until_empty(_: int) -> list[int]:
        lines = []
        while (task := labeling.claim_next(pg_deps, labeler, job_id)) is not None:
            lines.append(int(task["input"]["datasetObjectId"]))
        return lines

    with ThreadPoolExecutor(8) as pool:
        per_thread = list(pool.map(pull_until_empty, range(8)))
    lines = [line for got in per_thread for line in got]
    assert sorted(lines) == list(range(150))
    with pg_deps.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Assignment).where(Assignment.job_id == job_id)) == 150
        assert session.scalar(select(func.sum(DataObject.remaining)).where(DataObject.job_id == job_id)) == 150 * 2
