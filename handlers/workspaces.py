"""The app leaving a workspace: app_uninstalled, and tokens_revoked for the bot's token."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.services import Services
from bot.usecases import workspaces


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        if context.team_id:
            await workspaces.uninstalled(
                services, team_id=context.team_id, enterprise_id=context.enterprise_id
            )

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # the app asks for no user tokens: only a revoked bot token changes anything
        if context.team_id and (event.get("tokens") or {}).get("bot"):
            await workspaces.uninstalled(
                services, team_id=context.team_id, enterprise_id=context.enterprise_id
            )
