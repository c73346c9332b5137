"""Storage reads and writes behind a check's summary. The caller owns the transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    distinct,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Answer, Check, CheckQuestion, Partnership, QuestionVersion, Signal
from bot.db.types import bytewise
from bot.domain.summary import Note, Raiser, SignalLine, ValueCount, note_key

# '' written inline, as in ix_answers_comments (bot.db.models.HAS_COMMENT): compared with a
# bound parameter instead, the planner could not tell that the index holds every comment.
EMPTY = literal_column("''")


async def check_for_summary(*, session: AsyncSession, check_id: int) -> Row[Any] | None:
    """The check's own columns the summary needs, with its partnership's name."""
    result = await session.execute(
        select(
            Check.id,
            Check.channel_id,
            Check.partnership_id,
            Check.template_id,
            Check.template_name,
            Check.anonymous,
            Check.status,
            Check.mode,
            Check.current_position,
            Check.created_at,
            Check.closed_at,
            Partnership.name.label("partnership_name"),
        )
        .join(Partnership, Partnership.id == Check.partnership_id)
        .where(Check.id == check_id)
    )
    return result.first()


async def questions_for_summary(*, session: AsyncSession, check_id: int) -> list[Row[Any]]:
    """(position, version_id, dimension, kind, text, options) of every question, in order."""
    result = await session.execute(
        select(
            CheckQuestion.position,
            QuestionVersion.id.label("version_id"),
            QuestionVersion.dimension,
            QuestionVersion.kind,
            QuestionVersion.text,
            QuestionVersion.options,
        )
        .join(QuestionVersion, QuestionVersion.id == CheckQuestion.question_version_id)
        .where(CheckQuestion.check_id == check_id)
        .order_by(CheckQuestion.position)
    )
    return list(result.all())


async def value_counts(
    *, session: AsyncSession, check_id: int, version_ids: Collection[int]
) -> list[ValueCount]:
    """How many people on each side gave each value to each of these questions."""
    rows = await session.execute(
        select(Answer.question_version_id, Answer.side, Answer.value, func.count())
        .where(_given(check_id, version_ids))
        .group_by(Answer.question_version_id, Answer.side, Answer.value)
    )
    return [ValueCount._make(row) for row in rows]


async def people_counts(
    *,
    session: AsyncSession,
    check_id: int,
    asked: Collection[int],
    scored: Collection[int],
    unscored: Collection[tuple[int, str]],
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """People who gave a value, per side; and per (dimension, side) among scored answers.

    `unscored` are (version_id, value) pairs of scored questions that score nothing.
    """
    people = func.count(distinct(Answer.user_id))
    per_side = (
        select(null().label("dimension"), Answer.side, people)
        .where(_given(check_id, asked))
        .group_by(Answer.side)
    )
    scoring = _given(check_id, scored)
    if unscored:
        scoring = and_(scoring, tuple_(Answer.question_version_id, Answer.value).not_in(unscored))
    per_dimension = (
        select(QuestionVersion.dimension, Answer.side, people)
        .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
        .where(scoring)
        .group_by(QuestionVersion.dimension, Answer.side)
    )
    respondents: dict[str, int] = {}
    scorers: dict[tuple[str, str], int] = {}
    for dimension, side, count in await session.execute(union_all(per_side, per_dimension)):
        if dimension is None:
            respondents[side] = count
        else:
            scorers[(dimension, side)] = count
    return dict(sorted(respondents.items())), scorers


async def deal_breaker_raisers(
    *, session: AsyncSession, check_id: int, deal_breakers: Collection[tuple[int, str]]
) -> list[Raiser]:
    """Who picked which deal-breaker (version_id, value)."""
    if not deal_breakers:
        return []
    rows = await session.execute(
        select(Answer.question_version_id, Answer.user_id, Answer.side).where(
            Answer.check_id == check_id,
            tuple_(Answer.question_version_id, Answer.value).in_(deal_breakers),
        )
    )
    return [Raiser._make(row) for row in rows]


async def notes_per_question(
    *, session: AsyncSession, check_id: int, texts: Collection[int]
) -> dict[int, int]:
    """Comments, and non-empty answers to the `texts` (free-text) questions, per question."""
    comments = (
        select(Answer.question_version_id, func.count())
        .where(Answer.check_id == check_id, Answer.comment != EMPTY)
        .group_by(Answer.question_version_id)
    )
    answers = (
        select(Answer.question_version_id, func.count())
        .where(
            Answer.check_id == check_id,
            Answer.question_version_id.in_(texts),
            Answer.value != EMPTY,
        )
        .group_by(Answer.question_version_id)
    )
    counts: dict[int, int] = defaultdict(int)
    for version_id, count in await session.execute(union_all(comments, answers)):
        counts[version_id] += count
    return dict(counts)


async def first_notes(
    *,
    session: AsyncSession,
    check_id: int,
    texts: Collection[int],
    quotas: Mapping[int, int],
    by_text: bool,
) -> list[Note]:
    """The quotas[question] first notes of each question, in bot.domain.summary.note_key order.

    Each question's first comments, and first free-text answers, are read in that order with
    a LIMIT per question, from indexes: the other notes are never visited. Strings are ordered
    by code point, as Python orders them.
    """
    wanted = {version_id: quota for version_id, quota in quotas.items() if quota}
    if not wanted:
        return []
    limit = max(wanted.values())
    comments = _first_of_each_question(
        check_id, wanted, comments=True, by_text=by_text, limit=limit
    )
    answers = _first_of_each_question(
        check_id,
        [version_id for version_id in texts if version_id in wanted],
        comments=False,
        by_text=by_text,
        limit=limit,
    )
    grouped: dict[int, list[Note]] = defaultdict(list)
    for version_id, side, user_id, text, is_comment in await session.execute(
        union_all(comments, answers)
    ):
        grouped[version_id].append(Note(version_id, side, user_id, text, bool(is_comment)))
    return [
        note
        for version_id, notes in grouped.items()
        for note in sorted(notes, key=lambda n: note_key(n, by_text))[: wanted[version_id]]
    ]


def _given(check_id: int, version_ids: Collection[int]) -> ColumnElement[bool]:
    """Answers of the check to these questions that carry a value."""
    return and_(
        Answer.check_id == check_id,
        Answer.question_version_id.in_(version_ids),
        Answer.value.is_not(None),
    )


def _first_of_each_question(
    check_id: int, version_ids: Collection[int], *, comments: bool, by_text: bool, limit: int
) -> Select[Any]:
    """(version_id, side, user_id, text, is_comment) of the `limit` first comments (or
    free-text answers) to each of these questions, by side then person (text when `by_text`).
    """
    candidate = aliased(Answer)
    candidate_text = candidate.comment if comments else candidate.value
    first = (
        select(candidate.id)
        .where(
            candidate.check_id == CheckQuestion.check_id,
            candidate.question_version_id == CheckQuestion.question_version_id,
            candidate_text != EMPTY,
        )
        .order_by(
            bytewise(candidate.side),
            bytewise(candidate_text if by_text else candidate.user_id),
        )
        .limit(limit)
        .correlate(CheckQuestion)
    )
    return (
        select(
            CheckQuestion.question_version_id,
            Answer.side,
            Answer.user_id,
            Answer.comment if comments else Answer.value,
            literal(comments),
        )
        .join(Answer, Answer.id.in_(first))
        .where(
            CheckQuestion.check_id == check_id,
            CheckQuestion.question_version_id.in_(version_ids),
        )
    )


async def previous_summary(
    *,
    session: AsyncSession,
    partnership_id: int,
    template_id: str,
    check_id: int,
    started_before: datetime,
) -> dict[str, Any] | None:
    """The summary of the latest earlier check of the same template in this partnership."""
    return await session.scalar(
        select(Check.summary)
        .where(
            Check.partnership_id == partnership_id,
            Check.template_id == template_id,
            Check.id != check_id,
            Check.summary.is_not(None),
            Check.created_at <= started_before,
        )
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )


async def store_summary(*, session: AsyncSession, check_id: int, summary: dict[str, Any]) -> bool:
    """Compare-and-set closed → summarised with the summary; False if someone already did."""
    result = await session.execute(
        update(Check)
        .where(Check.id == check_id, Check.status == "closed")
        .values(status="summarised", summary=summary)
    )
    return result.rowcount == 1


async def summary_of(*, session: AsyncSession, check_id: int) -> dict[str, Any] | None:
    return await session.scalar(select(Check.summary).where(Check.id == check_id))


async def latest_summary(*, session: AsyncSession, partnership_id: int) -> dict[str, Any] | None:
    return await session.scalar(
        select(Check.summary)
        .where(Check.partnership_id == partnership_id, Check.summary.is_not(None))
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )


async def history(*, session: AsyncSession, partnership_id: int) -> list[Any]:
    """(id, template name, status, started, closed, summary) of every check, oldest first."""
    rows = await session.execute(
        select(
            Check.id,
            Check.template_name,
            Check.status,
            Check.created_at,
            Check.closed_at,
            Check.summary,
        )
        .where(Check.partnership_id == partnership_id)
        .order_by(Check.created_at, Check.id)
    )
    return list(rows.all())


async def signals_for_summary(
    *,
    session: AsyncSession,
    partnership_id: int,
    check_id: int,
    started_at: datetime,
    until: datetime,
    limit: int,
) -> tuple[list[SignalLine], int]:
    """Warning signs recorded after the partnership's previous check closed, up to `until`.

    At most `limit` of them (oldest first) and how many there were in all: two statements.
    """
    previous_close = (
        select(func.max(Check.closed_at))
        .where(
            Check.partnership_id == partnership_id,
            Check.id != check_id,
            Check.closed_at.is_not(None),
            Check.created_at <= started_at,
        )
        .scalar_subquery()
    )
    window = and_(
        Signal.partnership_id == partnership_id,
        Signal.occurred_at <= until,
        or_(previous_close.is_(None), Signal.occurred_at > previous_close),
    )
    total = await session.scalar(select(func.count()).select_from(Signal).where(window)) or 0
    rows = await session.execute(
        select(Signal.kind, Signal.detail)
        .where(window)
        .order_by(Signal.occurred_at, Signal.id)
        .limit(limit)
    )
    return [_signal_line(kind, detail or {}) for kind, detail in rows], int(total)


def _signal_line(kind: str, detail: dict[str, Any]) -> SignalLine:
    return SignalLine(
        kind=kind,
        title=str(detail.get("title") or "A meeting"),
        starts_at=detail.get("starts_at") or detail.get("from"),
        moved_to=detail.get("to"),
        source=str(detail.get("source") or "manual"),
    )
