"""Slack says 429 or 500, or never answers; two dispatchers race: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.app import build_client, prepare_services
from bot.db.engine import Database
from bot.db.models import ScheduledMessage
from bot.delivery import MAX_ATTEMPTS, Dispatcher
from bot.services import Services
from bot.slack_gateway import SlackGateway
from bot.usecases.nudges import nudge_states, save_tz
from tests.nudges.conftest import START, TEAM, plan_meeting

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
        if not (left["pending"] or left["claimed"] or left["sending"]):
            return
        services.clock.advance(timedelta(minutes=1))
    raise AssertionError(f"rows still open after {ticks} ticks: {await statuses(services)}")


def delivered_per_user(fake) -> Counter[str]:
    return Counter(str(c.args["channel"]) for c in fake.delivered("chat.postMessage"))


async def test_429_with_retry_after_and_500s_end_with_each_nudge_sent_once(services, fake_slack):
    await plan_meeting(services, attendees=PEOPLE, ends_at=START - timedelta(minutes=30))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7, times=3)
    fake_slack.fail_next("chat.postMessage", status=500, times=4)
    dispatcher = Dispatcher(services)
    first = await dispatcher.run_once()
    assert first.retried >= 1  # the 429 paused the workspace: the rest wait for Retry-After
    await settle(services, dispatcher)
    assert delivered_per_user(fake_slack) == Counter({user: 1 for user in PEOPLE})
    assert await statuses(services) == Counter({"sent": len(PEOPLE)})
    rate_limited = [c for c in fake_slack.calls_to("chat.postMessage") if c.status == 429]
    assert len(rate_limited) == 3  # honoured: no call went out again before Retry-After


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
    await settle(services, Dispatcher(services))
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
    assert state.label == "failed"
    assert "deactivated" in (state.last_error or "")


async def test_timeout_after_sending_is_reported_unknown_and_never_resent(services, fake_slack):
    meeting = await plan_meeting(services, attendees=["UANN"], ends_at=START)
    services.clock.advance(timedelta(minutes=30))
    async with services.db.unit_of_work() as session:  # time zone known: one call only
        await save_tz(session, user_id="UANN", team_id=TEAM, tz="UTC", now=START)
    impatient = SlackGateway(
        AsyncWebClient(
            token="xoxb-test-token", base_url=fake_slack.base_url, timeout=0.2, retry_handlers=[]
        )
    )
    dispatcher = Dispatcher(services, gateway=impatient)
    fake_slack.delay_seconds = 1.0
    report = await dispatcher.run_once()
    fake_slack.delay_seconds = 0
    await settle(services, dispatcher)
    assert report.failed == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # reached Slack; never repeated
    async with services.db.unit_of_work() as session:
        (state,) = (await nudge_states(session, meeting_ids=[meeting.id]))[meeting.id]
    assert state.label == "failed"
    assert (state.last_error or "").startswith("outcome unknown")


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
    finally:
        await other.db.dispose()
    per_user = delivered_per_user(fake_slack)
    assert len(per_user) == 1000
    assert set(per_user.values()) == {1}
    assert await statuses(services) == Counter({"sent": 1000})
    assert sum(r.sent for r in reports) == 1000
    # both took part (on PostgreSQL via SKIP LOCKED; on SQLite by compare-and-set)
    assert all(r.sent > 0 for r in reports), reports
