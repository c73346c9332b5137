"""Block Kit and sentences for meetings, calendar feeds and recurring checks. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    confirm_dialog,
    context,
    count_phrase,
    escape,
    mention,
    mentions,
    plain,
    section,
    slack_date,
    trim,
)
from bot.domain.calendar_feed import TITLE_MAX  # a meeting's title, typed or from a feed
from bot.plumbing.numbers import row_id

LENGTHS = (15, 30, 45, 60, 90, 120, 180, 240)
DEFAULT_LENGTH = 60
LIST_MAX = 20
PARTNERSHIP_NAME_MAX = 80

LABEL_ICONS = {
    "waiting": "⏳",
    "sent": "📨",
    "answered": "✅",
    "skipped": "➖",
    "failed": "⚠️",
    "cancelled": "✖️",
    "opted out": "🔕",
}


# ---------------------------------------------------------------- the meeting modal


def meeting_modal(
    *,
    channel_id: str,
    partnership_name: str | None,
    proposed_attendees: Sequence[str],
    default_start: datetime,
) -> dict[str, Any]:
    """Log a client meeting: title, when, how long, who from our side (or "it just ended")."""
    blocks: list[dict[str, Any]] = []
    if partnership_name is None:
        blocks.append(
            {
                "type": "input",
                "block_id": ids.MEETING_PARTNERSHIP_BLOCK,
                "label": plain("Partnership"),
                "hint": plain("First meeting in this channel: name the partnership.", limit=2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.MEETING_PARTNERSHIP_INPUT,
                    "max_length": PARTNERSHIP_NAME_MAX,
                    "placeholder": plain("e.g. Acme × Northwind"),
                },
            }
        )
    length_options = [_length_option(minutes) for minutes in LENGTHS]
    people: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": ids.MEETING_PEOPLE_INPUT,
        "placeholder": plain("Our people at the meeting"),
    }
    if proposed_attendees:
        people["initial_users"] = list(proposed_attendees)[:100]
    blocks += [
        {
            "type": "input",
            "block_id": ids.MEETING_TITLE_BLOCK,
            "label": plain("Meeting"),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.MEETING_TITLE_INPUT,
                "max_length": TITLE_MAX,
                "placeholder": plain("e.g. Monthly steering meeting"),
            },
        },
        {
            "type": "input",
            "block_id": ids.MEETING_ENDED_BLOCK,
            "optional": True,
            "label": plain("Just finished?"),
            "element": {
                "type": "checkboxes",
                "action_id": ids.MEETING_ENDED_INPUT,
                "options": [
                    {
                        "text": plain("It just ended"),
                        "value": "just_ended",
                        "description": plain("The start time below is then ignored."),
                    }
                ],
            },
        },
        {
            "type": "input",
            "block_id": ids.MEETING_START_BLOCK,
            "optional": True,
            "label": plain("Date and start time"),
            "hint": plain("In your own time zone.", limit=2000),
            "element": {
                "type": "datetimepicker",
                "action_id": ids.MEETING_START_INPUT,
                "initial_date_time": int(default_start.timestamp()),
            },
        },
        {
            "type": "input",
            "block_id": ids.MEETING_LENGTH_BLOCK,
            "label": plain("Length"),
            "element": {
                "type": "static_select",
                "action_id": ids.MEETING_LENGTH_INPUT,
                "options": length_options,
                "initial_option": _length_option(DEFAULT_LENGTH),
            },
        },
        {
            "type": "input",
            "block_id": ids.MEETING_PEOPLE_BLOCK,
            "label": plain("Who from our side was there?"),
            "hint": plain(
                "Each of them gets a private message afterwards asking them to reflect. "
                "Leave the client's people out.",
                limit=2000,
            ),
            "element": people,
        },
    ]
    return {
        "type": "modal",
        "callback_id": ids.MEETING_VIEW,
        "private_metadata": channel_id,
        "title": plain("Log a meeting", limit=24),
        "submit": plain("Log meeting", limit=24),
        "close": plain("Cancel", limit=24),
        "blocks": blocks,
    }


def _length_option(minutes: int) -> dict[str, Any]:
    label = count_phrase(minutes, "minute") if minutes < 60 else _hours(minutes)
    return {"text": plain(label), "value": str(minutes)}


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    text = count_phrase(hours, "hour")
    return f"{text} {count_phrase(rest, 'minute')}" if rest else text


def meeting_logged_text(
    *, title: str, starts_at: datetime, ends_at: datetime, attendees: Sequence[str], now: datetime
) -> str:
    when = "It ended just now" if ends_at <= now else f"It ends {slack_date(ends_at)}"
    return (
        f"Logged *{escape(title)}* ({slack_date(starts_at)}). {when}; a little later "
        f"{mentions(attendees)} will each get a private message asking them to reflect, "
        "within their working hours. `/partnership meetings` shows how that goes."
    )


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class AttendeeState:
    user_id: str
    label: str  # waiting / sent / answered / skipped / failed / cancelled / opted out
    error: str | None = None


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    attendees: tuple[str, ...]
    states: tuple[AttendeeState, ...] = field(default_factory=tuple)


def meetings_list(
    *,
    partnership_name: str,
    rows: Sequence[MeetingRow],
    now: datetime,
    manageable: frozenset[int],
    feed_note: str | None,
) -> tuple[str, list[dict[str, Any]]]:
    """Recent and upcoming meetings with each attendee's reflection state (an ephemeral reply).

    `manageable`: meetings this reader may cancel or delete; they also see why a message failed.
    """
    text = f"Meetings of {escape(partnership_name)}"
    blocks: list[dict[str, Any]] = [section(f"*Meetings of {escape(partnership_name)}*")]
    if feed_note:
        blocks.append(context(feed_note))
    if not rows:
        blocks.append(
            section(
                "No meetings in the last two weeks or the next month. Log one with "
                "`/partnership meeting`, or follow a calendar with `/partnership calendar ICS-URL`."
            )
        )
        return text, blocks
    shown = list(rows)[:LIST_MAX]
    for row in shown:
        line = _meeting_line(row, now)
        block = section(line)
        if row.id in manageable and row.status == "scheduled":
            block["accessory"] = _meeting_menu(row.id)
        blocks.append(block)
        blocks.append(context(_states_line(row, show_errors=row.id in manageable)))
    if len(rows) > len(shown):
        blocks.append(context(f"…and {len(rows) - len(shown)} more not shown."))
    return text, blocks


def _meeting_line(row: MeetingRow, now: datetime) -> str:
    minutes = max(0, int((row.ends_at - row.starts_at).total_seconds() // 60))
    where = "from the calendar" if row.source == "calendar" else "logged by hand"
    status = ""
    if row.status == "cancelled":
        status = " · *cancelled*"
    elif row.ends_at <= now:
        status = " · done"
    elif row.starts_at <= now:
        status = " · on now"
    title = escape(trim(row.title, TITLE_MAX))
    return f"*{title}*\n{slack_date(row.starts_at)} · {minutes} min · {where}{status}"


def _states_line(row: MeetingRow, *, show_errors: bool) -> str:
    if row.status == "cancelled":
        return "No reflection messages: the meeting was cancelled."
    if not row.states:
        people = mentions(row.attendees)
        return f"Reflection messages go out after the meeting to {people}."
    parts = []
    for state in row.states:
        icon = LABEL_ICONS.get(state.label, "•")
        part = f"{icon} {mention(state.user_id)} {state.label}"
        if state.label == "failed" and show_errors and state.error:
            part += f" ({escape(trim(state.error, 120))})"
        parts.append(part)
    return " · ".join(parts)


def _meeting_menu(meeting_id: int) -> dict[str, Any]:
    return {
        "type": "overflow",
        "action_id": ids.MEETING_MENU,
        "options": [
            *(
                {"text": plain(label), "value": f"{what}:{meeting_id}"}
                for what, label in CANCEL_CHOICES.items()
            ),
            {"text": plain("Delete (logged by mistake)"), "value": f"delete:{meeting_id}"},
        ],
        # Slack allows one confirm per overflow; both of its choices are final
        "confirm": confirm_dialog(
            title="Change this meeting?",
            text="Cancelling or deleting it stops its reflection messages. It can't be undone.",
            yes="Yes, go ahead",
            no="Keep it",
        ),
    }


# Mark as cancelled asks who cancelled: only the client's cancellation is a warning sign.
CANCEL_CHOICES = {
    "cancel_client": "Cancelled by the client",
    "cancel_us": "Cancelled by us",
    "cancel_both": "Cancelled: both agreed",
}
WHO_CANCELLED = {"cancel_client": "client", "cancel_us": "ours", "cancel_both": "both"}


def parse_menu_value(value: str) -> tuple[str, int]:
    """("delete" | "cancel_client" | "cancel_us" | "cancel_both" | "cancel", meeting id);
    a bare "cancel" comes from a list posted before the menu asked who cancelled."""
    what, _, number = value.partition(":")
    meeting_id = row_id(number)
    if what not in ("cancel", "delete", *CANCEL_CHOICES) or meeting_id is None:
        raise ValueError("not a meeting menu value")
    return what, meeting_id


# ---------------------------------------------------------------- calendar feeds


def feed_failed_text(channel_id: str, reason: str) -> str:
    return (
        f"I couldn't read the calendar feed you set for <#{channel_id}>: {escape(reason)}. "
        "Until it works, no new meetings come from it (the ones I already have keep their "
        "reflection messages). Check the address in your calendar app and set it again with "
        "`/partnership calendar ICS-URL`, or stop it with `/partnership calendar off`. "
        "I'll tell you once it works again, and won't repeat this message meanwhile."
    )


def feed_recovered_text(channel_id: str) -> str:
    return f"Good news: the calendar feed for <#{channel_id}> works again."


def feed_followed_text(*, added: int, upcoming: int, poll_minutes: int) -> str:
    return (
        f"Following that calendar: {count_phrase(upcoming, 'upcoming meeting')} so far "
        f"({added} new here). I read it again every {count_phrase(poll_minutes, 'minute')}; "
        "moved and cancelled meetings are noted "
        "for the partnership's summary. Stop with `/partnership calendar off`."
    )


def feed_status_text(
    *, url_host: str | None, added_by: str | None, last_ok_at: datetime | None, error: str | None
) -> str:
    if url_host is None:
        return (
            "This partnership follows no calendar. Follow one with "
            "`/partnership calendar ICS-URL` (your calendar app's iCal address)."
        )
    text = f"Following a calendar on {escape(url_host)}, set by {mention(added_by or '')}."
    if last_ok_at is not None:
        text += f" Last read {slack_date(last_ok_at)}."
    if error:
        text += f" The latest read failed: {escape(error)}."
    return text + " Stop with `/partnership calendar off`."


# ---------------------------------------------------------------- recurring checks


@dataclass(frozen=True)
class ScheduleRow:
    template_name: str
    every: str
    next_due_at: datetime
    lead_user_id: str


def schedules_text(rows: Sequence[ScheduleRow]) -> str:
    usage = (
        "Set one with `/partnership schedule TEMPLATE EVERY`, e.g. "
        "`/partnership schedule partnership_check monthly` or "
        "`/partnership schedule ground_rules quarterly` (EVERY: weekly, fortnightly, monthly or "
        "quarterly). Stop one with `/partnership schedule off TEMPLATE`."
    )
    if not rows:
        return "No recurring checks in this channel yet. " + usage
    lines = ["Recurring checks in this channel:"]
    for row in rows:
        lines.append(
            f"• *{escape(row.template_name)}* {row.every}, next {slack_date(row.next_due_at)} "
            f"(lead {mention(row.lead_user_id)})"
        )
    return "\n".join([*lines, "", usage])


def schedule_set_text(row: ScheduleRow) -> str:
    return (
        f"Done: the *{escape(row.template_name)}* runs here {row.every}, starting "
        f"{slack_date(row.next_due_at)}, as an async check that stays open a few days. "
        "You lead it and I'll tell you each time it starts."
    )


def scheduled_check_started_text(
    *, channel_id: str, template_name: str, deadline: datetime, next_due_at: datetime
) -> str:
    return (
        f"I started the scheduled *{escape(template_name)}* in <#{channel_id}>; it closes "
        f"{slack_date(deadline)}. You lead it: close it early from its message if you like. "
        f"The next one is due {slack_date(next_due_at)} "
        "(`/partnership schedule off` stops them)."
    )


def next_run_text(next_due_at: datetime) -> str:
    return (
        f"The next one is due {slack_date(next_due_at)} (`/partnership schedule off` stops them)."
    )


def scheduled_check_failed_text(
    *, channel_id: str, template_name: str, reason: str, next_due_at: datetime
) -> str:
    return (
        f"The scheduled *{escape(template_name)}* in <#{channel_id}> didn't start: {reason} "
        f"I'll try again {slack_date(next_due_at)}; to start one now, use `/partnership check`."
    )
