"""The app's Home tab: published afresh each time a person opens it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.services import Services
from bot.usecases import home, meetings, permissions
from handlers.common import action_value, team_of, user_id_of

Ack = Callable[..., Awaitable[None]]


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        user_id = str(event.get("user") or "")
        if event.get("tab") != "home" or not user_id:
            return  # the Messages tab needs nothing from us
        await home.show_home(services, user_id=user_id, team_id=team_of(body))

    @app.action(ids.HOME_LOG_MEETING)
    async def on_log_meeting(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        # the form proposes our people in the channel: for our side only, like the command
        actor = permissions.Actor(
            user_id=user_id_of(body), team_id=team_of(body), channel_id=action_value(body)
        )
        await permissions.require(services, ids.HOME_LOG_MEETING, actor)
        await meetings.open_meeting_modal(
            services,
            trigger_id=str(body.get("trigger_id", "")),
            team_id=team_of(body),
            channel_id=action_value(body),
            user_id=user_id_of(body),
        )

    @app.action(ids.HOME_OPEN_SUMMARY)
    async def on_open_summary(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await home.open_latest_summary(
            services,
            trigger_id=str(body.get("trigger_id", "")),
            user_id=user_id_of(body),
            team_id=team_of(body),
            channel_id=action_value(body),
        )

    @app.action(ids.HOME_EXPORT)
    async def on_export(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await home.export_to_dm(
            services, user_id=user_id_of(body), team_id=team_of(body), channel_id=action_value(body)
        )

    @app.action(ids.HOME_SELF_CHECK)
    async def on_self_check(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await home.explain_self_check(services, trigger_id=str(body.get("trigger_id", "")))
