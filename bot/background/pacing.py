"""The pace of the dispatcher's Slack sends, per workspace, shared by every copy of the app.

Sends to one workspace start at least 1 / PARTNERCHECK_SLACK_RATE seconds apart, whichever
copy makes them: each send reserves the workspace's next free moment in the database (table
slack_pace, one row per workspace, locked while it is read and moved on), is prepared (its
row marked `sending`), then waits for that moment and calls Slack at once, so the calls
leave as evenly spaced as the moments.
N copies together therefore keep the rate one copy would, and a 429's Retry-After, written to
the same row, holds every copy back.

It keeps its own wall clock (not the app's clock, which tests may stop): pacing is about
real seconds between real calls. Copies on different hosts need their clocks in sync (NTP).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.db import slack_pace
from bot.db.engine import Database

# a send reserves its moment at most this far ahead, then is marked `sending` (a lease of
# SEND_LEASE, 15 s) and waits for it: the wait and the call (10 s at most) fit in the lease
HORIZON = timedelta(seconds=4)
# sends start a little more than 1 / rate apart: a send may leave up to half a gap late (and
# the network adds its own wobble), so over any stretch Slack still sees no more than the rate
MARGIN = 0.02


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

    async def reserve(self, team: str) -> datetime:
        """Take one of the workspace's free moments, at most HORIZON away (waiting until one
        is); returns it. Prepare the send, then `wait_for` the moment and send at once."""
        while True:
            async with self.db.unit_of_work() as session:
                slot, reserved = await slack_pace.take_slot(
                    session=session,
                    team_id=team,
                    now=self.now(),
                    spacing=self.spacing,
                    horizon=HORIZON,
                )
            if reserved:
                return slot
            await self.sleep((slot - HORIZON - self.now()).total_seconds() + self.spacing_s)

    async def wait_for(self, slot: datetime) -> bool:
        """Wait for `slot`; False when it has gone by more than half a gap (preparing the send
        took too long, or the process stalled): sending now would crowd the next one, so
        reserve another."""
        wait = (slot - self.now()).total_seconds()
        if wait > 0:
            await self.sleep(wait)
        return (self.now() - slot).total_seconds() <= self.spacing_s / 2

    async def hold(self, team: str, wait: timedelta) -> None:
        """Slack asked us to wait: no copy sends to the workspace for `wait`."""
        async with self.db.unit_of_work() as session:
            await slack_pace.hold_until(session=session, team_id=team, until=self.now() + wait)
