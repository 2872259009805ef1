"""Engines per URL scheme: SQLite with WAL and immediate transactions, PostgreSQL with a small pool."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: What a use case runs SQL on: an ORM session, or a bare Core connection on the hot path (claims, submits).
Executor: TypeAlias = Session | Connection


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below): pysqlite's implicit transactions break savepoints.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a claim or submit never dies on a lock upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        # No pre-ping: it costs a round trip per transaction on the serve path. A connection the server dropped
        # fails one statement, SQLAlchemy invalidates the pool, and connections are recycled every half hour.
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    raise ValueError(f"GW_DATABASE_URL: unsupported scheme in '{url.split(':', 1)[0]}'")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def conflict_insert(session: Executor, table: Any) -> Any:
    """An INSERT that takes ON CONFLICT clauses: PostgreSQL's or SQLite's, whichever the session is bound to."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
