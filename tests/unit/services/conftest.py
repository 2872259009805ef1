"""Fixtures for use-case tests: SQLite Deps on a FakeClock and a small world of one requester and one team."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.bootstrap import Deps, build_deps
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade
from shared.services import accounts
from tests.fakes import FakeClock
from tests.unit.services.world import World


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed_deps(settings: Settings, clock: FakeClock) -> Iterator[Deps]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    d = build_deps(settings, queue=RecordingTaskQueue(), clock=clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def world(timed_deps: Deps, clock: FakeClock, tmp_path: Path) -> World:
    with timed_deps.sessions.begin() as session:
        key = accounts.create_api_key(session, clock, "acme")
        wf = accounts.create_workforce(session, clock, key.requester_id, "staff", "private", None)
        team = accounts.create_workteam(session, clock, key.requester_id, "team-a", wf.id, "")
        ids = [accounts.create_labeler(session, clock, wf.id, f"lab{i}", None, [team.id])[0].id for i in range(3)]
    return World(timed_deps, clock, tmp_path, key.requester_id, team.id, ids)
