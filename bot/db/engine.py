"""The engine, the session factory and the unit of work."""

from __future__ import annotations

import asyncio
import fcntl
import functools
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.plumbing.errors import UserError
from bot.plumbing.metrics import DATABASE_ERRORS

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Every wait on the request path is bounded well inside Slack's 3 seconds: a database that is
# locked or gone costs a request at most these, then the person is told to try again.
SQLITE_BUSY_TIMEOUT_MS = 1500
POOL_TIMEOUT_S = 1.5
# SQLite's one write connection is queued for by every writer of the process, background work
# included (the dispatcher's sends while another process holds the lock): a request waits
# for it no longer than its own budget (bot/plumbing/budget.py), background work longer.
SQLITE_POOL_TIMEOUT_S = 10
POSTGRES_LOCK_TIMEOUT_MS = 1500
POSTGRES_CONNECT_TIMEOUT_S = 1.5
PING_TIMEOUT_S = 0.5
T = TypeVar("T")
# copies starting together take turns: the first migrates, the others find the schema current
MIGRATION_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtext('partnercheck.migrate.' || current_schema()))"
)


class DatabaseUnavailable(UserError):
    """The database could not be reached or opened (a connection, not a query, failed)."""


class MigrationFailed(Exception):
    """`partnercheck migrate`, run apart by `serve`, stopped with `code`; it has said why."""

    def __init__(self, code: int) -> None:
        super().__init__(f"partnercheck migrate exited with {code}")
        self.code = code


class DatabaseMissing(UserError):
    """A command that only reads found no current Partnership Check database."""


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
            event.listen(writer, "handle_error", _count_error)  # most of SQLite's writes
            self._sync_writer = (writer, ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer"))
        for engine in {self.engine, self.read_engine}:
            event.listen(engine.sync_engine, "handle_error", _count_error)

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
        """Bring the schema to the newest Alembic revision. Copies starting at once take turns
        (a PostgreSQL advisory lock; for SQLite a lock on a file beside the database), so the
        first migrates and the others find the schema current."""
        async with _sqlite_file_lock(self.sqlite_path()), self.connected() as connection:
            if self.is_sqlite:
                await connection.run_sync(_upgrade_sqlite)
                return
            async with connection.begin():
                # waiting for another copy's turn may outlast a request's lock_timeout
                await connection.execute(text("SET LOCAL lock_timeout = 0"))
                await connection.execute(text(MIGRATION_LOCK))
                await connection.run_sync(_upgrade)

    async def require_current(self) -> None:
        """For commands that only read: raise DatabaseMissing unless the database exists and its
        schema is current. Never creates a file, a table or a row."""
        path = self.sqlite_path()
        if path is not None and not path.is_file():
            raise DatabaseMissing(f"There is no database file at {path}; {_WHERE_DATA_IS}.")
        async with self.connected() as connection:
            current = await connection.run_sync(_current_revision)
        if current is None:
            raise DatabaseMissing(
                f"The database at {self.shown_url()} holds no Partnership Check data; "
                f"{_WHERE_DATA_IS}."
            )
        if current != _head_revision():
            raise DatabaseMissing(
                f"The database at {self.shown_url()} has an older schema (revision {current}): "
                "run `partnercheck migrate` first."
            )

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[Any]:
        """A connection; failing to open one raises DatabaseUnavailable (errors after that are
        the database's answers and keep their own type)."""
        try:
            connection = await self.engine.connect()
        except (OSError, DBAPIError) as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
            raise DatabaseUnavailable(
                f"Could not open the database at {self.shown_url()} ({reason}); check "
                "DATABASE_URL and that the database server is running."
            ) from None
        try:
            yield connection
        finally:
            await connection.close()

    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for PostgreSQL and in-memory databases."""
        if not self.is_sqlite:
            return None
        name = make_url(self.url).database
        return Path(name) if name and name != ":memory:" else None

    def shown_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    async def ping(self, timeout: float = PING_TIMEOUT_S) -> bool:
        """True when the app could write now; answers within about `timeout` seconds.

        SQLite is asked on a connection of its own (so a stuck pool cannot hold the answer up)
        whether the write lock can be taken; PostgreSQL whether a statement runs.
        """
        try:
            path = self.sqlite_path()
            if path is not None:
                return await asyncio.to_thread(_sqlite_can_write, str(path), timeout)
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


_WHERE_DATA_IS = "set DATABASE_URL to the database the app uses (this command never creates one)"


@asynccontextmanager
async def existing(url: str) -> AsyncIterator[Database]:
    """The database at `url` as it is, for a command that reads it: never created or changed."""
    db = Database(url)
    try:
        await db.require_current()
        yield db
    finally:
        await db.dispose()


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
    # Alembic (with Mako and Pygments, about 11 MB) loads only where migrations run: the
    # serving process has `partnercheck migrate` do them in a process of its own
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _count_error(_context: Any) -> None:
    DATABASE_ERRORS.inc()


def _upgrade(connection: Connection) -> None:
    from alembic import command

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


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@asynccontextmanager
async def _sqlite_file_lock(database: Path | None) -> AsyncIterator[None]:
    """Hold an exclusive lock on `<database>.migrate-lock` (nothing for other databases)."""
    if database is None:
        yield
        return
    with _held_lock(database.with_name(database.name + ".migrate-lock")) as lock_file:
        await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
        yield


@contextmanager
def _held_lock(path: Path) -> Iterator[int]:
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise DatabaseUnavailable(
            f"Could not open the database beside {path} ({error.strerror}); check DATABASE_URL."
        ) from None
    try:
        yield descriptor
    finally:
        os.close(descriptor)  # closing releases the lock


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
