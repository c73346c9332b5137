"""The engine, the session factory and the unit of work."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# Every wait on the request path is bounded well inside Slack's 3 seconds: a database that is
# locked or gone costs a request at most these, then the person is told to try again.
SQLITE_BUSY_TIMEOUT_MS = 1500
POOL_TIMEOUT_S = 1.5
POSTGRES_LOCK_TIMEOUT_MS = 1500
POSTGRES_CONNECT_TIMEOUT_S = 1.5
PING_TIMEOUT_S = 0.5
T = TypeVar("T")


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
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=POOL_TIMEOUT_S)
        else:
            # no pool_pre_ping: it costs a round trip on every checkout; a connection that died
            # fails its statement once, and SQLAlchemy then discards the whole stale pool
            kwargs.update(pool_size=10, max_overflow=10, pool_timeout=POOL_TIMEOUT_S)
            # a locked table fails a statement after lock_timeout instead of holding it forever
            settings = {"lock_timeout": str(POSTGRES_LOCK_TIMEOUT_MS)}
            if schema:
                settings["search_path"] = schema
            kwargs["connect_args"] = {
                "server_settings": settings,
                "timeout": POSTGRES_CONNECT_TIMEOUT_S,
            }
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(
                self.engine.sync_engine,
                "connect",
                functools.partial(_sqlite_pragmas, busy_timeout_ms),
            )
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # PostgreSQL reads share the pool, in autocommit: no BEGIN and ROLLBACK round trips
        self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
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
        # SQLite: run_transaction's work runs whole on a plain sqlite3 connection in one thread
        # of its own, one hand-off a transaction instead of one (or more) per statement
        self._sync_writer: tuple[Engine, ThreadPoolExecutor] | None = None
        if self.is_sqlite:
            writer = create_engine(
                url.replace("sqlite+aiosqlite://", "sqlite://", 1),
                **kwargs | {"pool_size": 1, "max_overflow": 0},
            )
            event.listen(writer, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms))
            event.listen(writer, "begin", _sqlite_begin_immediate)
            self._sync_writer = (writer, ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer"))

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    async def run_transaction(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` in one transaction, committed when it returns, rolled back if it
        raises. `work` is synchronous and runs whole: on SQLite in the writer thread, on
        PostgreSQL under the async engine (Connection.run_sync)."""
        if self._sync_writer is None:
            async with self.engine.begin() as connection:
                return await connection.run_sync(work)
        writer, thread = self._sync_writer

        def transaction() -> T:
            with writer.begin() as connection:
                return work(connection)

        return await asyncio.get_running_loop().run_in_executor(thread, transaction)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit, outside any transaction: never takes SQLite's write lock, so it
        never delays a write; each statement sees the latest commits (no shared snapshot)."""
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

    async def ping(self, timeout: float = PING_TIMEOUT_S) -> bool:
        """True when the app could write now; answers within about `timeout` seconds.

        SQLite is asked on a connection of its own (so a stuck pool cannot hold the answer up)
        whether the write lock can be taken; PostgreSQL whether a statement runs.
        """
        try:
            if self.is_sqlite:
                path = self.url.split(":///", 1)[1]
                return await asyncio.to_thread(_sqlite_can_write, path, timeout)
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.is_sqlite:  # its readers have a pool of their own
            await self.read_engine.dispose()
        if self._sync_writer is not None:
            writer, thread = self._sync_writer
            await asyncio.get_running_loop().run_in_executor(thread, writer.dispose)


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


def _sqlite_can_write(path: str, timeout: float) -> bool:
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return True


def _sqlite_begin_immediate(connection: Connection) -> None:
    """Take the write lock when the transaction starts, so it never has to upgrade later."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
