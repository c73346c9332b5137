"""What a person does with a reflection nudge: reflect (and maybe share), snooze, or skip.

A reflection belongs to the person who was asked: only they can open, answer, snooze or
skip it. Its free text stays private unless they tick "Share with my team", which lets the
lead's digest (bot.usecases.digest, our side only) quote it with their name. It is never
posted in the channel shared with the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import ids
from bot.blocks import nudges as cards
from bot.blocks.checks import QuestionInfo
from bot.blocks.nudges import NudgeInfo
from bot.db import meetings as meeting_store
from bot.db import outbox
from bot.db.models import (
    Meeting,
    Partnership,
    PersonSettings,
    QuestionVersion,
    ReflectionAnswer,
    ReflectionRequest,
    ScheduledMessage,
)
from bot.db.questions import versions_for
from bot.db.upsert import insert_for
from bot.domain.answers import InvalidAnswer, clean_comment, clean_value
from bot.domain.nudge_timing import SNOOZE_CHOICES, WorkingHours, snooze_until
from bot.domain.summary import MEETING_CANCELLED, MEETING_MOVED
from bot.plumbing.errors import NotAllowed, NotFound, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases import permissions
from bot.usecases.checks import FormInvalid
from bot.usecases.nudges import REMINDER, nudge_info, reminder_key
from questions.bank import DIMENSIONS

log = logging.getLogger(__name__)

REFLECTION_TEMPLATE = "reflection"
# answers to the reflection's signals question that record the client's warning sign
CLIENT_SIGNALS = {"moved_by_client": MEETING_MOVED, "cancelled_by_client": MEETING_CANCELLED}


@dataclass(frozen=True)
class Loaded:
    request: ReflectionRequest
    info: NudgeInfo


def value_block(position: int) -> str:
    """The block id of question `position` in the reflection modal."""
    return f"q{position}"


async def open_reflection(
    services: Services, *, trigger_id: str, request_id: int, user_id: str
) -> None:
    async with services.db.unit_of_work() as session:
        loaded = await _load(session, request_id, user_id, ids.REFLECT_NOW)
        if loaded.request.status in ("skipped", "cancelled"):
            raise UserError(
                f"This reflection was {loaded.request.status}, so there is nothing to answer; "
                "I'll ask again after your next client meeting."
            )
        versions = await _versions(services, session)
        stored = await session.scalars(
            select(ReflectionAnswer).where(ReflectionAnswer.request_id == request_id)
        )
        by_version = {answer.question_version_id: answer for answer in stored}
    existing = {
        position: (by_version[v.id].value, by_version[v.id].comment)
        for position, v in enumerate(versions)
        if v.id in by_version
    }
    view = cards.reflection_modal(
        request_id=request_id,
        info=loaded.info,
        questions=[_question_info(position, v) for position, v in enumerate(versions)],
        existing=existing,
    )
    await services.gateway.open_view(trigger_id, view)


async def submit_reflection(
    services: Services,
    *,
    request_id: int,
    user_id: str,
    answers: dict[int, tuple[str | None, str | None]],
    share: bool,
) -> None:
    """Store the answers (answering again changes them), stop any reminder, confirm."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        loaded = await _load(session, request_id, user_id, ids.REFLECTION_VIEW)
        if loaded.request.status in ("skipped", "cancelled"):
            raise UserError(
                f"This reflection was {loaded.request.status} in the meantime, so I didn't save it."
            )
        versions = await _versions(services, session)
        errors: dict[str, str] = {}
        cleaned: list[tuple[QuestionVersion, str | None, str | None]] = []
        for position, version in enumerate(versions):
            raw, raw_comment = answers.get(position, (None, None))
            try:
                value = clean_value(version.kind, version.options, raw) if raw else None
                comment = clean_comment(raw_comment)
            except InvalidAnswer as problem:
                errors[value_block(position)] = problem.reason
                continue
            if value is not None or comment is not None:
                cleaned.append((version, value, comment))
        if errors:
            raise FormInvalid(errors)
        if not cleaned:
            raise FormInvalid({value_block(0): "Answer at least one question, or press Cancel."})
        for version, value, comment in cleaned:
            await session.execute(
                insert_for(session, ReflectionAnswer)
                .values(
                    request_id=request_id,
                    question_version_id=version.id,
                    value=value,
                    comment=comment,
                    shared=share,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_update(
                    index_elements=["request_id", "question_version_id"],
                    set_={"value": value, "comment": comment, "shared": share, "updated_at": now},
                )
            )
        await session.execute(
            update(ReflectionRequest)
            .where(ReflectionRequest.id == request_id)
            .values(status="answered", answered_at=now)
            .execution_options(synchronize_session=False)
        )
        await _stop_reminders(session, request_id, now, "reflection answered")
        await _note_client_signals(session, loaded.request.meeting_id, cleaned, now)
        request = loaded.request
    # shared or not, a reflection is never posted anywhere the client reads: sharing means
    # the lead's digest (our side only) may quote it with the author's name
    await _update_dm(services, request, *cards.answered_message(loaded.info, shared=share))


async def _note_client_signals(
    session: AsyncSession,
    meeting_id: int,
    cleaned: list[tuple[QuestionVersion, str | None, str | None]],
    now: datetime,
) -> None:
    """A reflection saying the client moved or cancelled the meeting records a warning sign
    for the partnership's next summary: once per meeting, whoever says it first."""
    kinds = {
        CLIENT_SIGNALS[value]
        for version, value, _ in cleaned
        if version.dimension == "signals" and value in CLIENT_SIGNALS
    }
    if not kinds:
        return
    kinds -= await meeting_store.signal_kinds_of_meeting(session=session, meeting_id=meeting_id)
    meeting = await meeting_store.load_meeting(session=session, meeting_id=meeting_id)
    if meeting is None:
        return
    for kind in sorted(kinds):
        await meeting_store.add_signal(
            session=session,
            partnership_id=meeting.partnership_id,
            meeting_id=meeting_id,
            kind=kind,
            detail={
                "title": meeting.title,
                "starts_at": meeting.starts_at.isoformat(),
                "source": "reflection",
            },
            occurred_at=now,
            now=now,
        )


async def snooze(
    services: Services,
    *,
    request_id: int,
    user_id: str,
    choice: str,
    where: tuple[str, str] | None = None,
) -> datetime:
    """Bring this reflection back later (in the person's working hours). Returns when."""
    if choice not in SNOOZE_CHOICES:
        raise UserError("Pick one of the snooze choices in the menu.")
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        loaded = await _load(session, request_id, user_id, ids.SNOOZE_NUDGE)
        _require_waiting(loaded.request)
        person = await session.get(PersonSettings, user_id)
        hours = (
            WorkingHours.stored(person.work_days, person.work_start, person.work_end)
            if person
            else WorkingHours()
        )
        until = snooze_until(choice, now, person.tz if person else None, hours)
        await _bring_back(session, loaded.request, until=until, now=now)
        request = loaded.request
    await _update_dm(services, request, *cards.snoozed_message(loaded.info, until), where=where)
    return until


async def skip(
    services: Services, *, request_id: int, user_id: str, where: tuple[str, str] | None = None
) -> None:
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        loaded = await _load(session, request_id, user_id, ids.SKIP_NUDGE)
        _require_waiting(loaded.request)
        await session.execute(
            update(ReflectionRequest)
            .where(ReflectionRequest.id == request_id, ReflectionRequest.status == "waiting")
            .values(status="skipped")
            .execution_options(synchronize_session=False)
        )
        await _stop_reminders(session, request_id, now, "reflection skipped")
        request = loaded.request
    await _update_dm(services, request, *cards.skipped_message(loaded.info), where=where)


# ---------------------------------------------------------------- helpers


async def _bring_back(
    session: AsyncSession, request: ReflectionRequest, *, until: datetime, now: datetime
) -> None:
    """The request's reminder row comes back at `until`: moved if still pending, else a
    fresh one keyed by the message that was snoozed (so a double click cannot make two)."""
    moved = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.kind == REMINDER,
            ScheduledMessage.reference_id == request.id,
            ScheduledMessage.status.in_(("pending", "claimed")),
        )
        .values(
            status="pending",
            due_at=until,
            claimed_by=None,
            lease_until=None,
            payload={"snoozed": True},
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if (moved.rowcount or 0) > 0:
        return
    meeting = await session.get(Meeting, request.meeting_id)
    partnership = await session.get(Partnership, meeting.partnership_id) if meeting else None
    # the reminder's own row if it is free, else one row per snoozed message
    for dedupe_key in (
        reminder_key(request.id),
        f"snooze:{request.id}:{request.message_ts or 'first'}",
    ):
        if await outbox.enqueue(
            session=session,
            kind=REMINDER,
            dedupe_key=dedupe_key,
            due_at=until,
            now=now,
            team_id=partnership.team_id if partnership else None,
            user_id=request.user_id,
            reference_id=request.id,
            payload={"snoozed": True},
        ):
            return


async def _stop_reminders(
    session: AsyncSession, request_id: int, now: datetime, reason: str
) -> None:
    await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.reference_id == request_id,
            ScheduledMessage.kind.in_(("reflection_nudge", REMINDER)),
            ScheduledMessage.status.in_(("pending", "claimed")),
        )
        .values(
            status="cancelled", claimed_by=None, lease_until=None, last_error=reason, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )


def _require_waiting(request: ReflectionRequest) -> None:
    if request.status != "waiting":
        raise UserError(
            f"This reflection is already {request.status}, so there is nothing to change."
        )


async def _load(session: AsyncSession, request_id: int, user_id: str, action: str) -> Loaded:
    found = (
        await session.execute(
            select(ReflectionRequest, Meeting, Partnership)
            .join(Meeting, Meeting.id == ReflectionRequest.meeting_id)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(ReflectionRequest.id == request_id)
        )
    ).first()
    if found is None:
        raise NotFound("That meeting was deleted, so there is nothing to reflect on any more.")
    request, meeting, partnership = found
    rule = permissions.RULES[action]
    if not permissions.permits(rule, permissions.Person(owner=request.user_id == user_id)):
        actor = permissions.Actor(user_id=user_id, team_id="", owner_id=request.user_id)
        raise NotAllowed(
            permissions.refusal(rule, actor) + " Reflections are private to their author."
        )
    return Loaded(request=request, info=nudge_info(request, meeting, partnership))


async def _versions(services: Services, session: AsyncSession) -> list[QuestionVersion]:
    questions = services.bank.template_questions(REFLECTION_TEMPLATE)
    return await versions_for(session=session, questions=questions)


def _question_info(position: int, version: QuestionVersion) -> QuestionInfo:
    return QuestionInfo(
        position=position,
        text=version.text,
        help=version.help,
        kind=version.kind,
        dimension_label=DIMENSIONS.get(version.dimension, version.dimension),
        options=version.options,
        sides=tuple(version.sides),
        allow_comment=version.allow_comment,
    )


async def _update_dm(
    services: Services,
    request: ReflectionRequest,
    text: str,
    blocks: list[dict[str, Any]],
    *,
    where: tuple[str, str] | None = None,
) -> None:
    """Replace the nudge's buttons with what happened; a failure here changes nothing saved."""
    if where is None and request.dm_channel_id and request.message_ts:
        where = (request.dm_channel_id, request.message_ts)
    if where is None:
        return
    try:
        await services.gateway.update_message(where[0], where[1], text, blocks)
    except SlackCallFailed:
        log.info("Could not update the nudge message of request %d", request.id)
