"""Slack listeners: thin adapters from payloads to use cases."""

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import (
    actions,
    commands,
    errors,
    home,
    meetings,
    nudges,
    our_side,
    person_data,
    practice,
    summary,
    views,
    workspaces,
)


def register_all(app: AsyncApp, services: Services) -> None:
    errors.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    summary.register(app, services)
    meetings.register(app, services)
    nudges.register(app, services)
    our_side.register(app, services)
    home.register(app, services)
    person_data.register(app, services)
    practice.register(app, services)
    workspaces.register(app, services)
