"""Reading the few fields handlers need out of Slack payloads, and answering a person."""

from __future__ import annotations

import contextlib
from typing import Any

from bot.blocks import ids
from bot.plumbing.numbers import row_id
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases import permissions


def user_id_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id", ""))


def user_team_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return body.get("user_team_id") or team_of(body)


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request came from. Org-wide (Enterprise Grid) installs may send
    `team: null`: then the workspace the app's view belongs to, or the person's own."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    view = body.get("view")
    if isinstance(view, dict) and view.get("app_installed_team_id"):
        return str(view["app_installed_team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return ""


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return channel.get("id")
    container = body.get("container") or {}
    return body.get("channel_id") or container.get("channel_id")


async def require(services: Services, action: str, body: dict[str, Any]) -> None:
    """The rule of `action` (bot/usecases/permissions.py) for the person behind `body`, in the
    channel where they acted."""
    actor = permissions.Actor(
        user_id=user_id_of(body), team_id=team_of(body), channel_id=channel_of(body)
    )
    await permissions.require(services, action, actor)


def first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return actions[0]


def action_value(body: dict[str, Any]) -> str:
    action = first_action(body)
    selected = action.get("selected_option") or {}
    return str(action.get("value") or selected.get("value") or "")


def state_values(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return (view.get("state") or {}).get("values") or {}


def question_answers(view: dict[str, Any]) -> dict[int, tuple[str | None, str | None]]:
    """position → (value, comment) from a form of question blocks "q<position>" (the async
    answers form and the reflection form)."""
    answers: dict[int, tuple[str | None, str | None]] = {}
    for block_id in state_values(view):
        position = row_id(block_id[1:]) if block_id.startswith("q") else None
        if position is not None:
            answers[position] = (
                input_value(view, block_id, ids.ASYNC_VALUE_INPUT),
                input_value(view, ids.async_comment_block(position), ids.ASYNC_COMMENT_INPUT),
            )
    return answers


def input_value(view: dict[str, Any], block_id: str, action_id: str) -> Any:
    """The submitted value of one input, whatever its element type; None when empty."""
    element = (state_values(view).get(block_id) or {}).get(action_id) or {}
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    if kind == "checkboxes":
        return [option.get("value") for option in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    return element.get("value")


async def tell(
    services: Services, body: dict[str, Any], text: str, channel: str | None = None
) -> None:
    """An ephemeral note to the person behind `body` where they acted; a DM if that fails."""
    user = user_id_of(body)
    where = channel or channel_of(body)
    if not user:
        return
    if where:
        try:
            await services.gateway.post_ephemeral(where, user, text)
            return
        except SlackCallFailed:
            pass  # e.g. the app is not in that channel: fall back to a direct message
    with contextlib.suppress(SlackCallFailed):
        await services.gateway.post_message(await services.gateway.open_dm(user), text)
