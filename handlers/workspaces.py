"""The app leaving a workspace: app_uninstalled, and tokens_revoked for the bot's token.

For an Enterprise Grid org-wide install the event names the organisation (no workspace):
the app leaves every workspace of it at once."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.services import Services
from bot.usecases import workspaces


async def _leave(services: Services, context: AsyncBoltContext) -> None:
    await workspaces.uninstalled(
        services,
        team_id=context.team_id,
        enterprise_id=context.enterprise_id,
        org_wide=bool(context.is_enterprise_install),
    )


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await _leave(services, context)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # the app asks for no user tokens: only a revoked bot token changes anything
        if (event.get("tokens") or {}).get("bot"):
            await _leave(services, context)
