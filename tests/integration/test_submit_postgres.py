"""The one-statement submit on PostgreSQL refuses what it must and explains why, like the SQLite path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from shared.bootstrap import Deps
from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.persistence.tables import AnswerRow, Assignment, LedgerEntry
from shared.services import labeling
from tests.helpers import drain, text_lines, write_manifest
from tests.integration.factories import make_crew, start_job


def _counts(deps: Deps) -> tuple[int, int]:
    with deps.sessions() as session:
        answers = session.scalar(select(func.count()).select_from(AnswerRow)) or 0
        pays = session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    return answers, pays


def test_a_postgres_submit_records_once_and_refuses_bad_labels_strangers_and_late_answers(
        pg_deps: Deps, tmp_path: Path) -> None:
    crew = make_crew(pg_deps, 2)
    start_job(pg_deps, crew, write_manifest(tmp_path / "m.manifest", text_lines(3)), "pg-submit",
              workers_per_object=1)
    drain(pg_deps)
    me, other = crew.labeler_ids
    task = labeling.claim_next(pg_deps, me)
    assert task is not None
    aid = task["assignment_id"]

    with pytest.raises(ValidationFailed) as bad:
        labeling.submit(pg_deps, me, aid, {"label": "sideways"})
    assert bad.value.field == "answer.label"
    with pytest.raises(NotFound):
        labeling.submit(pg_deps, other, aid, {"label": "positive"})
    assert _counts(pg_deps) == (0, 0)

    first = labeling.submit(pg_deps, me, aid, {"crowd-classifier": {"label": "positive", "workerComment": "ok"}})
    again = labeling.submit(pg_deps, me, aid, {"label": "positive"})
    assert first["duplicate"] is False and first["answer"] == {"label": "positive", "workerComment": "ok"}
    assert again["duplicate"] is True and again["answer"] == first["answer"]
    assert _counts(pg_deps) == (1, 1)

    late = labeling.claim_next(pg_deps, me)
    assert late is not None
    with pg_deps.sessions.begin() as session:
        session.execute(update(Assignment).where(Assignment.id == late["assignment_id"])
                        .values(expires_at=Assignment.leased_at - timedelta(seconds=1)))
    with pytest.raises(Conflict):
        labeling.submit(pg_deps, me, late["assignment_id"], {"label": "negative"})
    assert _counts(pg_deps) == (1, 1)
