"""`/partnership internal [#channel|off]`: a partnership's internal channel, where our side's
summaries and the weekly digest go instead of the lead's DM. It must be our own: never a
channel shared with another organisation, nor one with guests or the client's people in it.
"""

from __future__ import annotations

import re

from bot.blocks import our_side as cards
from bot.blocks.text import escape
from bot.db import checks as check_store
from bot.db import our_side as store
from bot.db.models import Partnership
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.slack.gateway import ChannelInfo, SlackCallFailed
from bot.slack.members import MEMBERS_LOOKED_AT, outsider
from bot.usecases.checks import require_our_side

MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


async def our_partnership(
    services: Services, *, team_id: str, channel_id: str, user_id: str, then: str, action: str
) -> Partnership:
    """The channel's partnership, for a person on our side (by the rule of `action`);
    refuses everyone else."""
    partnership, _ = await require_our_side(
        services, user_id=user_id, team_id=team_id, channel_id=channel_id, action=action
    )
    if partnership is None:
        raise UserError(
            "This channel has no partnership yet. Start one with `/partnership check` or log a "
            f"meeting with `/partnership meeting`, then {then}."
        )
    return partnership


async def show_internal(services: Services, partnership: Partnership) -> str:
    return cards.internal_channel_text(partnership.internal_channel_id, partnership.name)


async def clear_internal(services: Services, partnership: Partnership) -> str:
    async with services.db.unit_of_work() as session:
        await store.set_internal_channel(
            session=session, partnership_id=partnership.id, channel_id=None
        )
    return (
        f"Our side's summaries and the weekly digest of this partnership go to the lead by "
        f"direct message again. {cards.internal_channel_text(None, partnership.name)}"
    )


async def set_internal(
    services: Services, partnership: Partnership, *, user_id: str, typed: str
) -> str:
    """Check the channel is ours and the app can post there (by posting a welcome), then
    remember it. Raises UserError with the reason otherwise."""
    target = await _find(services, typed.strip())
    if target.id == partnership.channel_id:
        raise UserError(
            "That is the channel shared with the client: pick a channel only our side is in."
        )
    if target.is_shared:
        raise UserError(
            f"<#{target.id}> is shared with another organisation, so the client could read our "
            "side's summaries there. Pick a channel of our own workspace only."
        )
    async with services.db.reading() as session:
        if await check_store.partnership_for_channel(session=session, channel_id=target.id):
            raise UserError(
                f"<#{target.id}> is a partnership's channel, shared with a client. Pick a "
                "channel only our side is in."
            )
    if not target.is_member:
        raise UserError(
            f"I'm not in <#{target.id}>, so I can't post there: invite me with "
            "`/invite @Partnership Check` in that channel, then try again."
        )
    outsiders = await _outsiders(services, target.id, partnership.team_id)
    if outsiders:
        raise UserError(
            f"<#{target.id}> has guests or people from another workspace in it, so it is not "
            "for our side only. Pick a channel only our own people are in."
        )
    text, blocks = cards.internal_channel_welcome(partnership.name, user_id)
    try:
        await services.gateway.post_message(target.id, text, blocks)
    except SlackCallFailed as failure:
        raise UserError(
            f"I couldn't post in <#{target.id}> ({failure.error}): invite me with "
            "`/invite @Partnership Check` there, then try again."
        ) from None
    async with services.db.unit_of_work() as session:
        await store.set_internal_channel(
            session=session, partnership_id=partnership.id, channel_id=target.id
        )
    return cards.internal_channel_text(target.id, partnership.name)


async def _find(services: Services, typed: str) -> ChannelInfo:
    mention = MENTION.match(typed)
    channel_id = mention.group(1) if mention else typed if CHANNEL_ID.match(typed) else None
    try:
        if channel_id is not None:
            return await services.gateway.channel_info(channel_id)
        name = typed.removeprefix("#").lower()
        if name and re.fullmatch(r"[a-z0-9_\-]{1,80}", name):
            found = await services.gateway.find_channel(name)
            if found is not None:
                return found
    except SlackCallFailed:
        pass
    raise UserError(
        f"I can't find the channel `{escape(typed[:80])}`. Type it as `/partnership internal "
        "#channel-name` (a channel I can see; invite me there first if it is private)."
    )


async def _outsiders(services: Services, channel_id: str, team_id: str) -> list[str]:
    """Who in the channel is not of our workspace. Refuses (UserError) when Slack can't say
    who someone is, or the channel is too big to look at everyone: unknown is never taken as
    "ours only"."""
    try:
        members = await services.gateway.channel_members(channel_id, limit=MEMBERS_LOOKED_AT + 1)
    except SlackCallFailed:
        members = None
    if members is not None and len(members) > MEMBERS_LOOKED_AT:
        raise UserError(
            f"<#{channel_id}> has more than {MEMBERS_LOOKED_AT} members, too many for me to check "
            "that all are on our side. Pick a smaller channel of our own."
        )
    people = await services.gateway.users(members) if members is not None else []
    if members is None or len(people) < len(members):  # someone Slack would not describe
        raise UserError(
            f"I couldn't check who is in <#{channel_id}> just now, so I haven't set it. "
            "Please try again in a minute."
        )
    return [person.id for person in people if outsider(person, team_id)]
