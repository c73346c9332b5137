"""The database counts answers exactly as the in-memory reference does, on both backends.

Compared through the summary they produce: means, people counted, deal breakers with names,
and which comments are kept in which order (strings ordered by code point, as Python does,
whatever the database's collation).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import dialect as postgresql
from sqlalchemy.dialects.sqlite import dialect as sqlite

from bot.db import summaries
from bot.db.engine import Database
from bot.db.models import Answer, Check, CheckQuestion, Partnership, QuestionVersion
from bot.db.types import bytewise
from bot.domain.summary import COMMENTS_KEPT, Summary, compute_summary
from bot.usecases.summary import count_answers, question_facts
from questions.bank import load_bank
from tests.support.answer_tallies import AnswerFacts, tally

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
BREAKER = [{"value": "none"}, {"value": "deal_breaker", "deal_breaker": True}]
SCALE = [{"value": str(n)} for n in range(1, 6)]
QUESTIONS: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("trust", "scale", SCALE),
    ("along", "tick", [{"value": "yes"}, {"value": "not_yet"}]),
    ("goals", "choice", BREAKER),
    ("goals", "scale", SCALE),
    ("vision", "text", []),
    ("trust", "scale", SCALE),
]
# Orders differently by code point than in most locales (and than case-insensitively).
COLUMN_TYPES = [("side", "VARCHAR(8)"), ("user_id", "VARCHAR(32)")] + [
    (column, "TEXT") for column in ("value", "comment")
]
WORDS = ["Zebra", "apple", "Äpfel", "émile", "a", "Z", "zoo", "Ωmega", "b", "B", "10", "9", "é"]


@pytest.fixture
async def db(database: tuple[str, str | None]) -> AsyncIterator[Database]:
    url, schema = database
    database_ = Database(url, schema=schema)
    await database_.migrate()
    if database_.is_postgres:
        await _collate_like_a_locale(database_)
    try:
        yield database_
    finally:
        await database_.dispose()


async def _collate_like_a_locale(db: Database) -> None:
    """Give the answers' text columns a locale's collation, as a production database may have
    ('a' < 'Äpfel' < 'B' there, unlike in Python), so the ordering must not depend on it."""
    async with db.unit_of_work() as session:
        if await session.scalar(text("SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu'")):
            for column, type_ in COLUMN_TYPES:
                await session.execute(
                    text(f'ALTER TABLE answers ALTER {column} TYPE {type_} COLLATE "en-x-icu"')
                )


def _value(kind: str, options: list[dict[str, Any]], rng: random.Random) -> str | None:
    if rng.random() < 0.1:
        return None  # commented without answering
    if kind == "text":
        return rng.choice([*WORDS, ""])
    if kind == "scale" and rng.random() < 0.05:
        return "n/a"  # stored, but scores nothing
    return str(rng.choice(options)["value"])


def _comment(rng: random.Random) -> str | None:
    return rng.choice([None, None, "", *WORDS])


async def _check(db: Database, rng: random.Random, *, anonymous: bool, people: int) -> int:
    async with db.unit_of_work() as session:
        partnership = Partnership(
            team_id="T1", channel_id="C1", name="Acme", created_by="U1", created_at=NOW
        )
        versions = [
            QuestionVersion(
                question_id=f"q{i}",
                version=1,
                dimension=dimension,
                kind=kind,
                text=f"Question {i}?",
                sides=["ours", "client"],
                options=options,
                fingerprint=f"f{i}",
                created_at=NOW,
            )
            for i, (dimension, kind, options) in enumerate(QUESTIONS)
        ]
        session.add_all([partnership, *versions])
        await session.flush()
        check = Check(
            partnership_id=partnership.id,
            template_id="partnership_check",
            template_name="Partnership check",
            lead_user_id="U0",
            mode="async",
            anonymous=anonymous,
            status="closed",
            channel_id="C1",
            created_at=NOW,
            closed_at=NOW,
            questions=[
                CheckQuestion(position=5 - i, question_version_id=v.id)
                for i, v in enumerate(versions)
            ],
        )
        session.add(check)
        await session.flush()
        rows = [
            {
                "check_id": check.id,
                "question_version_id": version.id,
                "user_id": f"U{rng.choice(WORDS)}{person}",
                "side": "client" if person % 3 else "ours",
                "value": _value(version.kind, version.options, rng),
                "comment": _comment(rng),
                "created_at": NOW,
                "updated_at": NOW,
            }
            for person in range(people)
            for version in versions
            if rng.random() < 0.9
        ]
        await session.execute(insert(Answer), rows)
        return check.id


async def _both_ways(db: Database, check_id: int, *, anonymous: bool) -> tuple[Summary, Summary]:
    async with db.unit_of_work() as session:
        questions = question_facts(
            await summaries.questions_for_summary(session=session, check_id=check_id),
            load_bank(),
        )
        counted = await count_answers(session, check_id, questions, anonymous=anonymous)
        rows = await session.execute(
            select(
                Answer.question_version_id,
                Answer.user_id,
                Answer.side,
                Answer.value,
                Answer.comment,
            ).where(Answer.check_id == check_id)
        )
        answers = [AnswerFacts._make(row) for row in rows]
    summaries_ = []
    for tallies in (counted, tally(questions, answers)):
        summaries_.append(
            compute_summary(
                check_id=check_id,
                channel_id="C1",
                partnership_name="Acme",
                template_id="partnership_check",
                template_name="Partnership check",
                anonymous=anonymous,
                closed_at=None,
                questions=questions,
                tallies=tallies,
            )
        )
    return summaries_[0], summaries_[1]


@pytest.mark.parametrize("anonymous", [False, True])
@pytest.mark.parametrize("people", [3, 40])
async def test_database_tallies_match_the_reference(
    db: Database, anonymous: bool, people: int
) -> None:
    rng = random.Random(people * 2 + anonymous)
    check_id = await _check(db, rng, anonymous=anonymous, people=people)
    counted, reference = await _both_ways(db, check_id, anonymous=anonymous)
    assert counted == reference
    assert counted.dimensions and counted.comments
    assert len(counted.comments) == min(COMMENTS_KEPT, counted.comments_total)
    if people > 3:
        assert counted.comments_total > COMMENTS_KEPT  # the quotas are exercised
        assert counted.deal_breakers


def test_bytewise_ordering_is_spelt_per_database() -> None:
    order = select(Answer.id).order_by(bytewise(Answer.comment))
    assert 'ORDER BY (answers.comment) COLLATE "C"' in str(order.compile(dialect=postgresql()))
    assert str(order.compile(dialect=sqlite())).endswith("ORDER BY answers.comment")
