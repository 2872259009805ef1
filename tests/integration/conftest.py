"""Fixtures on the real backing services: a fresh migrated PostgreSQL database, Deps over it, a moto S3 server,
and `any_deps`, which runs a test once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.bootstrap import Deps, build_deps
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade
from tests.support.services import postgres_database, s3_server


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
