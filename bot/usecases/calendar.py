"""A partnership's calendar feed: follow it, read it on a schedule, turn events into meetings.

Reading a feed (one tick of `poll_calendars`):

    due feed ──claim (compare-and-set last_polled_at)──▶ fetch ──▶ parse ──▶ plan ──▶ apply
                                                           │         │
                                                           └─ error ─┴─▶ record; DM the lead once
                                                                        (until a read works again)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import meetings as cards
from bot.db import checks as check_store
from bot.db import meetings as store
from bot.db import workspaces as workspace_store
from bot.db.models import CANCELLED_BY_FEED, CalendarFeed, Meeting, MeetingAttendee
from bot.domain.calendar_feed import (
    FeedEvent,
    FeedUnreadable,
    KnownMeeting,
    ParsedFeed,
    SyncPlan,
    Window,
    parse_feed,
    plan_sync,
)
from bot.domain.forgetting import FORGOTTEN
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.slack.calendar_fetch import FeedFetchFailed, FetchLimits, fetch_feed, normalise_feed_url
from bot.slack.gateway import SlackCallFailed
from bot.slack.members import of_workspace
from bot.usecases import nudges
from bot.usecases.partnerships import require_partnership
from bot.usecases.workspaces import working_for

log = logging.getLogger(__name__)

FetchFeed = Callable[[str], Awaitable[bytes]]

MOVED = "meeting_moved"
CANCELLED = "meeting_cancelled"
POLL_CONCURRENCY = 4  # feeds read at once by one process
MAX_EMAIL_LOOKUPS = 50  # per read; users.lookupByEmail is a Tier 3 method


@dataclass(frozen=True)
class SyncReport:
    added: int = 0
    moved: int = 0
    cancelled: int = 0
    upcoming: int = 0


def default_fetch(services: Services) -> FetchFeed:
    limits = FetchLimits(allow_private=services.settings.calendar_allow_private)

    async def fetch(url: str) -> bytes:
        return await fetch_feed(url, limits)

    return fetch


async def read_feed(data: bytes, now: datetime) -> ParsedFeed:
    """Parse and expand in a worker thread: a big feed takes a second of CPU, and the app
    keeps answering Slack meanwhile."""
    return await asyncio.to_thread(parse_feed, data, Window.around(now))


# ---------------------------------------------------------------- following a feed


def feed_url(raw_url: str) -> str:
    """The address to read, or a UserError saying what a calendar address looks like."""
    try:
        return normalise_feed_url(raw_url)
    except ValueError:
        raise UserError(
            "That doesn't look like a calendar address. Paste the feed's https:// (or webcal://) "
            "address, e.g. `/partnership calendar https://calendar.example.com/feed.ics`."
        ) from None


async def follow_calendar(
    services: Services,
    *,
    channel_id: str,
    user_id: str,
    raw_url: str,
    fetch: FetchFeed | None = None,
) -> SyncReport:
    """Read the feed once (so a wrong address is refused now, not later), then follow it."""
    url = feed_url(raw_url)
    partnership = await require_partnership(services, channel_id, then="set the calendar feed")
    now = services.clock.now()
    try:
        feed = await read_feed(await (fetch or default_fetch(services))(url), now)
    except (FeedFetchFailed, FeedUnreadable) as problem:
        raise UserError(
            f"I couldn't read that calendar: {problem.reason}. Nothing was changed. Check the "
            "address (calendar apps call it the secret or public iCal address) and try again."
        ) from None
    async with services.db.unit_of_work() as session:
        await store.save_feed(
            session=session, partnership_id=partnership.id, url=url, user_id=user_id, now=now
        )
    return await _apply(
        services,
        partnership_id=partnership.id,
        team_id=partnership.team_id,
        owner=user_id,
        feed_added_at=now,
        parsed=feed,
    )


async def stop_calendar(services: Services, *, channel_id: str) -> bool:
    """Stop following; meetings already read stay, with their nudges."""
    partnership = await require_partnership(services, channel_id, then="set the calendar feed")
    async with services.db.unit_of_work() as session:
        return await store.drop_feed(session=session, partnership_id=partnership.id)


async def calendar_status(services: Services, *, channel_id: str) -> CalendarFeed | None:
    async with services.db.unit_of_work() as session:
        partnership = await check_store.partnership_for_channel(
            session=session, channel_id=channel_id
        )
        if partnership is None:
            return None
        return await store.feed_of(session=session, partnership_id=partnership.id)


# ---------------------------------------------------------------- the scheduled read


async def poll_calendars(services: Services, *, fetch: FetchFeed | None = None) -> int:
    """Read every feed not read for PARTNERCHECK_CALENDAR_POLL_SECONDS; returns how many."""
    now = services.clock.now()
    cutoff = now - timedelta(seconds=services.settings.calendar_poll_seconds)
    async with services.db.unit_of_work() as session:
        due = await store.due_feeds(session=session, polled_before=cutoff)
        teams = await workspace_store.teams_of_partnerships(
            session=session, partnership_ids=[feed.partnership_id for feed in due]
        )
    gate = asyncio.Semaphore(POLL_CONCURRENCY)
    reader = fetch or default_fetch(services)

    async def one(feed: CalendarFeed) -> int:
        async with gate, working_for(services, teams.get(feed.partnership_id)) as installed:
            if not installed:
                return 0  # an uninstalled workspace's feeds are read no more
            async with services.db.unit_of_work() as session:
                claimed = await store.claim_feed(session=session, feed=feed, now=now)
            if not claimed:
                return 0  # another process is reading it
            try:
                await poll_feed(services, feed, fetch=reader)
            except Exception as error:  # one broken feed must not stop the others
                log.error(
                    "Reading the calendar of partnership %s failed: %s",
                    feed.partnership_id,
                    type(error).__name__,
                    exc_info=error,
                )
            return 1

    return sum(await asyncio.gather(*(one(feed) for feed in due)))


async def poll_feed(services: Services, feed: CalendarFeed, *, fetch: FetchFeed) -> None:
    now = services.clock.now()
    try:
        parsed = await read_feed(await fetch(feed.url), now)
    except (FeedFetchFailed, FeedUnreadable) as problem:
        await _report_failure(services, feed, problem.reason)
        return
    async with services.db.unit_of_work() as session:
        partnership = await store.partnership(session=session, partnership_id=feed.partnership_id)
        recovered = await store.feed_worked(
            session=session, partnership_id=feed.partnership_id, url=feed.url, now=now
        )
    if partnership is None or recovered is None:
        return  # the feed was stopped or replaced while it was being read
    await _apply(
        services,
        partnership_id=partnership.id,
        team_id=partnership.team_id,
        owner=feed.added_by,
        feed_added_at=feed.created_at,
        parsed=parsed,
    )
    if recovered:
        await _dm(services, feed.added_by, cards.feed_recovered_text(partnership.channel_id))


async def _report_failure(services: Services, feed: CalendarFeed, reason: str) -> None:
    log.warning("Calendar of partnership %s unreadable: %s", feed.partnership_id, reason)
    async with services.db.unit_of_work() as session:
        first = await store.feed_failed(
            session=session, partnership_id=feed.partnership_id, url=feed.url, error=reason
        )
        partnership = await store.partnership(session=session, partnership_id=feed.partnership_id)
    if not first or partnership is None:
        return
    text = cards.feed_failed_text(partnership.channel_id, reason)
    if not await _dm(services, feed.added_by, text):
        async with services.db.unit_of_work() as session:
            await store.unmark_reported(session=session, partnership_id=feed.partnership_id)


async def _dm(services: Services, user_id: str, text: str) -> bool:
    if user_id == FORGOTTEN:
        return True  # the person who set the feed asked to be forgotten: nobody to tell
    try:
        channel = await services.gateway.open_dm(user_id)
        await services.gateway.post_message(channel, text)
    except SlackCallFailed:
        return False
    return True


# ---------------------------------------------------------------- events → meetings


async def _apply(
    services: Services,
    *,
    partnership_id: int,
    team_id: str,
    owner: str,
    feed_added_at: datetime,
    parsed: ParsedFeed,
) -> SyncReport:
    now = services.clock.now()
    window = Window.around(now)
    async with services.db.unit_of_work() as session:
        known = await store.calendar_meetings(
            session=session,
            partnership_id=partnership_id,
            since=window.start,
            keys=[event.key for event in parsed.events],
        )
    by_id = {meeting.id: meeting for meeting in known}
    plan = plan_sync([_known(m) for m in known], parsed, window=window, now=now)
    to_come = [
        event
        for event in [*plan.new, *(m.event for m in plan.moved), *(e for _, e in plan.unchanged)]
        if event.ends_at > now
    ]
    emails = sorted({email for event in to_come for email in event.attendee_emails})
    people = await _our_people(services, emails, team_id)
    async with services.db.unit_of_work() as session:
        added = await _add_new(
            session, services, plan, partnership_id, team_id, owner, feed_added_at, people
        )
        await _apply_changes(session, services, plan, by_id, partnership_id, team_id, people)
    upcoming = sum(1 for event in parsed.events if event.starts_at > now and not event.cancelled)
    return SyncReport(
        added=added, moved=len(plan.moved), cancelled=len(plan.cancelled), upcoming=upcoming
    )


async def _add_new(
    session: AsyncSession,
    services: Services,
    plan: SyncPlan,
    partnership_id: int,
    team_id: str,
    owner: str,
    feed_added_at: datetime,
    people: dict[str, str],
) -> int:
    now = services.clock.now()
    for event in plan.new:
        meeting = await store.add_meeting(
            session=session,
            partnership_id=partnership_id,
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            attendee_ids=_attendees(event, people) or _stand_in(owner),
            created_by=None if owner == FORGOTTEN else owner,
            now=now,
            source="calendar",
            external_uid=event.key,
        )
        if meeting.ends_at >= feed_added_at:  # no nudges for history read with a new feed
            await nudges.schedule_reflections(
                session, meeting=meeting, team_id=team_id, settings=services.settings, now=now
            )
    return len(plan.new)


async def _apply_changes(
    session: AsyncSession,
    services: Services,
    plan: SyncPlan,
    by_id: dict[int, Meeting],
    partnership_id: int,
    team_id: str,
    people: dict[str, str],
) -> None:
    now = services.clock.now()
    settings = services.settings
    for move in plan.moved:
        meeting = await _fresh(session, by_id[move.meeting_id])
        meeting.starts_at, meeting.ends_at = move.event.starts_at, move.event.ends_at
        meeting.title = move.event.title
        meeting.updated_at = now
        await session.flush()
        if move.start_changed:
            await store.add_signal(
                session=session,
                partnership_id=partnership_id,
                meeting_id=meeting.id,
                kind=MOVED,
                detail={
                    "title": meeting.title,
                    "from": move.previous_start.isoformat(),
                    "to": move.event.starts_at.isoformat(),
                    "source": "calendar",
                },
                occurred_at=now,
                now=now,
            )
        await _add_attendees(session, meeting, _attendees(move.event, people))
        await nudges.reschedule_reflections(session, meeting=meeting, settings=settings, now=now)
        await nudges.schedule_reflections(
            session, meeting=meeting, team_id=team_id, settings=settings, now=now
        )
    for cancel in plan.cancelled:
        meeting = by_id[cancel.meeting_id]
        if not await store.set_meeting_status(
            session=session,
            meeting_id=meeting.id,
            expected="scheduled",
            status="cancelled",
            by=CANCELLED_BY_FEED,
            now=now,
        ):
            continue
        await store.add_signal(
            session=session,
            partnership_id=partnership_id,
            meeting_id=meeting.id,
            kind=CANCELLED,
            detail={
                "title": meeting.title,
                "starts_at": meeting.starts_at.isoformat(),
                "reason": cancel.reason,
                "source": "calendar",
            },
            occurred_at=now,
            now=now,
        )
        await nudges.cancel_reflections(session, meeting_id=meeting.id, now=now)
    for meeting_id, event in plan.reinstated:
        meeting = await _fresh(session, by_id[meeting_id])
        meeting.status, meeting.cancelled_by = "scheduled", None
        meeting.starts_at, meeting.ends_at = event.starts_at, event.ends_at
        meeting.title, meeting.updated_at = event.title, now
        await session.flush()
        await _add_attendees(session, meeting, _attendees(event, people))
        await nudges.reinstate_reflections(session, meeting=meeting, settings=settings, now=now)
        await nudges.schedule_reflections(  # for anyone invited since
            session, meeting=meeting, team_id=team_id, settings=settings, now=now
        )
    for meeting_id, title in plan.retitled:
        meeting = await _fresh(session, by_id[meeting_id])
        meeting.title, meeting.updated_at = title, now
    for meeting_id, event in plan.unchanged:
        meeting = by_id[meeting_id]
        present = {attendee.user_id for attendee in meeting.attendees}
        invited = [user_id for user_id in _attendees(event, people) if user_id not in present]
        if invited and meeting.ends_at > now and meeting.status == "scheduled":
            fresh = await _fresh(session, meeting)
            if await _add_attendees(session, fresh, _attendees(event, people)):
                await nudges.schedule_reflections(
                    session, meeting=fresh, team_id=team_id, settings=settings, now=now
                )


async def _fresh(session: AsyncSession, meeting: Meeting) -> Meeting:
    loaded = await store.load_meeting(session=session, meeting_id=meeting.id)
    if loaded is None:
        raise LookupError(f"meeting {meeting.id} vanished during a calendar read")
    return loaded


async def _add_attendees(session: AsyncSession, meeting: Meeting, user_ids: list[str]) -> bool:
    """Add people newly invited (never removes anyone); True when someone was added."""
    present = {attendee.user_id for attendee in meeting.attendees}
    missing = [user_id for user_id in user_ids if user_id not in present]
    for user_id in missing:
        meeting.attendees.append(MeetingAttendee(user_id=user_id))
    if missing:
        await session.flush()
    return bool(missing)


def _stand_in(owner: str) -> list[str]:
    """Who reflects on a meeting none of our people are listed at: the feed's owner, unless
    they asked to be forgotten."""
    return [] if owner == FORGOTTEN else [owner]


def _attendees(event: FeedEvent, people: dict[str, str]) -> list[str]:
    return [people[email] for email in event.attendee_emails if email in people]


async def _our_people(services: Services, emails: list[str], team_id: str) -> dict[str, str]:
    """email → Slack user id, for our side only (the client's people get no reflection DMs)."""
    found: dict[str, str] = {}
    for email in emails[:MAX_EMAIL_LOOKUPS]:
        try:
            person = await services.gateway.user_by_email(email)
        except SlackCallFailed:
            continue  # e.g. missing users:read.email; the feed's owner stands in
        if person is not None and of_workspace(person, team_id):
            found[email] = person.id
    return found


def _known(meeting: Meeting) -> KnownMeeting:
    return KnownMeeting(
        id=meeting.id,
        key=meeting.external_uid or "",
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        status=meeting.status,
        cancelled_by_feed=meeting.cancelled_by == CANCELLED_BY_FEED,
    )
