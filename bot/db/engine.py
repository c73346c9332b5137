"""The engine, the session factory and the unit of work."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_TIMEOUT_S = 10


class Database:
    """Owns one engine; `unit_of_work()` is the transaction a use case runs in."""

    def __init__(
        self, url: str, *, schema: str | None = None, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        """`schema` (PostgreSQL only) sets the search_path, so tests can share one database."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgres = url.startswith("postgresql")
        # hide_parameters: SQL errors must never carry a person's answer into a log line
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if self.is_sqlite:
            # One connection: SQLite has one writer anyway, and a transaction that reads and
            # then writes can fail with "database is locked" (busy snapshot) when another
            # connection of ours committed in between; waiting for the pool instead is fair,
            # needs no busy-wait sleeps, and keeps p99 low. Other processes are handled by
            # BEGIN IMMEDIATE and the busy timeout.
            kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=SQLITE_POOL_TIMEOUT_S)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(
                self.engine.sync_engine,
                "connect",
                functools.partial(_sqlite_pragmas, busy_timeout_ms),
            )
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = self.engine
        if self.is_sqlite:
            # WAL readers never block the writer: reads that need no write lock (counts
            # refreshes, loading a started check) get connections of their own
            kwargs.update(pool_size=2, max_overflow=2)
            self.read_engine = create_async_engine(url, **kwargs)
            event.listen(
                self.read_engine.sync_engine,
                "connect",
                functools.partial(_sqlite_pragmas, busy_timeout_ms),
            )
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit: never takes SQLite's write lock, so it never delays a write."""
        async with self.read_sessions() as session:
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        if self.is_sqlite:
            async with self.engine.connect() as connection:
                await connection.run_sync(_upgrade_sqlite)
            return
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    """The database at `url`, brought up to date, for one command-line run."""
    db = Database(url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _upgrade_sqlite(connection: Connection) -> None:
    """SQLite changes a constraint by rebuilding the table (Alembic's batch mode), whose
    DROP TABLE would cascade to every child row with foreign keys on: they are off while
    migrating (SQLite's own procedure; the pragma only works outside a transaction), and the
    result is checked before it commits."""
    _raw_pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            _upgrade(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migrating left {len(broken)} rows without their parent")
    finally:
        _raw_pragma(connection, "PRAGMA foreign_keys=ON")


def _raw_pragma(connection: Connection, pragma: str) -> None:
    cursor = connection.connection.cursor()  # the driver's, outside SQLAlchemy's transaction
    try:
        cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # transactions are begun by _sqlite_begin_immediate, not by the driver
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Connection) -> None:
    """Take the write lock when the transaction starts, so it never has to upgrade later."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
