"""The partnership of a channel, for use cases that need one to exist already."""

from __future__ import annotations

from bot.db import checks as check_store
from bot.db.models import Partnership
from bot.plumbing.errors import UserError
from bot.services import Services


async def require_partnership(services: Services, channel_id: str, *, then: str) -> Partnership:
    """The channel's partnership, or a UserError saying how to start one and `then` what."""
    async with services.db.unit_of_work() as session:
        partnership = await check_store.partnership_for_channel(
            session=session, channel_id=channel_id
        )
    if partnership is None:
        raise UserError(
            "This channel has no partnership yet. Start one with `/partnership check` or log a "
            f"meeting with `/partnership meeting` (both ask for its name), then {then}."
        )
    return partnership


def unknown_channel(channel_id: str) -> UserError:
    """For the command line, where the channel is typed in as an ID."""
    return UserError(
        f"No partnership is recorded for channel {channel_id!r}. Use the channel ID (it starts "
        "with C, and Slack shows it at the bottom of the channel's details); "
        "`partnercheck partnerships` lists them all."
    )
