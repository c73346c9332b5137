"""A person's own data: `/partnership my data`, `/partnership forget me`, and the retention
of closed checks (`PARTNERCHECK_KEEP_CHECKS_DAYS`) the tick applies."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.blocks import person_data as cards
from bot.db import person_data as store
from bot.db.person_data import Forgotten, PersonRows
from bot.services import Services
from bot.slack.gateway import SlackCallFailed

log = logging.getLogger(__name__)

RETENTION_BATCH = 200  # checks deleted per transaction
RETENTION_BATCHES_PER_TICK = 10


async def export_for_person(services: Services, *, user_id: str) -> dict[str, Any]:
    """Everything stored about the person, as plain JSON-ready data."""
    async with services.db.reading() as session:
        rows = await store.rows_about(session=session, user_id=user_id)
    return person_json(rows, user_id=user_id, now=services.clock.now())


async def send_my_data(services: Services, *, user_id: str) -> None:
    """The person's data, as a JSON file in their direct messages with the app."""
    data = await export_for_person(services, user_id=user_id)
    content = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
    day = services.clock.now().date().isoformat()
    try:
        await services.gateway.upload_to_person(
            user_id,
            content=content,
            filename=f"partnercheck-my-data-{day}.json",
            title=cards.MY_DATA_MESSAGE,
        )
    except SlackCallFailed as failure:
        log.warning("A person's data could not be sent: Slack answered %s", failure.error)


async def open_forget_me(services: Services, *, trigger_id: str) -> None:
    await services.gateway.open_view(trigger_id, cards.forget_me_modal())


async def forget_me(services: Services, *, user_id: str) -> Forgotten:
    """Deletes the person's own rows everywhere and takes their id out of the rest."""
    async with services.db.unit_of_work() as session:
        forgotten = await store.forget(session=session, user_id=user_id)
    services.started_checks.clear()  # cached checks list participants
    log.info(
        "Forgot a person: %d answers, %d reflections, %d attendances, %d messages, "
        "%d summaries rewritten",
        forgotten.answers,
        forgotten.reflections,
        forgotten.meetings,
        forgotten.messages,
        forgotten.summaries,
    )
    return forgotten


async def tell_forgotten(services: Services, *, user_id: str, forgotten: Forgotten) -> None:
    text = cards.forgotten_text(
        answers=forgotten.answers,
        comments=forgotten.comments,
        reflections=forgotten.reflections,
        meetings=forgotten.meetings,
        messages=forgotten.messages,
    )
    try:
        await services.gateway.post_message(await services.gateway.open_dm(user_id), text)
    except SlackCallFailed as failure:
        log.warning("Forget-me confirmation not sent: Slack answered %s", failure.error)


async def prune_closed_checks(services: Services) -> int:
    """Deletes checks closed more than PARTNERCHECK_KEEP_CHECKS_DAYS ago, in batches (one
    transaction each, so no lock is held long); how many. Does nothing when it is off."""
    days = services.settings.keep_checks_days
    if days is None:
        return 0
    cutoff = services.clock.now() - timedelta(days=days)
    deleted = 0
    for _ in range(RETENTION_BATCHES_PER_TICK):
        async with services.db.unit_of_work() as session:
            ids = await store.closed_checks_before(
                session=session, cutoff=cutoff, limit=RETENTION_BATCH
            )
            if ids:
                deleted += await store.delete_checks(session=session, check_ids=ids)
        if len(ids) < RETENTION_BATCH:
            break
    if deleted:
        services.started_checks.clear()
        log.info("Retention: deleted %d checks closed more than %g days ago", deleted, days)
    return deleted


def person_json(rows: PersonRows, *, user_id: str, now: datetime) -> dict[str, Any]:
    settings = rows.settings
    answers_by_request: dict[int, list[dict[str, Any]]] = {}
    for answer, question_id, text in rows.reflection_answers:
        answers_by_request.setdefault(answer.request_id, []).append(
            {
                "question_id": question_id,
                "question": text,
                "value": answer.value,
                "comment": answer.comment,
                "shared_in_channel": answer.shared,
                "answered_at": _iso(answer.created_at),
                "changed_at": _iso(answer.updated_at),
            }
        )
    return {
        "about": "Everything Partnership Check stores about you",
        "exported_at": _iso(now),
        "user_id": user_id,
        "name": rows.person.name if rows.person else None,
        "settings": None
        if settings is None
        else {
            "time_zone": settings.tz,
            "working_days": settings.work_days,
            "working_hours": f"{settings.work_start}-{settings.work_end}",
            "reflection_messages": "off" if settings.opted_out else "on",
            "changed_at": _iso(settings.updated_at),
        },
        "answers": [
            {
                "partnership": name,
                "channel_id": channel_id,
                "check_id": answer.check_id,
                "template": template,
                "check_started_at": _iso(started),
                "question_id": question_id,
                "question_version": version,
                "question": text,
                "side": answer.side,
                "value": answer.value,
                "comment": answer.comment,
                "answered_at": _iso(answer.created_at),
                "changed_at": _iso(answer.updated_at),
            }
            for (
                answer,
                question_id,
                version,
                text,
                template,
                started,
                name,
                channel_id,
            ) in rows.answers
        ],
        "reflections": [
            {
                "meeting": title,
                "meeting_starts_at": _iso(starts_at),
                "channel_id": channel_id,
                "status": request.status,
                "answered_at": _iso(request.answered_at),
                "answers": answers_by_request.get(request.id, []),
            }
            for request, title, starts_at, channel_id in rows.reflections
        ],
        "meetings_attended": [
            {
                "title": meeting.title,
                "partnership": name,
                "channel_id": channel_id,
                "starts_at": _iso(meeting.starts_at),
                "ends_at": _iso(meeting.ends_at),
                "status": meeting.status,
                "source": meeting.source,
            }
            for meeting, name, channel_id in rows.meetings
        ],
        "checks_led": [
            {
                "check_id": check_id,
                "template": template,
                "status": status,
                "started_at": _iso(started),
                "partnership": name,
            }
            for check_id, template, status, started, name in rows.checks_led
        ],
        "next_steps": [
            {
                "partnership": name,
                "text": step.text,
                "you_own_it": step.owner_user_id == user_id,
                "you_added_it": step.created_by == user_id,
                "due": step.due_date.isoformat() if step.due_date else None,
                "status": step.status,
            }
            for step, name in rows.next_steps
        ],
        "messages_to_you": [
            {
                "kind": message.kind,
                "due_at": _iso(message.due_at),
                "status": message.status,
                "sent_at": _iso(message.sent_at),
            }
            for message in rows.messages
        ],
        "practice_lead_in_workspaces": rows.practice_lead_of,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
