"""Modal submissions: validate, answer Slack with field errors or close, then act."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from bot.blocks.checks import parse_ref
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import moment, row_id
from bot.services import Services
from bot.usecases import checks
from handlers.common import (
    input_value,
    question_answers,
    team_of,
    tell,
    user_id_of,
    user_team_of,
)

Ack = Callable[..., Awaitable[None]]


def _reference(view: dict[str, Any]) -> tuple[int, int]:
    try:
        check_id, position, _ = parse_ref(str(view.get("private_metadata", "")))
    except ValueError:
        raise UserError("That form is out of date; open it again from the check.") from None
    return check_id, position


def read_check_form(body: dict[str, Any]) -> checks.CheckForm:
    view = body["view"]
    deadline = input_value(view, ids.DEADLINE_BLOCK, ids.DEADLINE_INPUT)
    return checks.CheckForm(
        team_id=team_of(body),
        channel_id=str(view.get("private_metadata", "")),
        lead_user_id=user_id_of(body),
        partnership_name=str(input_value(view, ids.NAME_BLOCK, ids.NAME_INPUT) or ""),
        template_id=str(input_value(view, ids.TEMPLATE_BLOCK, ids.TEMPLATE_INPUT) or ""),
        client_user_ids=tuple(input_value(view, ids.CLIENT_BLOCK, ids.CLIENT_INPUT) or ()),
        mode=str(input_value(view, ids.MODE_BLOCK, ids.MODE_INPUT) or "live"),
        deadline_at=moment(deadline) if deadline else None,
        anonymous=input_value(view, ids.PRIVACY_BLOCK, ids.PRIVACY_INPUT) == "anonymous",
        view_id=view.get("id"),
        our_org_name=str(input_value(view, ids.OUR_ORG_BLOCK, ids.OUR_ORG_INPUT) or ""),
        client_org_name=str(input_value(view, ids.CLIENT_ORG_BLOCK, ids.CLIENT_ORG_INPUT) or ""),
    )


def register(app: AsyncApp, services: Services) -> None:
    @app.view(ids.START_CHECK_VIEW)
    async def on_start(ack: Ack, body: dict[str, Any]) -> None:
        form = read_check_form(body)
        try:
            checks.validate_form(form, services=services)
        except checks.FormInvalid as invalid:
            await ack(response_action="errors", errors=invalid.errors)
            return
        await ack()
        try:
            await checks.start_check(services, form)
        except UserError as problem:
            await tell(services, body, problem.message, channel=form.channel_id)

    @app.view(ids.COMMENT_VIEW)
    async def on_comment(ack: Ack, body: dict[str, Any]) -> None:
        check_id, position = _reference(body["view"])
        raw = input_value(body["view"], ids.COMMENT_BLOCK, ids.COMMENT_INPUT)
        try:
            outcome = await checks.record_comment(
                services,
                check_id=check_id,
                position=position,
                user_id=user_id_of(body),
                user_team_id=user_team_of(body),
                raw_comment=raw,
            )
        except UserError as problem:
            await ack(response_action="errors", errors={ids.COMMENT_BLOCK: problem.message})
            return
        await ack()
        note = "Your comment is saved." if outcome.stored else "Your comment is removed."
        await tell(services, body, note, channel=outcome.channel_id)

    @app.view(ids.TEXT_ANSWER_VIEW)
    async def on_text_answer(ack: Ack, body: dict[str, Any]) -> None:
        check_id, position = _reference(body["view"])
        raw = input_value(body["view"], ids.TEXT_ANSWER_BLOCK, ids.TEXT_ANSWER_INPUT)
        try:
            outcome = await checks.record_answer(
                services,
                check_id=check_id,
                position=position,
                user_id=user_id_of(body),
                user_team_id=user_team_of(body),
                raw_value=raw,
            )
        except UserError as problem:
            await ack(response_action="errors", errors={ids.TEXT_ANSWER_BLOCK: problem.message})
            return
        await ack()
        if outcome is None:
            return
        verb = "changed" if outcome.changed else "saved"
        await tell(services, body, f"Your answer is {verb}.", channel=outcome.channel_id)

    @app.view(ids.ASYNC_ANSWERS_VIEW)
    async def on_async_answers(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        check_id_text, _, page_text = str(view.get("private_metadata", "")).partition(":")
        check_id, page = row_id(check_id_text), row_id(page_text)
        if check_id is None or page is None:
            await ack()
            raise UserError("That form is out of date; press *Answer now* on the check again.")
        answers = question_answers(view)
        try:
            outcome = await checks.submit_async_page(
                services,
                check_id=check_id,
                page=page,
                user_id=user_id_of(body),
                user_team_id=user_team_of(body),
                answers=answers,
            )
        except checks.FormInvalid as invalid:
            await ack(response_action="errors", errors=invalid.errors)
            return
        except UserError as problem:
            await ack()
            await tell(services, body, problem.message)
            return
        if outcome.next_view is not None:
            await ack(response_action="update", view=outcome.next_view)
            return
        await ack()
        await tell(
            services,
            body,
            "Thank you: your answers are saved. Press *Answer now* again to change them "
            "before the check closes.",
            channel=outcome.channel_id,
        )
