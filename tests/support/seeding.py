"""Filling a check with many answers at once, for size tests and benchmarks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from bot.db.engine import Database
from bot.db.models import Answer, CheckQuestion, QuestionVersion

LONG_COMMENT = "<!channel> this needs <@U123> attention. " + "A long and thoughtful remark. " * 64


async def seed_answers(db: Database, check_id: int, *, people: int, now: datetime) -> int:
    """Everyone answers every question of the check (odd people on the client side).

    Every third person also leaves a long comment that tries to ping the channel.
    """
    async with db.unit_of_work() as session:
        questions = (
            await session.execute(
                select(QuestionVersion.id, QuestionVersion.kind, QuestionVersion.options)
                .join(CheckQuestion, CheckQuestion.question_version_id == QuestionVersion.id)
                .where(CheckQuestion.check_id == check_id)
            )
        ).all()
        rows: list[dict[str, Any]] = [
            {
                "check_id": check_id,
                "question_version_id": version_id,
                "user_id": f"U{person:04d}",
                "side": "client" if person % 2 else "ours",
                "value": _value(kind, options, person),
                "comment": LONG_COMMENT[: 200 + person * 7 % 1000] if person % 3 == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
            for person in range(people)
            for version_id, kind, options in questions
        ]
        await session.execute(insert(Answer), rows)
    return len(rows)


def _value(kind: str, options: list[dict[str, Any]], person: int) -> str:
    if kind == "text":
        return f"Free-text answer from person {person}"
    values = [str(option["value"]) for option in options]
    return values[(person * 7) % len(values)]
