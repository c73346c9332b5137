"""Summary and next-step listeners: share a summary, add a next step, mark one done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import row_id
from bot.services import Services
from bot.usecases import next_steps, summary
from handlers.common import action_value, channel_of, input_value, tell, user_id_of

Ack = Callable[..., Awaitable[None]]
OUT_OF_DATE = "That button is out of date; use the newest message from Partnership Check."


def _number(raw: str, problem: str = OUT_OF_DATE) -> int:
    number = row_id(raw)
    if number is None:
        raise UserError(problem)
    return number


def register(app: AsyncApp, services: Services) -> None:
    @app.action(ids.SHARE_SUMMARY)
    async def on_share(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await summary.share(
            services, check_id=_number(action_value(body)), user_id=user_id_of(body)
        )

    @app.action(ids.ADD_NEXT_STEP)
    async def on_add_next_step(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        view = await next_steps.next_step_form(
            services, check_id=_number(action_value(body)), user_id=user_id_of(body)
        )
        await services.gateway.open_view(str(body.get("trigger_id", "")), view)

    @app.action(ids.MARK_STEP_DONE)
    async def on_mark_done(ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        changed = await next_steps.mark_done(
            services,
            step_id=_number(action_value(body)),
            user_id=user_id_of(body),
            channel_id=channel_of(body) or "",
            message_ts=(body.get("container") or {}).get("message_ts"),
        )
        if not changed:
            await tell(services, body, "Someone has already marked that next step done.")

    @app.view(ids.NEXT_STEP_VIEW)
    async def on_next_step(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        check_id = _number(
            str(view.get("private_metadata", "")),
            "That form is out of date; press *Add next step* on the check again.",
        )
        try:
            channel_id = await next_steps.add_next_step(
                services,
                check_id=check_id,
                user_id=user_id_of(body),
                text=input_value(view, ids.STEP_TEXT_BLOCK, ids.STEP_TEXT_INPUT),
                owner=input_value(view, ids.STEP_OWNER_BLOCK, ids.STEP_OWNER_INPUT),
                due=input_value(view, ids.STEP_DUE_BLOCK, ids.STEP_DUE_INPUT),
            )
        except next_steps.StepFormInvalid as invalid:
            await ack(response_action="errors", errors=invalid.errors)
            return
        except UserError as problem:
            await ack(response_action="errors", errors={ids.STEP_TEXT_BLOCK: problem.message})
            return
        await ack()
        await tell(
            services,
            body,
            "Your next step is saved; it will be in the summary when the check closes.",
            channel=channel_id,
        )
