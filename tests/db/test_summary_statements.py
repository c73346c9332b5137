"""A summary issues the same statements whatever the number of answers (the benchmark in
tests/benchmarks/bench_summary.py times them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.db.engine import Database
from bot.usecases.summary import summarise
from tests.support.harness import Harness
from tests.support.seeding import closed_check, seed_answers

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@contextmanager
def statements_run(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("anonymous", [False, True])
async def test_ten_times_the_people_take_the_same_statements(
    harness: Harness, anonymous: bool
) -> None:
    db = harness.services.db
    runs = []
    for people in (4, 40):
        check_id = await closed_check(db, f"C{people}", questions=30, anonymous=anonymous, now=NOW)
        answers = await seed_answers(db, check_id, people=people, now=NOW)
        with statements_run(db) as statements:
            summary = await summarise(harness.services, check_id)
        assert summary is not None and summary.comments
        assert sum(summary.respondents.values()) == people and answers == people * 30
        runs.append(statements)
    assert runs[0] == runs[1]  # the same statements, in the same order
    assert len(runs[0]) <= 12
