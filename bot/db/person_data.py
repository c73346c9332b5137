"""Everything stored about one person, and forgetting them. The caller owns the transaction.

Rows that are the person's own (answers, reflections, settings, attendances, messages to
them) are read or deleted; rows they share with others (a partnership they created, a check
they led, a meeting they logged) keep existing with FORGOTTEN, or nothing, where their id was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    INSTALLATIONS,
    Answer,
    CalendarFeed,
    Check,
    CheckSchedule,
    Meeting,
    MeetingAttendee,
    NextStep,
    Participant,
    Partnership,
    Person,
    PersonSettings,
    PracticeLead,
    QuestionVersion,
    ReflectionAnswer,
    ReflectionRequest,
    RetiredQuestion,
    ScheduledMessage,
    Signal,
)
from bot.domain.forgetting import FORGOTTEN, Words, scrub_detail, scrub_summary


@dataclass(frozen=True)
class PersonRows:
    """What `rows_about` found, as database rows (the use case shapes them)."""

    person: Person | None
    settings: PersonSettings | None
    answers: list[Row[Any]]
    reflections: list[Row[Any]]
    reflection_answers: list[Row[Any]]
    meetings: list[Row[Any]]
    checks_led: list[Row[Any]]
    next_steps: list[Row[Any]]
    messages: list[ScheduledMessage]
    practice_lead_of: list[str]


@dataclass(frozen=True)
class Forgotten:
    """How much forgetting a person took away."""

    answers: int
    comments: int
    reflections: int
    meetings: int  # attendances
    messages: int
    settings: int
    summaries: int  # closed summaries their name or words were taken out of


async def rows_about(*, session: AsyncSession, user_id: str) -> PersonRows:
    answers = (
        await session.execute(
            select(
                Answer,
                QuestionVersion.question_id,
                QuestionVersion.version,
                QuestionVersion.text,
                Check.template_name,
                Check.created_at.label("check_started_at"),
                Partnership.name,
                Partnership.channel_id,
            )
            .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
            .join(Check, Check.id == Answer.check_id)
            .join(Partnership, Partnership.id == Check.partnership_id)
            .where(Answer.user_id == user_id)
            .order_by(Answer.check_id, Answer.id)
        )
    ).all()
    reflections = (
        await session.execute(
            select(ReflectionRequest, Meeting.title, Meeting.starts_at, Partnership.channel_id)
            .join(Meeting, Meeting.id == ReflectionRequest.meeting_id)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(ReflectionRequest.user_id == user_id)
            .order_by(ReflectionRequest.id)
        )
    ).all()
    reflection_answers = (
        await session.execute(
            select(ReflectionAnswer, QuestionVersion.question_id, QuestionVersion.text)
            .join(QuestionVersion, QuestionVersion.id == ReflectionAnswer.question_version_id)
            .where(ReflectionAnswer.request_id.in_(_requests_of(user_id)))
            .order_by(ReflectionAnswer.request_id, ReflectionAnswer.id)
        )
    ).all()
    meetings = (
        await session.execute(
            select(Meeting, Partnership.name, Partnership.channel_id)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(MeetingAttendee.user_id == user_id)
            .order_by(Meeting.starts_at)
        )
    ).all()
    checks_led = (
        await session.execute(
            select(Check.id, Check.template_name, Check.status, Check.created_at, Partnership.name)
            .join(Partnership, Partnership.id == Check.partnership_id)
            .where(Check.lead_user_id == user_id)
            .order_by(Check.created_at)
        )
    ).all()
    next_steps = (
        await session.execute(
            select(NextStep, Partnership.name)
            .join(Partnership, Partnership.id == NextStep.partnership_id)
            .where(or_(NextStep.owner_user_id == user_id, NextStep.created_by == user_id))
            .order_by(NextStep.created_at)
        )
    ).all()
    messages = (
        await session.scalars(
            select(ScheduledMessage)
            .where(ScheduledMessage.user_id == user_id)
            .order_by(ScheduledMessage.due_at)
        )
    ).all()
    leads = (
        await session.scalars(select(PracticeLead.team_id).where(PracticeLead.user_id == user_id))
    ).all()
    return PersonRows(
        person=await session.get(Person, user_id),
        settings=await session.get(PersonSettings, user_id),
        answers=list(answers),
        reflections=list(reflections),
        reflection_answers=list(reflection_answers),
        meetings=list(meetings),
        checks_led=list(checks_led),
        next_steps=list(next_steps),
        messages=list(messages),
        practice_lead_of=list(leads),
    )


async def forget(*, session: AsyncSession, user_id: str) -> Forgotten:
    """Delete the person's own rows and take their id out of everyone else's."""
    summaries = await _scrub_summaries(session, user_id)
    answers, comments = (
        await session.execute(
            select(func.count(), func.count(Answer.comment)).where(Answer.user_id == user_id)
        )
    ).one()
    await _scrub_signals(session, user_id)
    messages = await _delete(session, ScheduledMessage, ScheduledMessage.user_id == user_id)
    await _delete(session, ReflectionAnswer, ReflectionAnswer.request_id.in_(_requests_of(user_id)))
    reflections = await _delete(session, ReflectionRequest, ReflectionRequest.user_id == user_id)
    meetings = await _delete(session, MeetingAttendee, MeetingAttendee.user_id == user_id)
    await _delete(session, Answer, Answer.user_id == user_id)
    await _delete(session, Participant, Participant.user_id == user_id)
    settings = await _delete(session, PersonSettings, PersonSettings.user_id == user_id)
    await _delete(session, Person, Person.user_id == user_id)
    await _delete(session, PracticeLead, PracticeLead.user_id == user_id)
    # a repeating check would go on starting checks in their name: it stops
    await _delete(session, CheckSchedule, CheckSchedule.lead_user_id == user_id)
    # slack_sdk's installation row names its installer; the installation itself stays
    await session.execute(
        update(INSTALLATIONS).where(INSTALLATIONS.c.user_id == user_id).values(user_id=FORGOTTEN)
    )
    for column, replacement in (
        (Partnership.created_by, FORGOTTEN),
        (Check.lead_user_id, FORGOTTEN),
        (Check.closed_by, FORGOTTEN),
        (NextStep.owner_user_id, None),
        (NextStep.created_by, FORGOTTEN),
        (Meeting.created_by, None),
        (Meeting.cancelled_by, FORGOTTEN),
        (CalendarFeed.added_by, FORGOTTEN),
        (PracticeLead.added_by, FORGOTTEN),
        (RetiredQuestion.retired_by, FORGOTTEN),
    ):
        await session.execute(
            update(column.class_)
            .where(column == user_id)
            .values({column.key: replacement})
            .execution_options(synchronize_session=False)
        )
    return Forgotten(
        answers=answers,
        comments=comments,
        reflections=reflections,
        meetings=meetings,
        messages=messages,
        settings=settings,
        summaries=summaries,
    )


async def _scrub_summaries(session: AsyncSession, user_id: str) -> int:
    """Closed summaries that name the person or quote them, rewritten without them."""
    words: dict[int, set[Words]] = defaultdict(set)
    rows = await session.execute(
        select(
            Answer.check_id,
            QuestionVersion.text,
            QuestionVersion.kind,
            Answer.value,
            Answer.comment,
        )
        .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
        .where(Answer.user_id == user_id)
    )
    for check_id, question, kind, value, comment in rows:
        if comment:
            words[check_id].add((question, comment))
        if kind == "text" and value:
            words[check_id].add((question, value))
    checks = (
        await session.scalars(
            select(Check).where(
                Check.summary.is_not(None),
                or_(Check.id.in_(list(words)), _mentions(Check.summary, user_id)),
            )
        )
    ).all()
    changed = 0
    for check in checks:
        assert check.summary is not None
        scrubbed = scrub_summary(check.summary, user_id=user_id, their_words=words[check.id])
        if scrubbed != check.summary:
            check.summary = scrubbed
            changed += 1
    await session.flush()
    return changed


async def _scrub_signals(session: AsyncSession, user_id: str) -> None:
    signals = (await session.scalars(select(Signal).where(_mentions(Signal.detail, user_id)))).all()
    for signal in signals:
        signal.detail = scrub_detail(signal.detail, user_id=user_id)
    await session.flush()


def _mentions(column: Any, user_id: str) -> Any:
    """The JSON column, as text, holds the id (Slack ids are letters and digits only)."""
    return cast(column, Text).contains(user_id, autoescape=True)


def _requests_of(user_id: str) -> Any:
    return select(ReflectionRequest.id).where(ReflectionRequest.user_id == user_id)


async def _delete(session: AsyncSession, model: Any, condition: Any) -> int:
    result = await session.execute(
        delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def closed_checks_before(*, session: AsyncSession, cutoff: datetime, limit: int) -> list[int]:
    """Up to `limit` ids of checks closed before `cutoff`, oldest first."""
    return list(
        (
            await session.scalars(
                select(Check.id)
                .where(Check.closed_at < cutoff, Check.status != "open")
                .order_by(Check.closed_at, Check.id)
                .limit(limit)
            )
        ).all()
    )


async def delete_checks(*, session: AsyncSession, check_ids: list[int]) -> int:
    """The checks, with their questions, participants and answers (ON DELETE CASCADE); next
    steps agreed in them stay with the partnership."""
    return await _delete(session, Check, Check.id.in_(check_ids))
