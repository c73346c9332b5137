"""Storage of partnerships, checks, participants and answers. The caller owns the transaction."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import Answer, Check, CheckQuestion, Participant, Partnership, QuestionVersion
from bot.db.upsert import insert_for, insert_on
from bot.plumbing.workspace import current_team_id


async def partnership_for_channel(
    *, session: AsyncSession, channel_id: str, team_id: str | None = None
) -> Partnership | None:
    """The channel's partnership in `team_id`'s workspace (default: the workspace the current
    work is for; a Slack Connect channel can hold one partnership per workspace)."""
    team_id = team_id or current_team_id()
    query = select(Partnership).where(Partnership.channel_id == channel_id)
    if team_id is not None:
        query = query.where(Partnership.team_id == team_id)
    return await session.scalar(query.order_by(Partnership.id).limit(1))


async def save_partnership(
    *, session: AsyncSession, team_id: str, channel_id: str, name: str, user_id: str, now: datetime
) -> Partnership:
    partnership = await partnership_for_channel(
        session=session, channel_id=channel_id, team_id=team_id
    )
    if partnership is None:
        partnership = Partnership(
            team_id=team_id, channel_id=channel_id, name=name, created_by=user_id, created_at=now
        )
        session.add(partnership)
    else:
        partnership.name = name
    await session.flush()
    return partnership


async def open_check_in_channel(
    *, session: AsyncSession, channel_id: str, ours_only: bool = False
) -> Check | None:
    """The open check of the channel (or its open self-check: the two never block each other),
    of the current work's workspace."""
    query = select(Check).where(
        Check.channel_id == channel_id,
        Check.status == "open",
        Check.ours_only.is_(ours_only),
    )
    team_id = current_team_id()
    if team_id is not None:
        query = query.join(Partnership, Partnership.id == Check.partnership_id).where(
            Partnership.team_id == team_id
        )
    return await session.scalar(query.limit(1))


async def add_check(
    *,
    session: AsyncSession,
    check: Check,
    versions: Sequence[QuestionVersion],
    client_user_ids: Sequence[str],
) -> Check:
    check.questions = [
        CheckQuestion(position=position, question_version_id=version.id)
        for position, version in enumerate(versions)
    ]
    check.participants = [
        Participant(user_id=user_id, side="client") for user_id in client_user_ids
    ]
    if check.lead_user_id not in client_user_ids:
        check.participants.append(Participant(user_id=check.lead_user_id, side="ours"))
    session.add(check)
    await session.flush()
    return check


async def load_check(*, session: AsyncSession, check_id: int) -> Check | None:
    """A check with its partnership, its questions (and their wording) and its participants."""
    return await session.scalar(
        select(Check)
        .where(Check.id == check_id)
        .options(
            selectinload(Check.partnership),
            selectinload(Check.questions).selectinload(CheckQuestion.question),
            selectinload(Check.participants),
        )
        .execution_options(populate_existing=True)
    )


async def check_state(*, session: AsyncSession, check_id: int) -> tuple[str, int] | None:
    """(status, current position) of a check, read fresh; None when it does not exist."""
    row = (
        await session.execute(
            select(Check.status, Check.current_position).where(Check.id == check_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class MessageRefs:
    status: str
    current_position: int
    check_ts: str | None
    question_ts: str | None


async def message_refs(
    *, session: AsyncSession, check_id: int, position: int
) -> MessageRefs | None:
    """What a counts refresh needs to read fresh: state and where the messages are."""
    row = (
        await session.execute(
            select(Check.status, Check.current_position, Check.message_ts, CheckQuestion.message_ts)
            .outerjoin(
                CheckQuestion,
                (CheckQuestion.check_id == Check.id) & (CheckQuestion.position == position),
            )
            .where(Check.id == check_id)
        )
    ).first()
    return MessageRefs(*row) if row else None


async def answer_value(
    *, session: AsyncSession, check_id: int, question_version_id: int, user_id: str
) -> tuple[bool, str | None]:
    """(exists, value) of a person's answer to one question."""
    row = (
        await session.execute(
            select(Answer.value).where(
                Answer.check_id == check_id,
                Answer.question_version_id == question_version_id,
                Answer.user_id == user_id,
            )
        )
    ).first()
    return (row is not None, row[0] if row else None)


async def move_to_position(
    *, session: AsyncSession, check_id: int, expected: int, target: int
) -> bool:
    """Compare-and-set the live question; False when someone else already moved it."""
    result = await session.execute(
        update(Check)
        .where(Check.id == check_id, Check.status == "open", Check.current_position == expected)
        .values(current_position=target)
    )
    return result.rowcount == 1


async def mark_closed(
    *, session: AsyncSession, check_id: int, user_id: str | None, now: datetime
) -> bool:
    """Compare-and-set open → closed; False when it was already closed."""
    result = await session.execute(
        update(Check)
        .where(Check.id == check_id, Check.status == "open")
        .values(status="closed", closed_at=now, closed_by=user_id)
    )
    return result.rowcount == 1


async def set_message_ts(
    *, session: AsyncSession, check_id: int, message_ts: str, position: int | None = None
) -> None:
    if position is None:
        await session.execute(
            update(Check).where(Check.id == check_id).values(message_ts=message_ts)
        )
    else:
        await session.execute(
            update(CheckQuestion)
            .where(CheckQuestion.check_id == check_id, CheckQuestion.position == position)
            .values(message_ts=message_ts)
        )


async def save_answer(
    *,
    session: AsyncSession,
    check_id: int,
    question_version_id: int,
    user_id: str,
    side: str,
    now: datetime,
    value: str | None = None,
    comment: str | None = None,
    set_value: bool = True,
    set_comment: bool = False,
) -> None:
    """Insert the answer, or change the existing one: never a second row for the same person."""
    changes: dict[str, object] = {"updated_at": now, "side": side}
    if set_value:
        changes["value"] = value
    if set_comment:
        changes["comment"] = comment
    statement = insert_for(session, Answer).values(
        check_id=check_id,
        question_version_id=question_version_id,
        user_id=user_id,
        side=side,
        value=value if set_value else None,
        comment=comment if set_comment else None,
        created_at=now,
        updated_at=now,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["check_id", "question_version_id", "user_id"], set_=changes
        )
    )


async def answer_of(
    *, session: AsyncSession, check_id: int, question_version_id: int, user_id: str
) -> Answer | None:
    return await session.scalar(
        select(Answer).where(
            Answer.check_id == check_id,
            Answer.question_version_id == question_version_id,
            Answer.user_id == user_id,
        )
    )


async def answers_by_user(
    *, session: AsyncSession, check_id: int, user_id: str
) -> dict[int, Answer]:
    rows = await session.scalars(
        select(Answer).where(Answer.check_id == check_id, Answer.user_id == user_id)
    )
    return {row.question_version_id: row for row in rows}


async def answer_counts(
    *, session: AsyncSession, check_id: int, question_version_id: int | None = None
) -> Counter[str]:
    """Answers per side (people who gave a value), for one question or distinct people overall."""
    who = func.count(func.distinct(Answer.user_id))
    statement = (
        select(Answer.side, who)
        .where(Answer.check_id == check_id, Answer.value.is_not(None))
        .group_by(Answer.side)
    )
    if question_version_id is not None:
        statement = statement.where(Answer.question_version_id == question_version_id)
    return Counter({side: count for side, count in (await session.execute(statement)).all()})


async def due_open_checks(*, session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(Check.id).where(
            Check.status == "open", Check.deadline_at.is_not(None), Check.deadline_at <= now
        )
    )
    return list(rows)


async def checks_of_partnership(*, session: AsyncSession, partnership_id: int) -> list[Check]:
    rows = await session.scalars(
        select(Check)
        .where(Check.partnership_id == partnership_id)
        .options(
            selectinload(Check.questions).selectinload(CheckQuestion.question),
            selectinload(Check.participants),
        )
        .order_by(Check.created_at, Check.id)
    )
    return list(rows)


async def answers_of_check(*, session: AsyncSession, check_id: int) -> list[Answer]:
    rows = await session.scalars(
        select(Answer).where(Answer.check_id == check_id).order_by(Answer.id)
    )
    return list(rows)


# ---------------------------------------------------------------- answer clicks in batches
# Core statements (no ORM objects) for bot/background/answer_writer.py, built once, run on the
# synchronous Connection that Database.run_transaction hands its work.

ANSWERS = Answer.__table__
_BATCH_STATE = (
    select(
        Check.id,
        Check.status,
        Check.current_position,
        ANSWERS.c.question_version_id,
        ANSWERS.c.user_id,
        ANSWERS.c.value,
    )
    .select_from(
        Check.__table__.outerjoin(
            ANSWERS,
            # all three columns of the answers' unique index: each clicked answer is found
            # by the index, not by walking every answer of the check (thousands in a big one)
            and_(
                ANSWERS.c.check_id == Check.id,
                ANSWERS.c.question_version_id.in_(bindparam("version_ids", expanding=True)),
                ANSWERS.c.user_id.in_(bindparam("user_ids", expanding=True)),
            ),
        )
    )
    .where(Check.id.in_(bindparam("check_ids", expanding=True)))
)

AnswerKey = tuple[int, int, str]  # check_id, question_version_id, user_id


@dataclass(frozen=True)
class BatchState:
    checks: dict[int, tuple[str, int]]  # check id -> (status, current position)
    answers: dict[AnswerKey, str | None]  # the stored value of each answer that exists


def batch_state(
    *,
    connection: Connection,
    check_ids: Collection[int],
    version_ids: Collection[int],
    user_ids: Collection[str],
) -> BatchState:
    """In one query, read fresh: each check's state, and these people's answers to these
    questions (every combination of them that is stored: a superset of the clicked ones)."""
    result = connection.execute(
        _BATCH_STATE,
        {
            "check_ids": sorted(check_ids),
            "version_ids": sorted(version_ids),
            "user_ids": sorted(user_ids),
        },
    )
    state = BatchState(checks={}, answers={})
    for check_id, status, position, version_id, user_id, value in result:
        state.checks[check_id] = (status, position)
        if user_id is not None:
            state.answers[(check_id, version_id, user_id)] = value
    return state


@dataclass(frozen=True)
class AnswerRow:
    check_id: int
    question_version_id: int
    user_id: str
    side: str
    value: str | None
    now: datetime


def save_answer_values(*, connection: Connection, rows: Sequence[AnswerRow]) -> None:
    """Insert or change many answers' values (at most one row per key), as one executemany of
    a statement compiled once: a multi-row VALUES would be compiled anew for every size."""
    if not rows:
        return
    connection.execute(
        _answer_upsert(connection.dialect.name),
        [
            {
                "check_id": row.check_id,
                "question_version_id": row.question_version_id,
                "user_id": row.user_id,
                "side": row.side,
                "value": row.value,
                "comment": None,
                "created_at": row.now,
                "updated_at": row.now,
            }
            for row in rows
        ],
    )


@functools.cache
def _answer_upsert(dialect: str) -> Any:
    statement = insert_on(dialect, ANSWERS)
    return statement.on_conflict_do_update(
        index_elements=["check_id", "question_version_id", "user_id"],
        set_={
            "updated_at": statement.excluded.updated_at,
            "side": statement.excluded.side,
            "value": statement.excluded.value,
        },
    )


def latest_per_partnership(*where: ColumnElement[bool]) -> Subquery:
    """The ids of the checks matching `where`, each ranked within its partnership, newest
    first (`rank` 1 is the latest): join it and keep `rank == 1`."""
    return (
        select(
            Check.id,
            func.row_number()
            .over(
                partition_by=Check.partnership_id,
                order_by=(Check.created_at.desc(), Check.id.desc()),
            )
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
