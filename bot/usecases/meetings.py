"""Client meetings: log one, list them with their reflection messages, cancel or delete one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.blocks import ids
from bot.blocks import meetings as cards
from bot.blocks.text import escape
from bot.db import checks as check_store
from bot.db import deliveries
from bot.db import meetings as store
from bot.db.models import Meeting, Partnership
from bot.domain.summary import (
    CANCELLED_BY_US,
    CANCELLED_JOINTLY,
    MEETING_CANCELLED,
    WARNING_SIGNALS,
)
from bot.domain.wording import count_phrase
from bot.plumbing.errors import NotAllowed, NotFound, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed, SlackUser
from bot.slack.members import MEMBERS_LOOKED_AT, admin_of, of_workspace, people_in
from bot.usecases import nudges, permissions
from bot.usecases.checks import FormInvalid, previous_client_side

log = logging.getLogger(__name__)

PROPOSED_MAX = 30
LOOK_BACK = timedelta(days=14)
LOOK_AHEAD = timedelta(days=31)
OLDEST = timedelta(days=60)
FURTHEST = timedelta(days=365)
CANCEL_KINDS = {
    "client": MEETING_CANCELLED,
    "ours": CANCELLED_BY_US,
    "both": CANCELLED_JOINTLY,
}


@dataclass(frozen=True)
class MeetingForm:
    team_id: str
    channel_id: str
    user_id: str
    partnership_name: str | None
    title: str
    starts_at: datetime | None
    minutes: int
    just_ended: bool
    attendee_ids: tuple[str, ...]
    view_id: str | None = None


@dataclass(frozen=True)
class MeetingLogged:
    channel_id: str
    text: str


# ---------------------------------------------------------------- logging a meeting


async def open_meeting_modal(
    services: Services, *, trigger_id: str, team_id: str, channel_id: str, user_id: str
) -> None:
    """Open the form at once (trigger ids expire fast), then propose our people in the channel."""
    if not channel_id.startswith(("C", "G")):
        raise UserError(
            "Run `/partnership meeting` in the channel you share with the client, not in a DM."
        )
    async with services.db.unit_of_work() as session:
        partnership = await check_store.partnership_for_channel(
            session=session, channel_id=channel_id
        )
    name = partnership.name if partnership else None
    start = _default_start(services.clock.now())

    def build(people: list[str]) -> dict:
        return cards.meeting_modal(
            channel_id=channel_id,
            partnership_name=name,
            proposed_attendees=people,
            default_start=start,
        )

    opened = await services.gateway.open_view(trigger_id, build([user_id]))
    ours = await _our_channel_members(services, channel_id, team_id)
    proposed = list(dict.fromkeys([user_id, *ours]))[:PROPOSED_MAX]
    if proposed != [user_id] and opened.get("id"):
        try:
            await services.gateway.update_view(
                str(opened["id"]), build(proposed), view_hash=opened.get("hash")
            )
        except SlackCallFailed:
            log.info("Left the meeting form as it was; the person had already changed it")


async def validate_meeting(services: Services, form: MeetingForm) -> None:
    """Raise FormInvalid with a sentence per field to fix (looks attendees up in Slack)."""
    errors: dict[str, str] = {}
    now = services.clock.now()
    if form.partnership_name is not None and not form.partnership_name.strip():
        errors[ids.MEETING_PARTNERSHIP_BLOCK] = "Name the partnership, e.g. the client's name."
    if not form.title.strip():
        errors[ids.MEETING_TITLE_BLOCK] = "Give the meeting a title, e.g. “Monthly steering”."
    if form.minutes not in cards.LENGTHS:
        errors[ids.MEETING_LENGTH_BLOCK] = "Pick one of the lengths in the list."
    if not form.just_ended:
        if form.starts_at is None:
            errors[ids.MEETING_START_BLOCK] = "Pick when it starts, or tick “It just ended”."
        elif form.starts_at < now - OLDEST:
            errors[ids.MEETING_START_BLOCK] = "Pick a date within the last 60 days."
        elif form.starts_at > now + FURTHEST:
            errors[ids.MEETING_START_BLOCK] = "Pick a date within the next year."
    if not form.attendee_ids:
        errors[ids.MEETING_PEOPLE_BLOCK] = "Pick at least one person from our side."
    else:
        outsiders = await _not_ours(services, form)
        if outsiders:
            names = ", ".join(person.name for person in outsiders[:5])
            errors[ids.MEETING_PEOPLE_BLOCK] = (
                f"Only our side gets reflection messages: please leave out {names}."
            )
    if errors:
        raise FormInvalid(errors)


async def log_meeting(services: Services, form: MeetingForm) -> MeetingLogged | None:
    """Store the meeting and schedule its reflection messages; None for a repeated submission."""
    now = services.clock.now()
    ends_at = now if form.just_ended else (form.starts_at or now) + timedelta(minutes=form.minutes)
    starts_at = ends_at - timedelta(minutes=form.minutes)
    async with services.db.unit_of_work() as session:
        if form.view_id and not await deliveries.claim(
            session=session, key=f"meeting-view:{form.view_id}", now=now
        ):
            return None
        partnership = await check_store.partnership_for_channel(
            session=session, channel_id=form.channel_id
        )
        if partnership is None:
            partnership = await check_store.save_partnership(
                session=session,
                team_id=form.team_id,
                channel_id=form.channel_id,
                name=(form.partnership_name or "").strip() or "Partnership",
                user_id=form.user_id,
                now=now,
            )
        meeting = await store.add_meeting(
            session=session,
            partnership_id=partnership.id,
            title=form.title.strip()[: cards.TITLE_MAX],
            starts_at=starts_at,
            ends_at=ends_at,
            attendee_ids=form.attendee_ids,
            created_by=form.user_id,
            now=now,
        )
        await nudges.schedule_reflections(
            session,
            meeting=meeting,
            team_id=partnership.team_id,
            settings=services.settings,
            now=now,
        )
    return MeetingLogged(
        channel_id=form.channel_id,
        text=cards.meeting_logged_text(
            title=meeting.title,
            starts_at=starts_at,
            ends_at=ends_at,
            attendees=form.attendee_ids,
            now=now,
        ),
    )


# ---------------------------------------------------------------- listing


async def list_meetings(
    services: Services, *, channel_id: str, user_id: str
) -> tuple[str, list[dict]]:
    """Recent and upcoming meetings of the channel's partnership, for our side only."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        partnership = await check_store.partnership_for_channel(
            session=session, channel_id=channel_id
        )
        if partnership is None:
            raise UserError(
                "No meetings here yet: this channel has no partnership. Log a meeting with "
                "`/partnership meeting`."
            )
        meetings = await store.meetings_between(
            session=session,
            partnership_id=partnership.id,
            start=now - LOOK_BACK,
            end=now + LOOK_AHEAD,
            limit=cards.LIST_MAX + 1,
        )
        states = await nudges.nudge_states(session=session, meeting_ids=[m.id for m in meetings])
        feed = await store.feed_of(session=session, partnership_id=partnership.id)
        clients = await previous_client_side(session, partnership.id)
    await permissions.require(
        services,
        "/partnership meetings",
        permissions.Actor(
            user_id=user_id,
            team_id=partnership.team_id,
            client_side=frozenset(clients),
            ask_id=partnership.created_by,
        ),
    )
    viewer = await _viewer(services, user_id)
    rows = [
        cards.MeetingRow(
            id=m.id,
            title=m.title,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            status=m.status,
            source=m.source,
            attendees=tuple(a.user_id for a in m.attendees),
            states=tuple(
                cards.AttendeeState(user_id=s.user_id, label=s.label, error=s.last_error)
                for s in states.get(m.id, [])
            ),
        )
        for m in meetings
    ]
    manageable = frozenset(m.id for m in meetings if _may_manage(viewer, partnership, m))
    note = None
    if feed is not None:
        note = "Meetings also come from the calendar feed (`/partnership calendar` for details)."
        if feed.last_error:
            note = f"⚠️ The calendar feed can't be read at the moment: {feed.last_error}."
    return cards.meetings_list(
        partnership_name=partnership.name,
        rows=rows,
        now=now,
        manageable=manageable,
        feed_note=note,
    )


# ---------------------------------------------------------------- cancelling and deleting


async def cancel_meeting(
    services: Services,
    *,
    meeting_id: int,
    user_id: str,
    delete: bool,
    cancelled_by: str | None = None,
) -> str:
    """Cancel (recorded as a signal) or delete (logged by mistake) a meeting; nudges stop.

    `cancelled_by` ("client", "ours", "both"; None when not asked) decides the signal's kind:
    only a cancellation by the client (or by nobody said) is a warning sign in the summary.
    """
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        meeting = await store.load_meeting(session=session, meeting_id=meeting_id)
        if meeting is None or meeting.status == "deleted":
            raise NotFound("That meeting is gone already; `/partnership meetings` shows the rest.")
        partnership = await store.partnership(
            session=session, partnership_id=meeting.partnership_id
        )
    assert partnership is not None
    viewer = await _viewer(services, user_id)
    if not _may_manage(viewer, partnership, meeting):
        actor = permissions.Actor(
            user_id=user_id,
            team_id=partnership.team_id,
            lead_id=partnership.created_by,
            owner_id=meeting.created_by,
        )
        raise NotAllowed(permissions.refusal(permissions.RULES[ids.MEETING_MENU], actor))
    target = "deleted" if delete else "cancelled"
    async with services.db.unit_of_work() as session:
        changed = await store.set_meeting_status(
            session=session,
            meeting_id=meeting_id,
            expected="scheduled",
            status=target,
            by=user_id,
            now=now,
        )
        if not changed:
            return "That meeting was already cancelled; nothing more to do."
        stopped = await nudges.cancel_reflections(session, meeting_id=meeting_id, now=now)
        if not delete:
            await store.add_signal(
                session=session,
                partnership_id=partnership.id,
                meeting_id=meeting_id,
                kind=cancel_kind(cancelled_by),
                detail={
                    "title": meeting.title,
                    "starts_at": meeting.starts_at.isoformat(),
                    "source": "manual",
                    "by": user_id,
                    **({"cancelled_by": cancelled_by} if cancelled_by else {}),
                },
                occurred_at=now,
                now=now,
            )
    messages = f" and stopped {count_phrase(stopped, 'reflection message')}"
    if delete:
        return f"Deleted “{escape(meeting.title)}”{messages if stopped else ''}."
    noted = (
        "it is noted for the partnership's summary as a warning sign"
        if cancel_kind(cancelled_by) in WARNING_SIGNALS
        else "as our side cancelled it, the summary does not count it as a warning sign"
    )
    return f"Marked “{escape(meeting.title)}” as cancelled{messages if stopped else ''}; {noted}."


def cancel_kind(cancelled_by: str | None) -> str:
    """The signal a cancellation records; one nobody said who made counts as the client's."""
    return CANCEL_KINDS.get(cancelled_by or "client", MEETING_CANCELLED)


# ---------------------------------------------------------------- helpers


async def _viewer(services: Services, user_id: str) -> SlackUser | None:
    try:
        return await services.gateway.user(user_id)
    except SlackCallFailed:
        return None


def _may_manage(viewer: SlackUser | None, partnership: Partnership, meeting: Meeting) -> bool:
    """The meeting menu's rule (bot/usecases/permissions.py) for someone Slack told us about."""
    if viewer is None:
        return False
    person = permissions.Person(
        owner=viewer.id == meeting.created_by,
        lead=viewer.id == partnership.created_by,
        admin=admin_of(viewer, partnership.team_id),
    )
    return permissions.permits(permissions.RULES[ids.MEETING_MENU], person)


async def _not_ours(services: Services, form: MeetingForm) -> list[SlackUser]:
    people = await services.gateway.users(list(form.attendee_ids))
    return [person for person in people if not of_workspace(person, form.team_id)]


async def _our_channel_members(services: Services, channel_id: str, team_id: str) -> list[str]:
    """Our side's people in the channel; nobody when Slack can't say."""
    try:
        people = await people_in(services.gateway, channel_id, limit=MEMBERS_LOOKED_AT)
    except SlackCallFailed:
        return []
    return [person.id for person in people if of_workspace(person, team_id)]


def _default_start(now: datetime) -> datetime:
    """The most recent full hour: most meetings are logged soon after they happen."""
    return now.replace(minute=0, second=0, microsecond=0)
