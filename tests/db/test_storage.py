"""Storage contract, on SQLite always and PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, Database, alembic_config
from bot.db.models import Base, Meeting, QuestionVersion
from bot.db.questions import BankDrift, sync_bank
from questions.bank import Bank, load_bank

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(database: tuple[str, str | None]):
    url, schema = database
    database_ = Database(url, schema=schema)
    await database_.migrate()
    try:
        yield database_
    finally:
        await database_.dispose()


async def test_migrations_build_exactly_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert diff == []


async def test_migrating_twice_changes_nothing(db: Database) -> None:
    await db.migrate()
    assert await db.ping()


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.engine.connect() as connection:
        mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    assert (mode, timeout) == ("wal", SQLITE_BUSY_TIMEOUT_MS)


def _reworded(bank: Bank, question_id: str, *, bump: bool) -> Bank:
    old = bank.questions[question_id]
    new = replace(old, text=old.text + " (reworded)", version=old.version + int(bump))
    return replace(bank, questions={**bank.questions, question_id: new})


async def test_a_new_version_is_added_and_the_old_wording_kept(db: Database) -> None:
    bank = load_bank()
    async with db.unit_of_work() as session:
        first = await sync_bank(session=session, bank=bank, now=NOW)
    assert first.added == len(bank.questions)
    question_id = next(iter(bank.questions))
    async with db.unit_of_work() as session:
        again = await sync_bank(session=session, bank=bank, now=NOW)
        assert (again.added, again.unchanged) == (0, len(bank.questions))
        second = await sync_bank(
            session=session, bank=_reworded(bank, question_id, bump=True), now=NOW
        )
    assert second.added == 1
    async with db.unit_of_work() as session:
        rows = (
            await session.scalars(
                select(QuestionVersion)
                .where(QuestionVersion.question_id == question_id)
                .order_by(QuestionVersion.version)
            )
        ).all()
    assert [row.text for row in rows] == [
        bank.questions[question_id].text,
        bank.questions[question_id].text + " (reworded)",
    ]


async def test_rewording_without_a_new_version_is_refused(db: Database) -> None:
    bank = load_bank()
    async with db.unit_of_work() as session:
        await sync_bank(session=session, bank=bank, now=NOW)
    question = next(iter(bank.questions.values()))
    question_id = question.id
    with pytest.raises(BankDrift, match=f"{question_id} version {question.version} was reworded"):
        async with db.unit_of_work() as session:
            await sync_bank(session=session, bank=_reworded(bank, question_id, bump=False), now=NOW)


async def test_meetings_a_feed_cancelled_before_0005_stay_the_feeds_to_bring_back(
    database: tuple[str, str | None],
) -> None:
    url, schema = database
    db = Database(url, schema=schema)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0004"))
            await connection.execute(
                text(
                    "INSERT INTO partnerships (id, team_id, channel_id, name, created_by, "
                    "created_at) VALUES (1, 'T1', 'C1', 'Acme', 'U1', :now)"
                ),
                {"now": NOW.replace(tzinfo=None)},
            )
            for meeting_id, source in ((1, "calendar"), (2, "manual"), (3, None)):
                await connection.execute(
                    text(
                        "INSERT INTO meetings (id, partnership_id, title, starts_at, ends_at, "
                        "status, source, created_at, updated_at) VALUES (:id, 1, 'Review', "
                        ":now, :now, :status, 'calendar', :now, :now)"
                    ),
                    {
                        "id": meeting_id,
                        "now": NOW.replace(tzinfo=None),
                        "status": "cancelled" if source else "scheduled",
                    },
                )
                if source:
                    await connection.execute(
                        text(
                            "INSERT INTO signals (partnership_id, meeting_id, kind, detail, "
                            "occurred_at, created_at) VALUES (1, :id, 'meeting_cancelled', "
                            ":detail, :now, :now)"
                        ),
                        {
                            "id": meeting_id,
                            "detail": json.dumps({"title": "Review", "source": source}),
                            "now": NOW.replace(tzinfo=None),
                        },
                    )
        await db.migrate()
        async with db.unit_of_work() as session:
            rows = await session.execute(
                select(Meeting.id, Meeting.cancelled_by).order_by(Meeting.id)
            )
            assert list(rows) == [(1, "calendar"), (2, None), (3, None)]
    finally:
        await db.dispose()


async def test_answers_sides_and_people_compare_bytewise_and_0013_goes_back(
    database: tuple[str, str | None],
) -> None:
    """On PostgreSQL answers.side and answers.user_id are COLLATE "C" (the order the summary
    lists notes in, which ix_answers_comments then holds); 0012 had the database's own."""
    url, schema = database
    db = Database(url, schema=schema)
    if not db.is_postgres:
        await db.dispose()
        pytest.skip("PostgreSQL only: SQLite compares text bytewise already")
    query = text(
        "SELECT column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'answers' "
        "AND column_name IN ('side', 'user_id') ORDER BY column_name"
    )
    try:
        await db.migrate()
        async with db.engine.begin() as connection:
            assert list(await connection.execute(query)) == [("side", "C"), ("user_id", "C")]
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0012"))
            assert list(await connection.execute(query)) == [("side", None), ("user_id", None)]
        await db.migrate()
        async with db.engine.begin() as connection:
            assert list(await connection.execute(query)) == [("side", "C"), ("user_id", "C")]
    finally:
        await db.dispose()
