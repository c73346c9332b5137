"""The lead's digest of our people's reflections: weekly by the outbox, or on demand.

tick ──queue_weekly_digests──▶ one outbox row per partnership per ISO week (dedupe key)
                                  │  the dispatcher claims it when due
                                  ▼
                prepare: the lead's working hours? ──no──▶ later (start of their next hours)
                                  │yes
                 anything new since the last digest? ──no──▶ dropped ("nothing new")
                                  │yes
            sent once to the internal channel, else the lead's DM; digest_through moves on
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import digest as cards
from bot.db import our_side as store
from bot.db import outbox
from bot.db.models import Partnership, PersonSettings, ScheduledMessage
from bot.domain.digest import Digest, compile_digest
from bot.services import Services
from bot.usecases.internal_channel import our_partnership
from bot.usecases.nudges import Decision, Drop, Send, wait_for_working_hours

DIGEST = "reflection_digest"
PERIOD = timedelta(days=7)


def digest_key(partnership_id: int, now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"digest:{partnership_id}:{year}-W{week:02d}"


async def build_digest(
    session: AsyncSession, *, partnership: Partnership, since: datetime, until: datetime
) -> Digest:
    return (await build_digests(session, {partnership.id: (partnership, since)}, until))[
        partnership.id
    ]


async def build_digests(
    session: AsyncSession, wanted: dict[int, tuple[Partnership, datetime]], until: datetime
) -> dict[int, Digest]:
    """Each partnership's digest of (since, until]: two statements however many."""
    since = {partnership_id: start for partnership_id, (_, start) in wanted.items()}
    meetings = await store.meetings_held(session=session, since=since, until=until)
    answers = await store.reflections_answered(session=session, since=since, until=until)
    return {
        partnership_id: compile_digest(
            partnership_name=partnership.name,
            since=start,
            until=until,
            meetings=meetings[partnership_id],
            answers=answers[partnership_id],
        )
        for partnership_id, (partnership, start) in wanted.items()
    }


def on_demand_since(partnership: Partnership, now: datetime) -> datetime:
    """A week back, or further back to the last weekly digest if that was longer ago."""
    week_ago = now - PERIOD
    through = partnership.digest_through
    return min(week_ago, through) if through is not None else week_ago


async def show_digest(
    services: Services, *, team_id: str, channel_id: str, user_id: str
) -> tuple[str, list[dict[str, Any]]]:
    """`/partnership digest`: our side only, shown only to the person who asked."""
    partnership = await our_partnership(
        services,
        team_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        then="ask again",
        action="/partnership digest",
    )
    now = services.clock.now()
    async with services.db.reading() as session:
        digest = await build_digest(
            session,
            partnership=partnership,
            since=on_demand_since(partnership, now),
            until=now,
        )
    return cards.digest_message(digest, weekly=False)


async def queue_weekly_digests(services: Services) -> int:
    """One digest row per partnership per week for its lead (the dedupe key makes a second
    impossible, whichever process queues it); returns how many were new."""
    now = services.clock.now()
    queued = 0
    async with services.db.unit_of_work() as session:
        leads = await store.leads(session=session)
        keys = {partnership_id: digest_key(partnership_id, now) for partnership_id in leads}
        queued_before = set(
            await session.scalars(
                select(ScheduledMessage.dedupe_key).where(
                    ScheduledMessage.kind == DIGEST,
                    ScheduledMessage.dedupe_key.in_(keys.values()),
                )
            )
        )
        new = sorted(pid for pid, key in keys.items() if key not in queued_before)
        teams: dict[int, str] = {
            partnership_id: team_id
            for partnership_id, team_id in await session.execute(
                select(Partnership.id, Partnership.team_id).where(Partnership.id.in_(new))
            )
        }
        for partnership_id in new:
            lead = leads[partnership_id]
            queued += await outbox.enqueue(
                session=session,
                kind=DIGEST,
                dedupe_key=digest_key(partnership_id, now),
                due_at=now,
                now=now,
                team_id=teams.get(partnership_id),
                user_id=lead,
                reference_id=partnership_id,
                payload={},
            )
    return queued


async def internal_channels(session: AsyncSession, *, rows: list[ScheduledMessage]) -> set[str]:
    """The internal channels these digests would go to (the dispatcher asks Slack whether
    each is still our own before `prepare`)."""
    found = await session.scalars(
        select(Partnership.internal_channel_id).where(
            Partnership.id.in_({row.reference_id for row in rows}),
            Partnership.internal_channel_id.is_not(None),
        )
    )
    return {channel for channel in found if channel}


async def prepare(
    session: AsyncSession,
    *,
    rows: list[ScheduledMessage],
    now: datetime,
    shared: Collection[str] = (),
) -> dict[int, Decision]:
    """For each claimed digest row: send it (in the lead's working hours), wait, or drop it
    when there is nothing new since the last digest. It goes to the partnership's internal
    channel, unless that is in `shared` (now shared with another organisation): then to the
    lead's DM."""
    decisions: dict[int, Decision] = {}
    for row in rows:
        partnership = await session.get(Partnership, row.reference_id or -1)
        if partnership is None:
            decisions[row.id] = Drop("the partnership was deleted")
            continue
        person = await session.get(PersonSettings, row.user_id or "")
        wait = wait_for_working_hours(person, now)
        if wait is not None:
            decisions[row.id] = wait
            continue
        since = partnership.digest_through or now - PERIOD
        digest = await build_digest(session, partnership=partnership, since=since, until=now)
        if digest.is_empty:
            decisions[row.id] = Drop("nothing new since the last digest")
            continue
        text, blocks = cards.digest_message(digest)
        row.payload = {**(row.payload or {}), "through": now.isoformat()}
        internal = partnership.internal_channel_id
        if internal in shared:
            internal = None
        if internal != row.channel_id:
            # sent (and, after an unclear send, looked for) where it goes now
            await session.execute(
                update(ScheduledMessage)
                .where(ScheduledMessage.id == row.id)
                .values(channel_id=internal)
                .execution_options(synchronize_session=False)
            )
            row.channel_id = internal
        decisions[row.id] = Send(text, blocks)
    return decisions


async def record_sent(
    session: AsyncSession, *, sent: list[ScheduledMessage], now: datetime
) -> None:
    """The digest went out: the next one covers what happens from then on."""
    for row in sent:
        if row.kind != DIGEST or row.reference_id is None:
            continue
        through = (row.payload or {}).get("through")
        await store.set_digest_through(
            session=session,
            partnership_id=row.reference_id,
            through=datetime.fromisoformat(through) if through else now,
        )
