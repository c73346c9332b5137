"""`/partnership my data`, `/partnership forget me` and its confirmation form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.blocks import person_data as cards
from bot.services import Services
from bot.usecases import person_data
from handlers.commands import Subcommand, add_subcommand
from handlers.common import user_id_of

Ack = Callable[..., Awaitable[None]]


async def _my(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    if rest.lower() != "data":
        await ack(response_type="ephemeral", text="Did you mean `/partnership my data`?")
        return
    await ack(response_type="ephemeral", text=cards.MY_DATA_COMING)
    user_id = user_id_of(body)
    services.background.spawn(person_data.send_my_data(services, user_id=user_id), name="my-data")


async def _forget(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    if rest.lower() != "me":
        await ack(response_type="ephemeral", text="Did you mean `/partnership forget me`?")
        return
    await ack()
    await person_data.open_forget_me(services, trigger_id=str(body.get("trigger_id", "")))


def register(app: AsyncApp, services: Services) -> None:
    add_subcommand(
        Subcommand(
            "my",
            "/partnership my data",
            "Get everything I store about you, as a file in a direct message.",
            _my,
        )
    )
    add_subcommand(
        Subcommand(
            "forget",
            "/partnership forget me",
            "Delete your answers, comments, reflections and settings everywhere (asks first).",
            _forget,
        )
    )

    @app.view(ids.FORGET_ME_VIEW)
    async def on_forget_me(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        user_id = user_id_of(body)
        forgotten = await person_data.forget_me(services, user_id=user_id)
        await person_data.tell_forgotten(services, user_id=user_id, forgotten=forgotten)
