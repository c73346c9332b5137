"""Keeping the question_versions table in step with the bank on disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import QuestionVersion
from bot.plumbing.errors import UserError
from questions.bank import Bank, Question

BANK_SYNC_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('partnercheck.bank.' || current_schema()))"
)
# start-up may wait for another copy's turn longer than a request's lock_timeout allows
NO_LOCK_TIMEOUT = text("SET LOCAL lock_timeout = 0")


@dataclass(frozen=True)
class SyncReport:
    added: int
    unchanged: int


class BankDrift(UserError):
    """A question was reworded without raising its version."""


async def sync_bank(*, session: AsyncSession, bank: Bank, now: datetime) -> SyncReport:
    """Add every question version the database lacks; never rewrite one it has. Copies
    starting together take turns (on SQLite, BEGIN IMMEDIATE already makes them)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(NO_LOCK_TIMEOUT)
        await session.execute(BANK_SYNC_LOCK)
    stored = {
        (row.question_id, row.version): row
        for row in (await session.scalars(select(QuestionVersion))).all()
    }
    added = unchanged = 0
    for question in bank.questions.values():
        row = stored.get((question.id, question.version))
        if row is None:
            session.add(_row_for(question, now))
            added += 1
        elif row.fingerprint != question.fingerprint():
            raise BankDrift(
                f"Question {question.id} version {question.version} was reworded, but answers "
                "were given to the old wording: raise its version in "
                f"{question.file or 'the bank'} and start again."
            )
        else:
            unchanged += 1
    await session.flush()
    return SyncReport(added=added, unchanged=unchanged)


async def versions_for(
    *, session: AsyncSession, questions: list[Question]
) -> list[QuestionVersion]:
    """The stored rows for exactly these question versions, in the same order."""
    ids = {question.id for question in questions}
    rows = (
        await session.scalars(select(QuestionVersion).where(QuestionVersion.question_id.in_(ids)))
    ).all()
    by_key = {(row.question_id, row.version): row for row in rows}
    return [by_key[(question.id, question.version)] for question in questions]


def _row_for(question: Question, now: datetime) -> QuestionVersion:
    return QuestionVersion(
        question_id=question.id,
        version=question.version,
        dimension=question.dimension,
        kind=question.kind,
        text=question.text,
        help=question.help,
        sides=list(question.sides),
        options=[
            {"value": o.value, "label": o.label, "deal_breaker": o.deal_breaker}
            for o in question.options
        ],
        allow_comment=question.allow_comment,
        fingerprint=question.fingerprint(),
        created_at=now,
    )
