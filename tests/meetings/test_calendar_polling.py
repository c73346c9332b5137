"""Following a calendar feed through the front door, then reading it as the clock moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.db import checks as check_store
from bot.db.engine import Database
from bot.db.models import CalendarFeed, Meeting, ReflectionRequest, ScheduledMessage, Signal
from bot.serving.bolt_app import build_client, prepare_services
from bot.usecases.calendar import poll_calendars
from bot.usecases.meetings import cancel_meeting
from tests.e2e.test_escaping import PLANT, RAW, slack_texts
from tests.meetings.feeds import (
    BROKEN,
    CANCELLED,
    MOVED,
    ONE_OFF,
    SERIES,
    SERIES_UID,
    FeedServer,
    calendar,
)
from tests.support.harness import Harness

CHANNEL, LEAD = "C0SHARED", "U0LEAD"
ANN, CLEO = "U0ANN", "U0CLEO"
POLL = timedelta(seconds=901)  # just over the default PARTNERCHECK_CALENDAR_POLL_SECONDS


def key(day: int, month: int = 11) -> str:
    return f"{SERIES_UID}|2026{month:02d}{day:02d}T140000Z"


async def follow(h: Harness, feeds: FeedServer, body: bytes, path: str = "team.ics") -> None:
    feeds.files[path] = body
    h.fake.add_user(ANN, email="ann@ours.example")
    h.fake.add_user(CLEO, email="cleo@client.example", team_id="T0CLIENT")
    async with h.db().unit_of_work() as session:
        await check_store.save_partnership(
            session=session,
            team_id="T0OURS",
            channel_id=CHANNEL,
            name="Acme",
            user_id=LEAD,
            now=h.clock.now(),
        )
    reply = await h.command(f"calendar {feeds.url(path)}", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    assert reply.json()["text"] == "Reading that calendar now…"
    note = h.fake.last("chat.postEphemeral")
    assert note.args["user"] == LEAD
    assert note.args["text"].startswith("Following that calendar"), note.args["text"]


async def meetings_by_key(h: Harness) -> dict[str, Meeting]:
    async with h.db().unit_of_work() as session:
        rows = await session.scalars(select(Meeting))
        return {m.external_uid or "": m for m in rows}


async def nudges_of(h: Harness, meeting_id: int) -> list[ScheduledMessage]:
    async with h.db().unit_of_work() as session:
        rows = await session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.payload.is_not(None))
        )
        return [r for r in rows if (r.payload or {}).get("meeting_id") == meeting_id]


async def signals(h: Harness) -> list[tuple[str, int | None]]:
    async with h.db().unit_of_work() as session:
        rows = await session.scalars(select(Signal).order_by(Signal.id))
        return [(s.kind, s.meeting_id) for s in rows]


def dms_to(h: Harness, user: str) -> list[str]:
    return [
        c.args["text"]
        for c in h.fake.delivered("chat.postMessage")
        if c.args["channel"] == "D" + user
    ]


async def test_events_become_meetings_with_our_side_as_attendees(
    app: Harness, feeds: FeedServer
) -> None:
    await follow(app, feeds, calendar(SERIES, ONE_OFF))
    meetings = await meetings_by_key(app)
    today = meetings[key(24)]
    assert today.source == "calendar" and today.status == "scheduled"
    assert today.starts_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    async with app.db().unit_of_work() as session:
        from bot.db.meetings import load_meeting

        loaded = await load_meeting(session=session, meeting_id=today.id)
        assert loaded is not None
        assert [a.user_id for a in loaded.attendees] == [ANN]  # not Cleo (client), not nobody@
        kickoff = await load_meeting(
            session=session, meeting_id=meetings["kickoff@client.example"].id
        )
        assert kickoff is not None
        assert [a.user_id for a in kickoff.attendees] == [LEAD]  # no one known: the feed's owner
    [nudge] = await nudges_of(app, today.id)
    assert nudge.user_id == ANN and nudge.status == "pending"
    assert nudge.due_at == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # ends + 30 minutes
    # last week's meeting is history from before the feed was set: no nudge for it
    assert await nudges_of(app, meetings[key(17)].id) == []
    lookups = app.fake.calls_to("users.lookupByEmail")
    assert sorted(c.args["email"] for c in lookups) == [
        "ann@ours.example",
        "cleo@client.example",
        "nobody@elsewhere.example",
    ]
    app.assert_payloads_valid()


async def test_a_moved_and_a_cancelled_occurrence_update_meetings_signals_and_nudges(
    app: Harness, feeds: FeedServer
) -> None:
    await follow(app, feeds, calendar(SERIES))
    before = await meetings_by_key(app)
    moved_id, cancelled_id = before[key(1, 12)].id, before[key(8, 12)].id
    assert [n.status for n in await nudges_of(app, cancelled_id)] == ["pending"]

    feeds.files["team.ics"] = calendar(SERIES, MOVED, CANCELLED)
    assert await poll_calendars(app.services) == 0  # read at set-up: not due yet
    app.clock.advance(POLL)
    assert await poll_calendars(app.services) == 1

    after = await meetings_by_key(app)
    assert len(after) == len(before)  # moved, not duplicated
    moved = after[key(1, 12)]
    assert moved.id == moved_id
    assert moved.starts_at == datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert moved.title == "Weekly steering (moved)"
    [nudge] = await nudges_of(app, moved_id)
    assert nudge.status == "pending"
    assert nudge.due_at == datetime(2026, 12, 2, 11, 30, tzinfo=UTC)
    assert after[key(8, 12)].status == "cancelled"
    assert [n.status for n in await nudges_of(app, cancelled_id)] == ["cancelled"]
    assert await signals(app) == [("meeting_moved", moved_id), ("meeting_cancelled", cancelled_id)]

    # reading the same feed again changes nothing and records nothing twice
    app.clock.advance(POLL)
    assert await poll_calendars(app.services) == 1
    assert await signals(app) == [("meeting_moved", moved_id), ("meeting_cancelled", cancelled_id)]

    # an occurrence deleted from the feed (still to come) counts as cancelled too
    feeds.files["team.ics"] = calendar(
        SERIES.replace("BYDAY=TU", "BYDAY=TU;UNTIL=20261210T000000Z")
    )
    app.clock.advance(POLL)
    await poll_calendars(app.services)
    gone = (await meetings_by_key(app))[key(15, 12)]
    assert gone.status == "cancelled"
    assert ("meeting_cancelled", gone.id) in await signals(app)
    assert dms_to(app, LEAD) == []  # nothing went wrong, so nothing to report


async def test_a_broken_feed_is_reported_to_the_lead_once_until_it_works_again(
    app: Harness, feeds: FeedServer
) -> None:
    await follow(app, feeds, calendar(SERIES))
    count = len(await meetings_by_key(app))
    feeds.files["team.ics"] = BROKEN
    for _ in range(3):
        app.clock.advance(POLL)
        assert await poll_calendars(app.services) == 1
    [report] = dms_to(app, LEAD)
    assert "couldn't read the calendar feed" in report and "<#C0SHARED>" in report
    assert "not an iCalendar" in report
    assert len(await meetings_by_key(app)) == count  # nothing cancelled because of a bad read
    async with app.db().unit_of_work() as session:
        feed = await session.scalar(select(CalendarFeed))
        assert feed is not None and feed.error_reported and feed.last_error

    feeds.files["team.ics"] = calendar(SERIES)
    app.clock.advance(POLL)
    await poll_calendars(app.services)
    assert dms_to(app, LEAD)[1:] == ["Good news: the calendar feed for <#C0SHARED> works again."]

    feeds.status["team.ics"] = 500  # breaks again: reported again, once
    for _ in range(2):
        app.clock.advance(POLL)
        await poll_calendars(app.services)
    assert len(dms_to(app, LEAD)) == 3
    assert "HTTP 500" in dms_to(app, LEAD)[2]
    app.assert_payloads_valid()


async def test_an_unreachable_feed_is_reported_once(app: Harness, feeds: FeedServer) -> None:
    await follow(app, feeds, calendar(SERIES))
    await feeds.stop()
    for _ in range(3):
        app.clock.advance(POLL)
        await poll_calendars(app.services)
    [report] = dms_to(app, LEAD)
    assert "could not connect" in report


async def test_a_feed_that_cannot_be_read_is_refused_at_set_up(
    app: Harness, feeds: FeedServer
) -> None:
    async with app.db().unit_of_work() as session:
        await check_store.save_partnership(
            session=session,
            team_id="T0OURS",
            channel_id=CHANNEL,
            name="Acme",
            user_id=LEAD,
            now=app.clock.now(),
        )
    await app.command(f"calendar {feeds.url('missing.ics')}", user_id=LEAD, channel_id=CHANNEL)
    refusal = app.fake.last("chat.postEphemeral").args["text"]
    assert "I couldn't read that calendar: the server answered HTTP 404" in refusal
    reply = await app.command("calendar ftp://example.com/x.ics", user_id=LEAD, channel_id=CHANNEL)
    assert "doesn't look like a calendar address" in reply.json()["text"]
    reply = await app.command("calendar", user_id=LEAD, channel_id=CHANNEL)
    assert "follows no calendar" in reply.json()["text"]
    async with app.db().unit_of_work() as session:
        assert await session.scalar(select(CalendarFeed)) is None


async def test_calendar_off_stops_reading(app: Harness, feeds: FeedServer) -> None:
    await follow(app, feeds, calendar(SERIES))
    reply = await app.command("calendar", user_id=LEAD, channel_id=CHANNEL)
    assert "Following a calendar on 127.0.0.1" in reply.json()["text"]
    reply = await app.command("calendar off", user_id=LEAD, channel_id=CHANNEL)
    assert reply.json()["text"].startswith("Stopped following")
    hits = feeds.hits["team.ics"]
    app.clock.advance(POLL)
    assert await poll_calendars(app.services) == 0
    assert feeds.hits["team.ics"] == hits


async def test_two_processes_never_read_the_same_feed_at_once(
    app: Harness, feeds: FeedServer, database: tuple[str, str | None]
) -> None:
    await follow(app, feeds, calendar(SERIES))
    url, schema = database
    other = await prepare_services(
        app.services.settings,
        clock=app.clock,
        client=build_client(app.services.settings),
        db=Database(url, schema=schema),
    )
    try:
        hits = feeds.hits["team.ics"]
        app.clock.advance(POLL)
        read = await asyncio.gather(poll_calendars(app.services), poll_calendars(other))
        assert sorted(read) == [0, 1]
        assert feeds.hits["team.ics"] == hits + 1
    finally:
        await other.db.dispose()


async def test_someone_of_ours_invited_later_is_added_and_nudged(
    app: Harness, feeds: FeedServer
) -> None:
    without_ann = SERIES.replace("ATTENDEE;CN=Ann:mailto:ann@ours.example\r\n", "").replace(
        "ATTENDEE;CN=Ann:mailto:ann@ours.example\n", ""
    )
    assert "ann@" not in without_ann
    await follow(app, feeds, calendar(without_ann))
    today = (await meetings_by_key(app))[key(24)]
    assert [n.user_id for n in await nudges_of(app, today.id)] == [LEAD]  # the feed's owner

    feeds.files["team.ics"] = calendar(SERIES)
    app.clock.advance(POLL)
    await poll_calendars(app.services)
    assert sorted(n.user_id or "" for n in await nudges_of(app, today.id)) == [ANN, LEAD]
    past = (await meetings_by_key(app))[key(17)]
    assert await nudges_of(app, past.id) == []  # a meeting that already ended is left alone
    # the next read finds nobody new and changes nothing
    app.clock.advance(POLL)
    await poll_calendars(app.services)
    assert len(await nudges_of(app, today.id)) == 2


async def test_the_feed_brings_back_its_own_cancellation_with_nudges_never_a_persons(
    app: Harness, feeds: FeedServer
) -> None:
    await follow(app, feeds, calendar(SERIES))
    meetings = await meetings_by_key(app)
    by_feed, by_lead = meetings[key(8, 12)].id, meetings[key(15, 12)].id
    reply = await cancel_meeting(app.services, meeting_id=by_lead, user_id=LEAD, delete=False)
    assert reply.startswith("Marked")
    feeds.files["team.ics"] = calendar(SERIES, CANCELLED)  # the feed cancels 8 December
    app.clock.advance(POLL)
    await poll_calendars(app.services)
    assert [n.status for n in await nudges_of(app, by_feed)] == ["cancelled"]

    feeds.files["team.ics"] = calendar(SERIES)  # … and brings it back; 15 December is in it too
    app.clock.advance(POLL)
    await poll_calendars(app.services)

    after = await meetings_by_key(app)
    back = after[key(8, 12)]
    assert (back.status, back.cancelled_by) == ("scheduled", None)
    [nudge] = await nudges_of(app, by_feed)
    assert (nudge.status, nudge.last_error) == ("pending", None)
    assert nudge.due_at == back.ends_at + timedelta(minutes=30)
    async with app.db().unit_of_work() as session:
        [request] = await session.scalars(
            select(ReflectionRequest).where(ReflectionRequest.meeting_id == by_feed)
        )
    assert request.status == "waiting"
    kept = after[key(15, 12)]
    assert (kept.status, kept.cancelled_by) == ("cancelled", LEAD)
    assert [n.status for n in await nudges_of(app, by_lead)] == ["cancelled"]


async def test_a_meeting_title_from_the_calendar_is_escaped_wherever_it_is_shown(
    app: Harness, feeds: FeedServer
) -> None:
    """The calendar's SUMMARY is written by someone at the client: in the reflection message
    (its notification `text` and blocks) and in the meetings list it is text, never a ping."""
    planted = SERIES.replace("SUMMARY:Weekly steering", f"SUMMARY:{PLANT}")
    await follow(app, feeds, calendar(planted))
    today = (await meetings_by_key(app))[key(24)]
    assert today.title == PLANT
    [nudge] = await nudges_of(app, today.id)
    app.clock.advance(nudge.due_at - app.clock.now() + timedelta(minutes=1))
    await Dispatcher(app.services).run_once()
    [message] = [c for c in app.fake.delivered("chat.postMessage") if c.args["channel"] == ANN]
    listing = await app.command("meetings", user_id=LEAD, channel_id=CHANNEL)
    texts = slack_texts(message.args) + slack_texts(listing.json())
    assert [t for t in texts if "U123" in t], texts  # the title really is in them
    assert [t[:160] for t in texts if any(raw in t for raw in RAW)] == []
    assert any("&lt;!channel&gt;" in t for t in slack_texts({"text": message.args["text"]}))
