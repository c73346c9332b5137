"""Where our side's own material goes: the partnership's internal channel when one is set,
else the lead's direct messages. Never the channel shared with the client."""

from __future__ import annotations

import logging
from typing import Any

from bot.db.models import Partnership
from bot.services import Services
from bot.slack.gateway import Posted, SlackCallFailed

log = logging.getLogger(__name__)


async def post_to_our_side(
    services: Services,
    *,
    partnership: Partnership,
    lead_user_id: str,
    text: str,
    blocks: list[dict[str, Any]],
) -> Posted:
    """Post in the internal channel, or (none set, now shared with another organisation, or
    the app was removed from it) DM the lead.

    Raises SlackCallFailed only when the lead's DM fails too.
    """
    internal = partnership.internal_channel_id
    if internal and internal != partnership.channel_id:
        try:
            # checked again each time: a channel can be shared with another organisation later
            if (await services.gateway.channel_info(internal)).is_shared:
                log.warning(
                    "Partnership %s's internal channel is now shared; sending to the lead",
                    partnership.id,
                )
            else:
                return await services.gateway.post_message(internal, text, blocks)
        except SlackCallFailed as failure:
            log.warning(
                "Could not post in partnership %s's internal channel (%s); sending to the lead",
                partnership.id,
                failure.error,
            )
    dm = await services.gateway.open_dm(lead_user_id)
    return await services.gateway.post_message(dm, text, blocks)


def summary_destination(partnership: Partnership, lead_user_id: str) -> str:
    """How a person is told where our side's summaries go (mrkdwn)."""
    if partnership.internal_channel_id:
        return f"<#{partnership.internal_channel_id}>"
    return f"<@{lead_user_id}> by direct message"
