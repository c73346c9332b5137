"""Follow-up work and the channel members cache, on their own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.background.tasks import Background
from bot.plumbing.clock import ManualClock
from bot.slack.gateway import SlackGateway
from bot.slack.members import ChannelMembers
from bot.usecases.deliveries import KEEP_KEYS_FOR, first_delivery, prune_deliveries
from tests.support.harness import Harness


async def test_coalesced_jobs_run_once_more_with_the_latest_state() -> None:
    background = Background()
    state = {"value": 1}
    seen: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def render() -> None:
        seen.append(state["value"])
        started.set()
        await release.wait()

    background.coalesce("counts:1:0", render)
    await started.wait()
    for value in range(2, 6):  # a burst of changes while the first render is in flight
        state["value"] = value
        background.coalesce("counts:1:0", render)
    release.set()
    await background.drain()
    assert seen == [1, 5]  # the one in flight, then once with the latest state


async def test_a_coalesced_job_asked_again_waits_out_its_interval() -> None:
    waits: list[float] = []

    async def pause(seconds: float) -> None:
        waits.append(seconds)

    background = Background(pause=pause)
    seen: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def render() -> None:
        seen.append(len(seen))
        started.set()
        await release.wait()

    background.coalesce("counts:1:0", render, every=30)
    await started.wait()
    background.coalesce("counts:1:0", render, every=30)  # asked again while in flight
    release.set()
    await background.drain()
    assert seen == [0, 1]
    assert len(waits) == 1 and 29 < waits[0] <= 30  # the second run waited out the interval
    background.coalesce("counts:1:0", render, every=30)  # quiet since: runs at once
    await background.drain()
    assert seen == [0, 1, 2] and len(waits) == 1


async def test_a_failing_follow_up_is_logged_and_does_not_stop_others() -> None:
    background = Background()
    done: list[str] = []

    async def fail() -> None:
        raise RuntimeError("boom")

    async def ok() -> None:
        done.append("ok")

    background.spawn(fail())
    background.spawn(ok())
    await background.drain()
    assert done == ["ok"] and background.pending == 0


async def test_members_are_cached_until_the_ttl(harness: Harness) -> None:
    fake = harness.fake
    fake.set_channel_members("C0X", ["U1"])
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    members = ChannelMembers(SlackGateway(harness.services.gateway.client), clock)
    assert await members.contains("C0X", "U1")
    assert await members.contains("C0X", "U1")
    assert len(fake.calls_to("conversations.members")) == 1
    fake.set_channel_members("C0X", [])
    clock.advance(timedelta(minutes=3))
    assert not await members.contains("C0X", "U1")


async def test_delivery_keys_are_pruned_after_the_retry_window(harness: Harness) -> None:
    assert await first_delivery(harness.services, "sig:abc")
    assert not await first_delivery(harness.services, "sig:abc")
    assert await prune_deliveries(harness.services) == 0
    harness.clock.advance(KEEP_KEYS_FOR + timedelta(minutes=1))
    assert await prune_deliveries(harness.services) == 1
    assert await first_delivery(harness.services, "sig:abc")
