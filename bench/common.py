"""Shared bits for the benchmarks: a fresh PostgreSQL database, a requester with a team, medians."""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from shared.bootstrap import Deps, build_deps
from shared.clock import SystemClock
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade
from shared.services import accounts

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_postgres() -> Iterator[str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gw_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def deps_for(url: str, data_dir: Path) -> Deps:
    settings = Settings(data_dir=data_dir, database_url=url, file_roots=(data_dir.parent,))
    return build_deps(settings, queue=RecordingTaskQueue())


def team_with_labelers(deps: Deps, labelers: int) -> tuple[int, str, list[str]]:
    """A requester key, a private team and `labelers` labeler tokens."""
    clock = SystemClock()
    with deps.sessions.begin() as session:
        key = accounts.create_api_key(session, clock, f"bench-{secrets.token_hex(3)}")
        wf = accounts.create_workforce(session, clock, key.requester_id, f"wf-{secrets.token_hex(3)}", "private", None)
        team = accounts.create_workteam(session, clock, key.requester_id, f"t-{secrets.token_hex(3)}", wf.id, "")
        tokens = [accounts.create_labeler(session, clock, wf.id, f"l{i}", None, [team.id])[1] for i in range(labelers)]
        return team.id, key.token, tokens


def median(values: list[float]) -> float:
    return statistics.median(values)
