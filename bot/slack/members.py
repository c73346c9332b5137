"""Who is in a channel, asked of Slack at most once per channel every TTL (through the clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.plumbing.clock import Clock
from bot.slack.gateway import SlackGateway, SlackUser

MEMBERS_TTL = timedelta(minutes=2)
MAX_MEMBERS = 50_000
MEMBERS_LOOKED_AT = 200  # members of a channel looked up one by one (users.info) at most


class ChannelMembers:
    def __init__(self, gateway: SlackGateway, clock: Clock, ttl: timedelta = MEMBERS_TTL) -> None:
        self._gateway = gateway
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[str, tuple[datetime, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def contains(self, channel_id: str, user_id: str) -> bool:
        """Raises SlackCallFailed when Slack cannot say (the caller asks the person to retry)."""
        members = await self._members(channel_id)
        if user_id in members:
            return True
        # someone who just joined: look again unless we looked a moment ago
        fetched_at = self._cache[channel_id][0]
        if self._clock.now() - fetched_at > timedelta(seconds=10):
            members = await self._members(channel_id, refresh=True)
        return user_id in members

    async def _members(self, channel_id: str, *, refresh: bool = False) -> frozenset[str]:
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:  # one lookup per channel at a time, however many clicks arrive
            cached = self._cache.get(channel_id)
            now = self._clock.now()
            if cached and not refresh and now - cached[0] < self._ttl:
                return cached[1]
            members = frozenset(await self._gateway.channel_members(channel_id, limit=MAX_MEMBERS))
            self._cache[channel_id] = (now, members)
            return members


def of_workspace(person: SlackUser, team_id: str) -> bool:
    """A person of the workspace `team_id` itself (our side): not a bot, not a guest, not
    someone from another workspace met in a shared channel (Slack Connect)."""
    return not person.is_bot and not person.is_external and (person.team_id or team_id) == team_id


def outsider(person: SlackUser, team_id: str) -> bool:
    """A person (not a bot) from outside the workspace `team_id`: a guest or from another
    workspace; in a partnership's channel, likely the client."""
    return not person.is_bot and not of_workspace(person, team_id)


async def people_in(gateway: SlackGateway, channel_id: str, *, limit: int) -> list[SlackUser]:
    """Who is in the channel (up to `limit` members), as Slack describes them. Raises
    SlackCallFailed when Slack cannot say."""
    return await gateway.users(await gateway.channel_members(channel_id, limit=limit))


def admin_of(person: SlackUser | None, team_id: str) -> bool:
    """An admin or owner of the workspace `team_id` itself: not a guest, nor an admin of the
    client's workspace met in a shared channel."""
    return person is not None and person.is_admin and of_workspace(person, team_id)
