"""The pace of the dispatcher's Slack sends, per workspace, shared by every copy of the app.

Sends to one workspace start at least 1 / PARTNERCHECK_SLACK_RATE seconds apart, whichever
copy makes them: each send reserves the workspace's next free moment in the database (table
slack_pace, one row per workspace, locked while it is read and moved on), is prepared (its
row marked `sending`), then waits for that moment and calls Slack at once, so the calls
leave as evenly spaced as the moments. A copy reserves its moments in blocks: one
transaction takes as many consecutive moments as its sends are waiting for, and at least
BLOCK's worth; the copy keeps the ones left over for its next sends. So the database sees
one round trip per block, not per message, and a 429 drops the moments a copy kept.
N copies together therefore keep the rate one copy would, and a 429's Retry-After, written to
the same row, holds every copy back.

It keeps its own wall clock (not the app's clock, which tests may stop): pacing is about
real seconds between real calls. Copies on different hosts need their clocks in sync (NTP).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.db import slack_pace
from bot.db.engine import Database

# a send reserves its moment at most this far ahead, then is marked `sending` (a lease of
# SEND_LEASE, 15 s) and waits for it: the wait and the call (10 s at most) fit in the lease
HORIZON = timedelta(seconds=4)
# sends start a little more than 1 / rate apart: a send may leave up to a gap late (and the
# network adds its own wobble), so over any stretch Slack still sees no more than the rate
MARGIN = 0.02
# a send later than this many gaps after its moment gives the moment up and reserves another
LATE = 1.0
# a reservation takes at least this much of the pace (at 75 messages/s, 15 moments)
BLOCK = timedelta(seconds=0.2)
# a kept moment closer than this is not handed out (marking the row `sending` takes time;
# a send that would start late must leave its moment unused): it goes unused
MIN_LEAD = timedelta(milliseconds=50)


def wall_clock() -> datetime:
    return datetime.now(UTC)


class SharedPacer:
    def __init__(
        self,
        db: Database,
        rate_per_second: float,
        *,
        now: Callable[[], datetime] = wall_clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.rate = rate_per_second
        self.spacing_s = (1 + MARGIN) / rate_per_second
        self.spacing = timedelta(seconds=self.spacing_s)
        self.now = now
        self.sleep = sleep
        self.block = max(1, round(BLOCK.total_seconds() * rate_per_second))
        self._kept: dict[str, deque[datetime]] = {}
        self._waiting: dict[str, list[asyncio.Future[datetime]]] = {}
        self._reserving: dict[str, asyncio.Task[None]] = {}

    async def reserve(self, team: str) -> datetime:
        """Take one of the workspace's free moments, at most HORIZON away (waiting until one
        is); returns it. Prepare the send, then `wait_for` the moment and send at once."""
        kept = self._kept.get(team)
        while kept:
            slot = kept.popleft()
            if slot - self.now() >= MIN_LEAD:
                return slot
        future: asyncio.Future[datetime] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(team, []).append(future)
        task = self._reserving.get(team)
        if task is None or task.done():
            self._reserving[team] = asyncio.create_task(self._reserve_for_waiting(team))
        return await future

    async def _reserve_for_waiting(self, team: str) -> None:
        """Reserve a block of moments for the sends waiting for one, first come first served,
        until none is waiting."""
        await asyncio.sleep(0)  # let the sends of this moment join the block
        waiting = self._waiting[team]
        while waiting:
            try:
                async with self.db.unit_of_work() as session:
                    first, taken = await slack_pace.take_slots(
                        session=session,
                        team_id=team,
                        now=self.now(),
                        spacing=self.spacing,
                        horizon=HORIZON,
                        count=max(len(waiting), self.block),
                    )
            except Exception as error:
                failed, waiting[:] = waiting[:], []
                for future in failed:
                    if not future.done():
                        future.set_exception(error)
                return
            # sends that came during the transaction wait for the next block
            served, waiting[:] = waiting[:taken], waiting[taken:]
            for n, future in enumerate(served):
                if not future.done():  # a cancelled send leaves its moment unused
                    future.set_result(first + self.spacing * n)
            self._kept.setdefault(team, deque()).extend(
                first + self.spacing * n for n in range(len(served), taken)
            )
            if waiting and not taken:
                await self.sleep((first - HORIZON - self.now()).total_seconds() + self.spacing_s)

    async def wait_for(self, slot: datetime) -> bool:
        """Wait for `slot`; False when it has gone by a whole gap or more (preparing the send
        took too long, or the process stalled): the next moment has come, so reserve
        another. A send a little late (the process was not scheduled at once on a busy
        machine) still leaves before the next moment, so sends keep their order and any
        stretch of time holds at most one more send than its moments."""
        await self.sleep_until(slot)
        return not self.missed(slot)

    def missed(self, slot: datetime) -> bool:
        """`slot` has gone by a whole gap or more: sending now would crowd the next one."""
        return (self.now() - slot).total_seconds() >= self.spacing_s * LATE

    async def sleep_until(self, moment: datetime) -> None:
        wait = (moment - self.now()).total_seconds()
        if wait > 0:
            await self.sleep(wait)

    async def hold(self, team: str, wait: timedelta) -> None:
        """Slack asked us to wait: no copy sends to the workspace for `wait`."""
        self._kept.pop(team, None)
        async with self.db.unit_of_work() as session:
            await slack_pace.hold_until(session=session, team_id=team, until=self.now() + wait)
