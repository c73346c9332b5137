"""Storage reads and writes behind a check's summary. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Check, CheckQuestion, Partnership, QuestionVersion, Signal
from bot.db.types import bytewise
from bot.domain.summary import Note, Raiser, SignalLine, ValueCount


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
    *, session: AsyncSession, check_id: int, asked: Collection[int], texts: Collection[int]
) -> dict[int, int]:
    """Non-empty free-text answers (to `texts` questions) and comments, per question."""
    is_note = case(
        (and_(Answer.question_version_id.in_(texts), Answer.value != ""), 1), else_=0
    ) + case((Answer.comment != "", 1), else_=0)
    rows = await session.execute(
        select(Answer.question_version_id, func.sum(is_note))
        .where(Answer.check_id == check_id, Answer.question_version_id.in_(asked))
        .group_by(Answer.question_version_id)
    )
    return {version_id: int(count) for version_id, count in rows if count}


async def first_notes(
    *,
    session: AsyncSession,
    check_id: int,
    texts: Collection[int],
    quotas: Mapping[int, int],
    by_text: bool,
) -> list[Note]:
    """The quotas[question] first notes of each question, ranked as bot.domain.summary.note_key.

    Ranked by side, then person (by text when `by_text`), a text answer before a comment;
    strings by code point, as Python compares them. Only the kept notes' text is read.
    """
    wanted = {version_id: quota for version_id, quota in quotas.items() if quota}
    if not wanted:
        return []
    answer_notes = _note_keys(Answer.value, 0, by_text).where(
        Answer.check_id == check_id, Answer.question_version_id.in_(texts), Answer.value != ""
    )
    comments = _note_keys(Answer.comment, 1, by_text).where(
        Answer.check_id == check_id, Answer.comment != ""
    )
    notes = union_all(answer_notes, comments).subquery()
    rank = func.row_number().over(
        partition_by=notes.c.version_id,
        order_by=(bytewise(notes.c.side), bytewise(notes.c.key), notes.c.part),
    )
    ranked = select(notes.c.id, notes.c.version_id, notes.c.part, rank.label("rank")).subquery()
    rows = await session.execute(
        select(
            ranked.c.version_id,
            Answer.side,
            Answer.user_id,
            case((ranked.c.part == 0, Answer.value), else_=Answer.comment),
            ranked.c.part,
        )
        .join(Answer, Answer.id == ranked.c.id)
        .where(ranked.c.rank <= case(wanted, value=ranked.c.version_id, else_=0))
    )
    return [
        Note(version_id, side, user_id, text, bool(part))
        for version_id, side, user_id, text, part in rows
    ]


def _given(check_id: int, version_ids: Collection[int]) -> ColumnElement[bool]:
    """Answers of the check to these questions that carry a value."""
    return and_(
        Answer.check_id == check_id,
        Answer.question_version_id.in_(version_ids),
        Answer.value.is_not(None),
    )


def _note_keys(text: ColumnElement[str | None], part: int, by_text: bool) -> Select[Any]:
    """The answer, its question, and what its notes are ranked by (not the text unless needed)."""
    return select(
        Answer.id.label("id"),
        Answer.question_version_id.label("version_id"),
        Answer.side.label("side"),
        (text if by_text else Answer.user_id).label("key"),
        literal(part).label("part"),
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
