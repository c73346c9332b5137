"""The app's Home tab: published afresh each time a person opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from bot.usecases import home
from handlers.common import team_of


def register(app: AsyncApp, services: Services) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        user_id = str(event.get("user") or "")
        if event.get("tab") != "home" or not user_id:
            return  # the Messages tab needs nothing from us
        await home.show_home(services, user_id=user_id, team_id=team_of(body))
