"""Reflection nudges: the DM's buttons, the reflection modal, and `/partnership settings`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.blocks.text import slack_date
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import row_id
from bot.services import Services
from bot.usecases import person_settings, reflections
from bot.usecases.checks import FormInvalid
from handlers.commands import Subcommand, add_subcommand
from handlers.common import (
    action_value,
    input_value,
    question_answers,
    team_of,
    tell,
    user_id_of,
)

Ack = Callable[..., Awaitable[None]]
OUT_OF_DATE = "That button is out of date; use the newest reflection message in our DM."


def _request_id(raw: str) -> int:
    request_id = row_id(raw.split(":", 1)[0])
    if request_id is None:
        raise UserError(OUT_OF_DATE)
    return request_id


def _message_of(body: dict[str, Any]) -> tuple[str, str] | None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (str(channel), str(ts)) if channel and ts else None


async def _settings(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    view = await person_settings.change_settings(
        services, user_id=user_id_of(body), team_id=team_of(body), text=rest
    )
    await ack(response_type="ephemeral", text=view.describe())


def register(app: AsyncApp, services: Services) -> None:
    add_subcommand(
        Subcommand(
            "settings",
            "/partnership settings [hours 09:00-17:30 | days mon-fri | off | on]",
            "Set the hours when reflection messages may reach you, or turn them off.",
            _settings,
        )
    )

    @app.action(ids.REFLECT_NOW)
    async def on_reflect_now(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await reflections.open_reflection(
            services,
            trigger_id=str(body.get("trigger_id", "")),
            request_id=_request_id(action_value(body)),
            user_id=user_id_of(body),
        )

    @app.action(ids.SNOOZE_NUDGE)
    async def on_snooze(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        raw = action_value(body)
        until = await reflections.snooze(
            services,
            request_id=_request_id(raw),
            user_id=user_id_of(body),
            choice=raw.partition(":")[2],
            where=_message_of(body),
        )
        if _message_of(body) is None:
            await tell(services, body, f"Snoozed until {slack_date(until)}.")

    @app.action(ids.SKIP_NUDGE)
    async def on_skip(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await reflections.skip(
            services,
            request_id=_request_id(action_value(body)),
            user_id=user_id_of(body),
            where=_message_of(body),
        )

    @app.view(ids.REFLECTION_VIEW)
    async def on_reflection(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        request_id = row_id(view.get("private_metadata"))
        if request_id is None:
            await ack()
            raise UserError("That form is out of date; press *Reflect now* in our DM again.")
        answers = question_answers(view)
        share = "share" in (input_value(view, ids.SHARE_BLOCK, ids.SHARE_INPUT) or [])
        try:
            await reflections.submit_reflection(
                services,
                request_id=request_id,
                user_id=user_id_of(body),
                answers=answers,
                share=share,
            )
        except FormInvalid as invalid:
            await ack(response_action="errors", errors=invalid.errors)
            return
        await ack()
