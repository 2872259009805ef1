"""Fixtures on the real backing services: a fresh migrated PostgreSQL database, Deps over it, a moto S3 server,
and `any_deps`, which runs a test once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.bootstrap import Deps, build_deps
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade
from tests.fakes import FakeClock
from tests.support.services import postgres_database, s3_server
from tests.unit.services.world import World, make_world


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database at the latest migration, dropped after the test."""
    with postgres_database() as url:
        upgrade(url)
        yield url


@pytest.fixture
def pg_deps(settings: Settings, pg_url: str) -> Iterator[Deps]:
    d = build_deps(settings.with_overrides(database_url=pg_url), queue=RecordingTaskQueue())
    yield d
    d.engine.dispose()


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server (bucket "groundwork"), shared by the tests of one module."""
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["sqlite", "postgresql"])
def any_deps(request: pytest.FixtureRequest) -> Deps:
    """Deps with a RecordingTaskQueue on the embedded SQLite database, then on PostgreSQL."""
    return request.getfixturevalue("deps" if request.param == "sqlite" else "pg_deps")  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_world(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[World]:
    """A requester with a team of three labelers on a FakeClock, on SQLite and then on PostgreSQL."""
    clock = FakeClock()
    if request.param == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.effective_database_url)
        deps = build_deps(settings, queue=RecordingTaskQueue(), clock=clock)
    else:
        deps = build_deps(settings.with_overrides(database_url=request.getfixturevalue("pg_url")),
                          queue=RecordingTaskQueue(), clock=clock)
    yield make_world(deps, clock, tmp_path)
    deps.engine.dispose()
