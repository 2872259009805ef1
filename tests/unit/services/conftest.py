"""Fixtures for use-case tests: SQLite Deps on a FakeClock and a small world of one requester and one team."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.bootstrap import Deps, build_deps
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade
from tests.fakes import FakeClock
from tests.unit.services.world import World, make_world


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
    return make_world(timed_deps, clock, tmp_path)
