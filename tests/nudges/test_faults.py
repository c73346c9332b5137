"""Slack says 429 or 500, or never answers; two dispatchers race: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.background.delivery import MAX_ATTEMPTS, Dispatcher, RunReport
from bot.db.engine import Database
from bot.db.models import ReflectionRequest, ScheduledMessage
from bot.domain.nudge_timing import backoff
from bot.services import Services
from bot.serving.bolt_app import build_client, prepare_services
from bot.slack.gateway import SlackGateway
from bot.usecases.nudges import nudge_states, save_tz
from tests.nudges.conftest import START, TEAM, plan_meeting
from tests.support import metrics

PEOPLE = [f"U{n:04d}" for n in range(12)]


async def statuses(services: Services) -> Counter[str]:
    """Status counts of the first nudges (reminders come a day later and are left out)."""
    async with services.db.unit_of_work() as session:
        found = await session.execute(
            select(ScheduledMessage.status, func.count())
            .where(ScheduledMessage.kind == "reflection_nudge")
            .group_by(ScheduledMessage.status)
        )
        return Counter(dict(found.all()))


async def settle(services: Services, dispatcher: Dispatcher, *, ticks: int = 40) -> None:
    """Tick once a minute (ManualClock) until no first nudge is open."""
    for _ in range(ticks):
        await dispatcher.run_once()
        left = await statuses(services)
        if not any(
            left[status] for status in ("pending", "claimed", "sending", "unsure", "checking")
        ):
            return
        services.clock.advance(timedelta(minutes=1))
    raise AssertionError(f"rows still open after {ticks} ticks: {await statuses(services)}")


def delivered_per_user(fake) -> Counter[str]:
    return Counter(str(c.args["channel"]) for c in fake.delivered("chat.postMessage"))


async def test_429_with_retry_after_and_500s_end_with_each_nudge_sent_once(services, fake_slack):
    await plan_meeting(services, attendees=PEOPLE, ends_at=START - timedelta(minutes=30))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7, times=3)
    fake_slack.fail_next("chat.postMessage", status=500, times=4)
    counted = metrics.sends()
    dispatcher = Dispatcher(services)
    first = await dispatcher.run_once()
    assert first.retried >= 1  # the 429 paused the workspace: the rest wait for Retry-After
    await settle(services, dispatcher)
    assert delivered_per_user(fake_slack) == Counter({user: 1 for user in PEOPLE})
    assert await statuses(services) == Counter({"sent": len(PEOPLE)})
    rate_limited = [c for c in fake_slack.calls_to("chat.postMessage") if c.status == 429]
    assert len(rate_limited) == 3  # honoured: no call went out again before Retry-After
    # and each outcome counted in partnercheck_slack_sends_total
    assert metrics.grown(counted, metrics.sends()) == {
        "sent": len(PEOPLE),
        "rate_limited": 3,
        "retried": 4,
    }


async def test_a_nudge_slack_keeps_refusing_is_failed_with_the_error_for_the_lead(
    services, fake_slack
):
    meeting = await plan_meeting(services, attendees=["UANN"], ends_at=START)
    services.clock.advance(timedelta(minutes=30))
    fake_slack.fail_next("chat.postMessage", status=500, times=MAX_ATTEMPTS)
    await settle(services, Dispatcher(services))
    assert len(fake_slack.calls_to("chat.postMessage")) == MAX_ATTEMPTS
    assert fake_slack.delivered("chat.postMessage") == []
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
    assert state.label == "failed"
    assert f"gave up after {MAX_ATTEMPTS} tries" in (state.last_error or "")


async def test_permanent_error_fails_at_once(services, fake_slack):
    meeting = await plan_meeting(services, attendees=["UGONE"], ends_at=START)
    services.clock.advance(timedelta(minutes=30))
    fake_slack.error_next("chat.postMessage", "account_inactive")
    counted = metrics.sends()
    await settle(services, Dispatcher(services))
    assert metrics.grown(counted, metrics.sends()) == {"failed": 1}
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
    assert state.label == "failed"
    assert "deactivated" in (state.last_error or "")


def impatient(services: Services, fake_slack) -> Dispatcher:
    """A dispatcher whose client gives up after 0.2 s; the fake stamps messages on the
    test's clock, so conversations.history's `oldest` means what it does on Slack."""
    fake_slack.message_clock = lambda: services.clock.now().timestamp()
    gateway = SlackGateway(
        AsyncWebClient(
            token="xoxb-test-token", base_url=fake_slack.base_url, timeout=0.2, retry_handlers=[]
        )
    )
    return Dispatcher(services, gateway=gateway)


async def one_nudge_due(services: Services):
    meeting = await plan_meeting(services, attendees=["UANN"], ends_at=START)
    services.clock.advance(timedelta(minutes=30))
    async with services.db.unit_of_work() as session:  # time zone known: one call only
        await save_tz(session, user_id="UANN", team_id=TEAM, tz="UTC", now=START)
    return meeting


async def the_nudge(services: Services) -> ScheduledMessage:
    async with services.db.unit_of_work() as session:
        return await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.kind == "reflection_nudge")
        )


async def test_timeout_but_the_message_landed_is_found_and_never_resent(services, fake_slack):
    meeting = await one_nudge_due(services)
    dispatcher = impatient(services, fake_slack)
    fake_slack.delay_seconds = 1.0  # Slack has it, but the answer comes too late
    first = await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    assert first.retried == 1 and first.sent == 0
    row = await the_nudge(services)
    assert row.status == "unsure" and row.attempts == 1
    assert await dispatcher.run_once() == RunReport()  # no check before the backoff
    assert fake_slack.calls_to("conversations.history") == []
    services.clock.advance(timedelta(seconds=30))
    checked = await dispatcher.run_once()
    assert checked.landed == 1 and checked.sent == 1
    history = fake_slack.last("conversations.history")
    assert history.args["channel"] == "DUANN"
    assert history.args["include_all_metadata"] in ("1", "true")
    assert float(history.args["oldest"]) < (START + timedelta(minutes=30)).timestamp()
    await settle(services, dispatcher)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # never sent again
    (message,) = fake_slack.messages["DUANN"]
    row = await the_nudge(services)
    assert message["metadata"] == {
        "event_type": "partnercheck_message",
        "event_payload": {"row": row.id, "key": row.dedupe_key},
    }
    assert row.status == "sent" and row.sent_at is not None
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
        request = await session.get(ReflectionRequest, row.reference_id)
    assert state.label == "sent"
    assert request is not None and request.message_ts == message["ts"]
    assert request.dm_channel_id == "DUANN"


async def test_a_stopping_dispatcher_leaves_unsure_messages_to_another_copy(services, fake_slack):
    await one_nudge_due(services)
    dispatcher = impatient(services, fake_slack)
    fake_slack.delay_seconds = 1.0  # Slack has it, but the answer comes too late
    await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    services.clock.advance(timedelta(seconds=30))  # its check with Slack is due
    dispatcher.stop()
    assert await dispatcher.run_once() == RunReport()
    assert fake_slack.calls_to("conversations.history") == []
    assert (await the_nudge(services)).status == "unsure"  # left for the next copy to check


async def test_timeout_and_the_message_did_not_land_is_retried_and_sent_once(services, fake_slack):
    await one_nudge_due(services)
    dispatcher = impatient(services, fake_slack)
    fake_slack.fail_next("chat.postMessage", status=504)  # Slack's edge gave up: nothing posted
    fake_slack.delay_seconds = 1.0  # … and so slowly that the client timed out first
    await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    assert (await the_nudge(services)).status == "unsure"
    services.clock.advance(timedelta(seconds=30))
    checked = await dispatcher.run_once()
    assert checked.retried == 1 and checked.landed == 0
    row = await the_nudge(services)
    assert row.status == "pending"  # a negative answer: an ordinary retry, with backoff
    assert row.due_at.replace(tzinfo=None) == (services.clock.now() + backoff(1)).replace(
        tzinfo=None
    )
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    await settle(services, dispatcher)
    row = await the_nudge(services)
    assert row.status == "sent" and row.attempts == 2
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.messages["DUANN"]) == 1  # delivered exactly once


async def test_a_failing_check_never_resends_and_ends_outcome_unknown(services, fake_slack):
    meeting = await one_nudge_due(services)
    dispatcher = impatient(services, fake_slack)
    fake_slack.fail_next("conversations.history", status=503, times=MAX_ATTEMPTS)
    fake_slack.delay_seconds = 1.0
    await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    await settle(services, dispatcher)
    checks = fake_slack.calls_to("conversations.history")
    assert len(checks) == MAX_ATTEMPTS - 1  # the send was attempt 1; each check counts
    assert all(call.status == 503 for call in checks)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # no resend without a "no"
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
    assert state.label == "failed"
    assert (state.last_error or "").startswith("outcome unknown")


async def test_a_check_that_fails_then_says_no_allows_one_resend(services, fake_slack):
    await one_nudge_due(services)
    dispatcher = impatient(services, fake_slack)
    fake_slack.fail_next("chat.postMessage", status=504)
    fake_slack.fail_next("conversations.history", status=503, times=2)
    fake_slack.delay_seconds = 1.0
    await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    for _ in range(2):  # the check fails twice: still unsure, nothing resent
        services.clock.advance(timedelta(minutes=2))
        await dispatcher.run_once()
        assert (await the_nudge(services)).status == "unsure"
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
    await settle(services, dispatcher)
    row = await the_nudge(services)
    assert row.status == "sent"
    assert len(fake_slack.calls_to("conversations.history")) == 3
    assert len(fake_slack.messages["DUANN"]) == 1


async def test_two_dispatchers_on_two_engines_send_1000_nudges_exactly_once(
    database, fake_slack, services
):
    people = [f"U{n:05d}" for n in range(1000)]
    await plan_meeting(services, attendees=people, ends_at=START - timedelta(minutes=30))
    url, schema = database
    other = await prepare_services(
        services.settings,
        clock=services.clock,
        client=build_client(services.settings),
        db=Database(url, schema=schema),
    )
    try:
        first = Dispatcher(services, worker="worker-a", batch_size=50)
        second = Dispatcher(other, worker="worker-b", batch_size=50)
        reports = await asyncio.gather(first.run_once(), second.run_once())
        # on a loaded machine a write of one engine can meet the other's SQLite lock past the
        # busy timeout: its row is left to its lease and taken over then (sent, or found sent
        # in the DM's history), never sent twice
        for _ in range(3):
            if await statuses(services) == Counter({"sent": 1000}):
                break
            services.clock.advance(first.lease + timedelta(minutes=5))
            await asyncio.gather(first.run_once(), second.run_once())
    finally:
        await other.db.dispose()
    per_user = delivered_per_user(fake_slack)
    assert len(per_user) == 1000
    assert set(per_user.values()) == {1}
    assert await statuses(services) == Counter({"sent": 1000})
    assert sum(r.sent for r in reports) <= 1000  # the first round; the rest by their lease
    # both took part (on PostgreSQL via SKIP LOCKED; on SQLite by compare-and-set)
    assert all(r.sent > 0 for r in reports), reports
