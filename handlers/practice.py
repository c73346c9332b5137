"""`/partnership admins` (practice leads) and the question bank's controls in the App Home."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.plumbing.errors import NotAllowed
from bot.services import Services
from bot.usecases import export, home, practice
from handlers.commands import Subcommand, add_subcommand
from handlers.common import action_value, team_of, user_id_of

Ack = Callable[..., Awaitable[None]]


async def _admins(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    text = await practice.admins_command(
        services, user_id=user_id_of(body), team_id=team_of(body), text=rest
    )
    await ack(response_type="ephemeral", text=text)


def register(app: AsyncApp, services: Services) -> None:
    add_subcommand(
        Subcommand(
            "admins",
            "/partnership admins [add|remove @person]",
            "Name the practice leads, who see every partnership in Home (admins only).",
            _admins,
        )
    )

    @app.action(ids.RETIRE_QUESTION)
    async def on_retire(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        user_id, team_id = user_id_of(body), team_of(body)
        await practice.retire_question(
            services, user_id=user_id, team_id=team_id, question_id=action_value(body)
        )
        await home.show_home(services, user_id=user_id, team_id=team_id)

    @app.action(ids.EXPORT_PATTERN)
    async def on_export(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        user_id, team_id = user_id_of(body), team_of(body)
        who = await practice.viewer(services, user_id=user_id, team_id=team_id)
        if not who.whole_workspace:
            raise NotAllowed(practice.ONLY_LEADS_EXPORT)
        fmt = "json" if action_value(body) == "json" else "csv"
        await export.send_export(services, user_id=user_id, team_id=team_id, fmt=fmt)

    @app.action(ids.RESTORE_QUESTION)
    async def on_restore(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        user_id, team_id = user_id_of(body), team_of(body)
        await practice.restore_question(
            services, user_id=user_id, team_id=team_id, question_id=action_value(body)
        )
        await home.show_home(services, user_id=user_id, team_id=team_id)
