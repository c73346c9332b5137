"""`/partnership meeting|meetings|calendar|schedule`, the meeting form, and the meeting menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.blocks import meetings as cards
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import moment, whole_number
from bot.services import Services
from bot.usecases import calendar, meetings, permissions, schedules
from bot.usecases.checks import FormInvalid
from handlers.commands import Subcommand, add_subcommand
from handlers.common import (
    action_value,
    channel_of,
    input_value,
    require,
    team_of,
    tell,
    user_id_of,
)

Ack = Callable[..., Awaitable[None]]


async def _meeting(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    if rest:
        await ack(
            response_type="ephemeral",
            text="`/partnership meeting` takes no arguments: it opens a form for the details.",
        )
        return
    await require(services, "/partnership meeting", body)
    await ack()
    await meetings.open_meeting_modal(
        services,
        trigger_id=str(body.get("trigger_id", "")),
        team_id=team_of(body),
        channel_id=channel_of(body) or "",
        user_id=user_id_of(body),
    )


async def _meetings(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    text, blocks = await meetings.list_meetings(
        services, channel_id=channel_of(body) or "", user_id=user_id_of(body)
    )
    await ack(response_type="ephemeral", text=text, blocks=blocks)


async def _calendar(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    channel_id = channel_of(body) or ""
    variant = "" if not rest else " off" if rest.lower() == "off" else " <url>"
    await require(services, f"/partnership calendar{variant}", body)
    if not rest:
        feed = await calendar.calendar_status(services, channel_id=channel_id)
        text = cards.feed_status_text(
            url_host=urlsplit(feed.url).hostname if feed else None,
            added_by=feed.added_by if feed else None,
            last_ok_at=feed.last_ok_at if feed else None,
            error=feed.last_error if feed else None,
        )
        await ack(response_type="ephemeral", text=text)
        return
    if rest.lower() == "off":
        stopped = await calendar.stop_calendar(services, channel_id=channel_id)
        text = (
            "Stopped following the calendar. Meetings already read stay, with their reflections."
            if stopped
            else "This partnership wasn't following a calendar."
        )
        await ack(response_type="ephemeral", text=text)
        return
    url = calendar.feed_url(rest)
    await ack(response_type="ephemeral", text="Reading that calendar now…")
    try:
        report = await calendar.follow_calendar(
            services, channel_id=channel_id, user_id=user_id_of(body), raw_url=url
        )
    except UserError as problem:  # the reply is already sent: say it in a new message
        await tell(services, body, problem.message)
        return
    await tell(
        services,
        body,
        cards.feed_followed_text(
            added=report.added,
            upcoming=report.upcoming,
            poll_minutes=max(1, round(services.settings.calendar_poll_seconds / 60)),
        ),
    )


async def _schedule(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    words = rest.lower().split()
    variant = "" if not words else " off" if words[0] == "off" else " <every>"
    await require(services, f"/partnership schedule{variant}", body)
    text = await schedules.schedule_command(
        services, channel_id=channel_of(body) or "", user_id=user_id_of(body), rest=rest
    )
    await ack(response_type="ephemeral", text=text)


def read_meeting_form(body: dict[str, Any]) -> meetings.MeetingForm:
    view = body["view"]
    start = input_value(view, ids.MEETING_START_BLOCK, ids.MEETING_START_INPUT)
    length = str(input_value(view, ids.MEETING_LENGTH_BLOCK, ids.MEETING_LENGTH_INPUT) or "")
    has_name_field = ids.MEETING_PARTNERSHIP_BLOCK in (
        (view.get("state") or {}).get("values") or {}
    )
    return meetings.MeetingForm(
        team_id=team_of(body),
        channel_id=str(view.get("private_metadata", "")),
        user_id=user_id_of(body),
        partnership_name=(
            str(
                input_value(view, ids.MEETING_PARTNERSHIP_BLOCK, ids.MEETING_PARTNERSHIP_INPUT)
                or ""
            )
            if has_name_field
            else None
        ),
        title=str(input_value(view, ids.MEETING_TITLE_BLOCK, ids.MEETING_TITLE_INPUT) or ""),
        starts_at=moment(start) if start else None,
        minutes=min(whole_number(length) or 0, 100_000),
        just_ended="just_ended"
        in (input_value(view, ids.MEETING_ENDED_BLOCK, ids.MEETING_ENDED_INPUT) or []),
        attendee_ids=tuple(
            input_value(view, ids.MEETING_PEOPLE_BLOCK, ids.MEETING_PEOPLE_INPUT) or ()
        ),
        view_id=view.get("id"),
    )


def register(app: AsyncApp, services: Services) -> None:
    for entry in (
        Subcommand(
            "meeting",
            "/partnership meeting",
            "Log a client meeting, so our people there are asked to reflect.",
            _meeting,
        ),
        Subcommand(
            "meetings",
            "/partnership meetings",
            "See recent and coming meetings here, and whose reflections are in.",
            _meetings,
        ),
        Subcommand(
            "calendar",
            "/partnership calendar [ICS-URL | off]",
            "Follow the client's calendar feed, so its events become meetings.",
            _calendar,
        ),
        Subcommand(
            "schedule",
            "/partnership schedule [TEMPLATE] weekly | fortnightly | monthly | quarterly | off",
            "Repeat a check here on a rhythm, or stop it.",
            _schedule,
        ),
    ):
        add_subcommand(entry)

    @app.view(ids.MEETING_VIEW)
    async def on_meeting(ack: Ack, body: dict[str, Any]) -> None:
        form = read_meeting_form(body)
        actor = permissions.Actor(user_id=form.user_id, team_id=form.team_id)
        await permissions.require(services, ids.MEETING_VIEW, actor)
        try:
            await meetings.validate_meeting(services, form)
        except FormInvalid as invalid:
            await ack(response_action="errors", errors=invalid.errors)
            return
        await ack()
        logged = await meetings.log_meeting(services, form)
        if logged is not None:
            await tell(services, body, logged.text, channel=logged.channel_id)

    @app.action(ids.MEETING_MENU)
    async def on_meeting_menu(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        try:
            what, meeting_id = cards.parse_menu_value(action_value(body))
        except ValueError:
            raise UserError(
                "That menu is out of date; run `/partnership meetings` again."
            ) from None
        outcome = await meetings.cancel_meeting(
            services,
            meeting_id=meeting_id,
            user_id=user_id_of(body),
            delete=what == "delete",
            cancelled_by=cards.WHO_CANCELLED.get(what),
        )
        await tell(services, body, outcome)
