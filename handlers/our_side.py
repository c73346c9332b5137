"""`/partnership self-check|internal|digest`: our side's own material, never in the channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.plumbing.errors import UserError
from bot.services import Services
from bot.usecases import digest, internal_channel, self_check
from bot.usecases.checks import require_our_side
from handlers.commands import Subcommand, add_subcommand
from handlers.common import channel_of, team_of, tell, user_id_of

Ack = Callable[..., Awaitable[None]]


async def _self_check(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    days = self_check.open_days(rest)
    # refuse the client's people before saying anything else (a users.info and one read)
    await require_our_side(
        services,
        user_id=user_id_of(body),
        team_id=team_of(body),
        channel_id=channel_of(body) or "",
        action="/partnership self-check",
    )
    await ack(
        response_type="ephemeral",
        text="Sending the consultant self-check privately to our side now.",
    )
    try:
        started = await self_check.start_self_check(
            services,
            team_id=team_of(body),
            channel_id=channel_of(body) or "",
            user_id=user_id_of(body),
            days=days,
        )
    except UserError as problem:  # the reply is already sent: say it in a new message
        await tell(services, body, problem.message)
        return
    if started is not None:
        await tell(services, body, started.text())


async def _internal(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    partnership = await internal_channel.our_partnership(
        services,
        team_id=team_of(body),
        channel_id=channel_of(body) or "",
        user_id=user_id_of(body),
        then="choose its internal channel",
        action="/partnership internal",
    )
    if not rest:
        await ack(
            response_type="ephemeral",
            text=await internal_channel.show_internal(services, partnership),
        )
        return
    if rest.lower() == "off":
        await ack(
            response_type="ephemeral",
            text=await internal_channel.clear_internal(services, partnership),
        )
        return
    await ack(response_type="ephemeral", text="Checking that channel now.")
    try:
        text = await internal_channel.set_internal(
            services, partnership, user_id=user_id_of(body), typed=rest
        )
    except UserError as problem:
        text = problem.message
    await tell(services, body, text)


async def _digest(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    text, blocks = await digest.show_digest(
        services, team_id=team_of(body), channel_id=channel_of(body) or "", user_id=user_id_of(body)
    )
    await ack(response_type="ephemeral", text=text, blocks=blocks)


def register(app: AsyncApp, services: Services) -> None:
    for entry in (
        Subcommand(
            "self-check",
            "/partnership self-check [DAYS]",
            "Our side only: send our people here the self-check by DM.",
            _self_check,
        ),
        Subcommand(
            "internal",
            "/partnership internal [#CHANNEL|off]",
            "Our side only: choose a channel of ours for our summaries and digest.",
            _internal,
        ),
        Subcommand(
            "digest",
            "/partnership digest",
            "Our side only: see what our meeting reflections add up to.",
            _digest,
        ),
    ):
        add_subcommand(entry)
