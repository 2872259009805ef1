"""Real backing services for integration tests: PostgreSQL, Redis and an S3 server on loopback.

Under CI=true a missing service fails the test run; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from demo.processes import S3_CREDENTIALS, free_port, stop, wait_for_port

PG_ADMIN_URL = os.environ.get("GW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GW_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def unavailable(what: str, why: object) -> None:
    """Skip locally; fail under CI, where a missing service means the suite did not test what it claims."""
    message = f"{what} is not reachable: {why}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)






@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database (migrated by the caller) on the local server, dropped afterwards."""
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        unavailable("PostgreSQL", exc)
    name = f"gw_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def redis_db(db: int) -> str:
    import redis

    url = f"{REDIS_URL}/{db}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.flushdb()
        client.close()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    return url


@contextmanager
def s3_server(bucket: str = "groundwork") -> Iterator[str]:
    """moto's S3 server as a separate process on loopback; yields its endpoint URL with `bucket` created."""
    port = free_port()
    env = {**os.environ, **S3_CREDENTIALS}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30, proc)
        endpoint = f"http://127.0.0.1:{port}"
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=bucket)
        yield endpoint
    finally:
        stop(proc)



