"""The partnership of a channel, for use cases that need one to exist already."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import checks as check_store
from bot.db import partnership_data as data_store
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


def unknown_channel(channel_id: str, team_id: str | None = None) -> UserError:
    """For the command line, where the channel is typed in as an ID."""
    where = f" in workspace {team_id!r}" if team_id else ""
    return UserError(
        f"No partnership is recorded for channel {channel_id!r}{where}. Use the channel ID (it "
        "starts with C, and Slack shows it at the bottom of the channel's details); "
        "`partnercheck partnerships` lists them all."
    )


async def partnerships_named(
    session: AsyncSession, *, channel_id: str | None, team_id: str | None
) -> list[Partnership]:
    """The partnerships a command line names: the one in `channel_id` (of workspace `team_id`
    when given), or every one (of `team_id` when given). A channel shared between workspaces
    (Slack Connect) holds one partnership per workspace: without `team_id` that is a UserError
    naming the workspaces to choose from, as are an unknown workspace and an unknown channel."""
    if team_id is not None and not await data_store.team_known(session=session, team_id=team_id):
        raise UserError(
            f"No workspace {team_id!r} is known here (no partnership or installation has it); "
            "`partnercheck partnerships` lists each partnership's workspace under TEAM."
        )
    found = await data_store.partnerships_matching(
        session=session, channel_id=channel_id, team_id=team_id
    )
    if channel_id is None:
        return found
    if not found:
        raise unknown_channel(channel_id, team_id)
    if len(found) > 1:
        teams = ", ".join(sorted(p.team_id for p in found))
        raise UserError(
            f"Channel {channel_id!r} holds a partnership in each of {len(found)} workspaces "
            f"({teams}): add --team with the one you mean."
        )
    return found
