"""Buttons and menus in check messages: parse, call one use case, confirm to the person."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids, modals
from bot.blocks.checks import parse_ref
from bot.blocks.text import escape
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import row_id
from bot.services import Services
from bot.usecases import checks
from handlers.common import (
    action_value,
    channel_of,
    first_action,
    tell,
    user_id_of,
    user_team_of,
)
from handlers.errors import message_for

Ack = Callable[..., Awaitable[None]]


def _ref(body: dict[str, Any]) -> tuple[int, int, str | None]:
    try:
        return parse_ref(action_value(body))
    except ValueError:
        raise UserError(
            "That button is out of date; use the newest message of the check."
        ) from None


def _check_id(body: dict[str, Any]) -> int:
    check_id = row_id(action_value(body).split(":", 1)[0])
    if check_id is None:
        raise UserError("That button is out of date; use the newest message of the check.")
    return check_id


def is_answer_click(payload: dict[str, Any]) -> bool:
    """An answer button or menu in a check message (the front door's fast lane)."""
    if payload.get("type") != "block_actions":
        return False
    action_id = str(first_action(payload).get("action_id", ""))
    return bool(ids.ANSWER_PATTERN.match(action_id)) or action_id == ids.ANSWER_SELECT


async def take_answer_click(
    services: Services, body: dict[str, Any], *, delivery_key: str | None = None
) -> None:
    """Store the answer durably, then confirm it (or say why not) in the background.

    "Saved" is only said once the answer's transaction has committed. A click that could not
    be stored within `services.budget.answer_seconds` (the database is locked or unreachable)
    is told to try again; should its write still go through later, the answer is stored all
    the same, never lost, and the next click simply changes it. Never raises: whatever goes
    wrong becomes an ephemeral sentence and, if it is our fault, a log line
    (handlers.errors.message_for).
    """
    try:
        check_id, position, value = _ref(body)
        async with asyncio.timeout(
            services.budget.answer_seconds
        ):  # TimeoutError: database trouble
            outcome = await checks.record_answer(
                services,
                check_id=check_id,
                position=position,
                user_id=user_id_of(body),
                user_team_id=user_team_of(body),
                raw_value=value,
                channel_id=channel_of(body),
                delivery_key=delivery_key,
            )
    except Exception as error:
        services.background.spawn(tell(services, body, message_for(error)))
        return
    if outcome is None:  # a replay of a click already stored
        return
    note = answer_saved_note(outcome.label, changed=outcome.changed)
    services.background.spawn(tell(services, body, note))


def answer_saved_note(label: str, *, changed: bool) -> str:
    """The private note after an answer click: the answer, and that it can still change.

    Short on purpose: the question is right above it in the channel."""
    if changed:
        return f"✓ Changed to {escape(label)} — change it until the check closes."
    return f"✓ {escape(label)} — change it any time before the check closes."


def drop_spent_panel(services: Services, body: dict[str, Any]) -> None:
    """After the lead's Next question or Close check, the panel they pressed it in (an
    ephemeral message) is gone, so only the newest panel, below the newest question, stays.
    Only for a click that came from an ephemeral message; in the background."""
    container = body.get("container") or {}
    url = body.get("response_url")
    if container.get("is_ephemeral") is True and isinstance(url, str):
        services.background.spawn(services.gateway.delete_ephemeral(url))


def register(app: AsyncApp, services: Services) -> None:
    async def on_answer(ack: Ack, body: dict[str, Any]) -> None:
        # reached over Socket Mode; HTTP clicks take the same path from bot/serving/web_app.py
        await ack()
        await take_answer_click(services, body)

    app.action(ids.ANSWER_PATTERN)(on_answer)
    app.action(ids.ANSWER_SELECT)(on_answer)

    async def open_one_box(body: dict[str, Any], *, comment: bool) -> None:
        """Write-your-answer or comment modal for one question, prefilled with what is stored."""
        check_id, position, _ = _ref(body)
        text, value, stored_comment = await checks.current_answer(
            services, check_id=check_id, position=position, user_id=user_id_of(body)
        )
        build = modals.comment_modal if comment else modals.text_answer_modal
        view = build(
            reference=f"{check_id}:{position}",
            question_text=text,
            current=stored_comment if comment else value,
        )
        await services.gateway.open_view(str(body.get("trigger_id", "")), view)

    @app.action(ids.WRITE_ANSWER)
    async def on_write_answer(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await open_one_box(body, comment=False)

    @app.action(ids.ADD_COMMENT)
    async def on_add_comment(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await open_one_box(body, comment=True)

    @app.action(ids.NEXT_QUESTION)
    async def on_next(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        check_id, position, _ = _ref(body)
        moved = await checks.next_question(
            services, check_id=check_id, expected_position=position, user_id=user_id_of(body)
        )
        drop_spent_panel(services, body)  # the next question came with a panel of its own
        if not moved:
            await tell(services, body, "The check has already moved past that question.")

    @app.action(ids.CLOSE_CHECK)
    async def on_close(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        closed = await checks.close_check(
            services, check_id=_check_id(body), user_id=user_id_of(body)
        )
        drop_spent_panel(services, body)
        if not closed:
            await tell(services, body, "This check is already closed.")

    @app.action(ids.ANSWER_NOW)
    async def on_answer_now(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        view = await checks.async_answer_page(
            services,
            check_id=_check_id(body),
            user_id=user_id_of(body),
            user_team_id=user_team_of(body),
        )
        await services.gateway.open_view(str(body.get("trigger_id", "")), view)
