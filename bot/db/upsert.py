"""INSERT … ON CONFLICT for whichever database the session is bound to."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An insert() that has on_conflict_do_update / on_conflict_do_nothing."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return insert_on(dialect, table)


def insert_on(dialect: str, table: Any) -> Any:
    """insert_for, by dialect name: for statements built once and cached per dialect."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
