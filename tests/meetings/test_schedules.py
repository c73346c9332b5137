"""Recurring checks: when they fall due, and starting each run exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Check, CheckSchedule
from bot.domain.check_schedule import first_run, next_run
from bot.serving.bolt_app import build_client, prepare_services
from bot.usecases.checks import close_check
from bot.usecases.schedules import run_due_schedules
from questions.bank import load_bank
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness, make_harness

CLEO = "U0CLEO"
LONDON, NEW_YORK, TOKYO = (ZoneInfo(z) for z in ("Europe/London", "America/New_York", "Asia/Tokyo"))
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("every", "zone", "expected"),
    [
        ("weekly", LONDON, utc(2026, 12, 1, 10)),
        ("fortnightly", TOKYO, utc(2026, 12, 8, 1)),  # 10:00 in Tokyo is 01:00 UTC
        ("monthly", NEW_YORK, utc(2026, 12, 24, 15)),  # 10:00 EST
        ("quarterly", LONDON, utc(2027, 2, 24, 10)),
    ],
)
def test_the_first_run_is_one_period_on_at_ten_local_time(
    every: str, zone: ZoneInfo, expected: datetime
) -> None:
    assert first_run(TUESDAY, every, zone) == expected


def test_runs_skip_weekends_and_clamp_to_the_end_of_short_months() -> None:
    # 31 October 2026 is a Saturday → Monday 2 November
    assert first_run(utc(2026, 10, 1, 9), "monthly", LONDON) == utc(2026, 11, 2, 10)
    # from 30 November, quarterly lands on 28 February 2027 (a Sunday) → Monday 1 March
    assert next_run(utc(2026, 11, 30, 10), "quarterly", LONDON, now=TUESDAY) == utc(2027, 3, 1, 10)


def test_a_daylight_saving_change_keeps_ten_oclock_local() -> None:
    before = utc(2027, 3, 9, 15)  # Tuesday 10:00 EST
    after = next_run(before, "weekly", NEW_YORK, now=before)
    assert after == utc(2027, 3, 16, 14)  # Tuesday 10:00 EDT
    assert after.astimezone(NEW_YORK).hour == 10


def test_runs_missed_while_the_app_was_down_collapse_into_one() -> None:
    due = utc(2026, 6, 2, 9)  # weekly, last due in June; the app comes back in November
    assert next_run(due, "weekly", LONDON, now=TUESDAY) == utc(2026, 12, 1, 10)


async def finished_check(h: Harness) -> None:
    h.fake.add_user(CLEO, team_id="T0CLIENT")
    await start_check(h, client=[CLEO])
    async with h.db().unit_of_work() as session:
        check_id = await session.scalar(select(Check.id))
    assert check_id is not None
    await close_check(h.services, check_id=check_id, user_id=LEAD)


async def schedule(h: Harness, text: str) -> str:
    reply = await h.command(f"schedule {text}".strip(), user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    return reply.json()["text"]


def dms_to_lead(h: Harness) -> list[str]:
    return [
        c.args["text"]
        for c in h.fake.delivered("chat.postMessage")
        if c.args["channel"] == "D" + LEAD
    ]


async def checks(h: Harness) -> list[Check]:
    async with h.db().unit_of_work() as session:
        return list(await session.scalars(select(Check).order_by(Check.id)))


async def test_a_monthly_check_starts_when_due_and_tells_the_lead(harness: Harness) -> None:
    h = harness
    await finished_check(h)
    answer = await schedule(h, "monthly")
    assert answer.startswith("Done: the *Partnership check* runs here monthly")
    assert "Partnership check* monthly" in await schedule(h, "")

    h.clock.set(utc(2026, 12, 24, 9, 59))
    assert await run_due_schedules(h.services) == 0
    h.clock.set(utc(2026, 12, 24, 10, 0))
    assert await run_due_schedules(h.services) == 1
    assert await run_due_schedules(h.services) == 0

    *_, started = await checks(h)
    assert started.mode == "async" and started.lead_user_id == LEAD
    assert started.template_id == "partnership_check"
    assert started.deadline_at == h.clock.now() + timedelta(days=3)
    async with h.db().unit_of_work() as session:
        from bot.db.checks import load_check

        loaded = await load_check(session=session, check_id=started.id)
        assert loaded is not None
        assert {(p.user_id, p.side) for p in loaded.participants} == {
            (CLEO, "client"),
            (LEAD, "ours"),
        }
        next_due = await session.scalar(select(CheckSchedule.next_due_at))
    assert next_due == utc(2027, 1, 25, 10)  # 24 January 2027 is a Sunday
    [told] = dms_to_lead(h)
    assert told.startswith("I started the scheduled *Partnership check* in <#C0SHARED>")
    h.assert_payloads_valid()


async def test_a_run_that_cannot_start_is_explained_to_the_lead(harness: Harness) -> None:
    h = harness
    await finished_check(h)
    await schedule(h, "ground_rules weekly")
    await start_check(h, client=[CLEO], view_id="V0AGAIN")  # still open when the run is due
    h.clock.set(utc(2026, 12, 1, 10))
    assert await run_due_schedules(h.services) == 0
    [told] = dms_to_lead(h)
    assert "*Ground rules* in <#C0SHARED> didn't start: A check is already running" in told
    assert len(await checks(h)) == 2
    async with h.db().unit_of_work() as session:
        assert await session.scalar(select(CheckSchedule.next_due_at)) == utc(2026, 12, 8, 10)


async def test_two_processes_start_a_due_check_once(
    harness: Harness, database: tuple[str, str | None]
) -> None:
    h = harness
    await finished_check(h)
    await schedule(h, "weekly")
    url, schema = database
    other = await prepare_services(
        h.services.settings,
        clock=h.clock,
        client=build_client(h.services.settings),
        db=Database(url, schema=schema),
    )
    try:
        h.clock.set(utc(2026, 12, 1, 10))
        started = await asyncio.gather(run_due_schedules(h.services), run_due_schedules(other))
    finally:
        await other.db.dispose()
    assert sorted(started) == [0, 1]
    assert len(await checks(h)) == 2
    assert len(dms_to_lead(h)) == 1


async def test_schedule_subcommand_answers(harness: Harness) -> None:
    h = harness
    h.fake.set_channel_members(CHANNEL, [LEAD])
    reply = await h.command("schedule monthly", user_id=LEAD, channel_id=CHANNEL)
    assert "no partnership yet" in reply.json()["text"]
    await finished_check(h)
    assert "No recurring checks" in await schedule(h, "")
    assert "I don't know the template `reflection`" in await schedule(h, "reflection monthly")
    assert "I didn't follow that" in await schedule(h, "partnership_check daily")
    await schedule(h, "self_check quarterly")
    assert await schedule(h, "off") == "Stopped 1 recurring check in this channel."
    assert "There was no recurring check" in await schedule(h, "off")
    h.clock.set(utc(2027, 6, 1))
    assert await run_due_schedules(h.services) == 0


async def test_a_practices_own_our_side_template_cannot_be_scheduled_in_the_channel(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> None:
    """Only the self-check has a private route; any other template asked of our side only
    would have to run in the shared channel, so it is not offered."""
    url, schema = database
    bank = load_bank()
    ours = replace(
        bank.templates["self_check"], id="our_retro", name="Our retro", headline=(), custom=True
    )
    h = await make_harness(
        url,
        fake_slack,
        schema=schema,
        bank=replace(bank, templates={**bank.templates, "our_retro": ours}),
    )
    try:
        h.fake.set_channel_members(CHANNEL, [LEAD])
        await finished_check(h)
        said = await schedule(h, "our_retro monthly")
        assert "I don't know the template `our_retro`" in said and "`self_check`" in said
        assert "No recurring checks" in await schedule(h, "")
    finally:
        await h.stop()
