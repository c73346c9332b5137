"""Steps of a check, as a person takes them in Slack, for the end-to-end tests."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from tests.support import signing
from tests.support.harness import Harness

CHANNEL = "C0SHARED"
LEAD = "U0LEAD"
# everyone the end-to-end tests have answer: only people in the channel may
CHANNEL_MEMBERS = [LEAD, "U0OURS2", "U0CLIENT1", "U0CLIENT2", "U0CLIENT3", "U0ADMIN", "U0EXT1"]


def start_values(
    *,
    name: str = "Acme × Northwind",
    template: str = "partnership_check",
    client: list[str] | None = None,
    mode: str = "live",
    deadline: int | None = None,
    privacy: str = "attributed",
    our_org: str | None = None,
    client_org: str | None = None,
) -> dict[str, Any]:
    return {
        ids.NAME_BLOCK: {ids.NAME_INPUT: signing.plain_input(name)},
        ids.TEMPLATE_BLOCK: {ids.TEMPLATE_INPUT: signing.static_select(template)},
        ids.CLIENT_BLOCK: {ids.CLIENT_INPUT: signing.multi_users(client or [])},
        ids.MODE_BLOCK: {ids.MODE_INPUT: signing.radio(mode)},
        ids.DEADLINE_BLOCK: {ids.DEADLINE_INPUT: signing.datetimepicker(deadline)},
        ids.PRIVACY_BLOCK: {ids.PRIVACY_INPUT: signing.radio(privacy)},
        ids.OUR_ORG_BLOCK: {ids.OUR_ORG_INPUT: signing.plain_input(our_org)},
        ids.CLIENT_ORG_BLOCK: {ids.CLIENT_ORG_INPUT: signing.plain_input(client_org)},
    }


async def start_check(h: Harness, *, view_id: str = "V0START", **form: Any) -> None:
    h.fake.set_channel_members(CHANNEL, CHANNEL_MEMBERS)
    reply = await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200, reply.text
    opened = h.fake.last("views.open").args["view"]
    assert opened["callback_id"] == ids.START_CHECK_VIEW
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        start_values(**form),
        private_metadata=opened["private_metadata"],
        user_id=LEAD,
        view_id=view_id,
    )
    assert reply.status == 200, reply.text
    assert reply.text in ("", "{}"), reply.text


def posted_buttons(h: Harness, call_index: int = -1) -> list[dict[str, Any]]:
    """Every button/select of a message the app posted."""
    call = h.fake.calls_to("chat.postMessage")[call_index]
    return [
        element
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


LEAD_CONTROLS = (ids.NEXT_QUESTION, ids.CLOSE_CHECK)


def lead_button(h: Harness, action_id: str, *, user: str = LEAD) -> dict[str, Any]:
    """A control of the newest lead panel shown (ephemerally) to `user`."""
    for call in reversed(h.fake.calls_to("chat.postEphemeral")):
        if call.args.get("user") != user:
            continue
        for block in call.args.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == action_id:
                    return element
    raise AssertionError(f"no {action_id} in a lead panel shown to {user}")


def button(
    h: Harness, action_prefix: str, *, label: str | None = None, call_index: int = -1
) -> dict[str, Any]:
    """A control of a message posted in the channel (or, for the lead's own controls, of the
    newest lead panel)."""
    if action_prefix in LEAD_CONTROLS:
        return lead_button(h, action_prefix)
    for element in posted_buttons(h, call_index):
        if element["action_id"].startswith(action_prefix) and (
            label is None or element["text"]["text"] == label
        ):
            return element
    raise AssertionError(f"no {action_prefix} button {label or ''} in the last message")


async def press(
    h: Harness, element: dict[str, Any], *, user: str = LEAD, user_team_id: str | None = None
) -> None:
    """Click a button, or pick the option a menu element carries in "picked" (answer_button)."""
    if element.get("type") == "static_select":
        reply = await h.click(
            element["action_id"],
            "",
            action_type="static_select",
            selected_option_value=element["picked"],
            user_id=user,
            user_team_id=user_team_id,
            channel_id=CHANNEL,
        )
    else:
        reply = await h.click(
            element["action_id"],
            element["value"],
            user_id=user,
            user_team_id=user_team_id,
            channel_id=CHANNEL,
        )
    assert reply.status == 200, reply.text


def answer_button(h: Harness, value: str, call_index: int = -1) -> dict[str, Any]:
    """The answer button for `value`, or the answer menu with that option picked."""
    for element in posted_buttons(h, call_index):
        if element["action_id"] == f"{ids.ANSWER}:{value}":
            return element
        if element["action_id"] == ids.ANSWER_SELECT:
            for option in element["options"]:
                if option["value"].rsplit(":", 1)[-1] == value:
                    return {**element, "picked": option["value"]}
    raise AssertionError(f"no answer button for {value}")
