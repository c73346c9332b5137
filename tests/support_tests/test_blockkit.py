from __future__ import annotations

import copy
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.blockkit import BlockKitError, check_call, check_message, check_view
from tests.support.fake_slack import Call, FakeSlack


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def button(text: str, action_id: str = "go", value: str = "v") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value.title()}, "value": value}


GOOD_MESSAGE: list[dict[str, Any]] = [
    {"type": "header", "block_id": "h", "text": {"type": "plain_text", "text": "Partnership"}},
    section("How are *we* doing?", "q1"),
    {
        "type": "section",
        "block_id": "f",
        "fields": [{"type": "mrkdwn", "text": f"*{i}*"} for i in range(10)],
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [option("edit"), option("delete")],
        },
    },
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            button("Yes", "yes"),
            {**button("No", "no"), "style": "danger"},
            {
                "type": "static_select",
                "action_id": "pick",
                "placeholder": {"type": "plain_text", "text": "Pick"},
                "options": [option("a"), option("b")],
                "initial_option": option("a"),
            },
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "sent by the bot"}]},
]

GOOD_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "check",
    "private_metadata": '{"check": 1}',
    "title": {"type": "plain_text", "text": "Partnership check"},
    "submit": {"type": "plain_text", "text": "Submit"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [
        section("Answer honestly", "intro"),
        {
            "type": "input",
            "block_id": "goal",
            "label": {"type": "plain_text", "text": "Goal"},
            "element": {"type": "plain_text_input", "action_id": "v", "max_length": 3000},
        },
        {
            "type": "input",
            "block_id": "score",
            "label": {"type": "plain_text", "text": "Score"},
            "element": {
                "type": "radio_buttons",
                "action_id": "v",
                "options": [option(str(i)) for i in range(1, 6)],
            },
        },
        {
            "type": "input",
            "block_id": "who",
            "optional": True,
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "multi_users_select", "action_id": "v"},
        },
        {
            "type": "input",
            "block_id": "when",
            "label": {"type": "plain_text", "text": "When"},
            "element": {"type": "datepicker", "action_id": "v"},
        },
    ],
}


def test_good_message_passes() -> None:
    check_message(GOOD_MESSAGE, "How are we doing?")


def test_text_only_message_passes() -> None:
    check_message(None, "hello")


def test_empty_message_rejected() -> None:
    with pytest.raises(BlockKitError, match="no_text"):
        check_message(None, None)


def test_blockkit_error_is_assertion_error() -> None:
    assert issubclass(BlockKitError, AssertionError)


def test_50_blocks_ok_51_rejected() -> None:
    check_message([section(f"s{i}") for i in range(50)], "t")
    with pytest.raises(BlockKitError, match="51 blocks, limit 50"):
        check_message([section(f"s{i}") for i in range(51)], "t")


def test_button_text_limit() -> None:
    check_message([{"type": "actions", "elements": [button("x" * 75)]}], "t")
    with pytest.raises(BlockKitError, match="76 characters, limit 75"):
        check_message([{"type": "actions", "elements": [button("x" * 76)]}], "t")


def test_duplicate_block_id_rejected() -> None:
    with pytest.raises(BlockKitError, match="duplicate block_id 'q'"):
        check_message([section("a", "q"), section("b", "q")], "t")


def test_duplicate_action_id_in_actions_block_rejected() -> None:
    with pytest.raises(BlockKitError, match="duplicate action_id"):
        check_message([{"type": "actions", "elements": [button("a"), button("b")]}], "t")


@pytest.mark.parametrize(
    ("blocks", "text", "needle"),
    [
        ([section("x" * 3001)], "t", "limit 3000"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "t", "151"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}], "t", "plain_text"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 2001}]}],
            "t",
            "limit 2000",
        ),
        ([{"type": "actions", "elements": [button("b", "a" * 256)]}], "t", "limit 255"),
        ([{"type": "actions", "elements": [button("b", value="v" * 2001)]}], "t", "limit 2000"),
        ([section("s", "b" * 256)], "t", "limit 255"),
        (
            [{"type": "actions", "elements": [button("b", f"a{i}") for i in range(26)]}],
            "t",
            "26 elements, limit 25",
        ),
        (
            [
                {
                    "type": "section",
                    "fields": [{"type": "mrkdwn", "text": "f"} for _ in range(11)],
                }
            ],
            "t",
            "11 fields",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "t",
            "limit 2000",
        ),
        ([section("ok")], "x" * 40_001, "limit 40000"),
        ([section("")], "t", "empty"),
        ([{"type": "section"}], "t", "text or fields"),
        ([{"type": "bogus"}], "t", "unknown block type"),
        ([{"type": "actions", "elements": []}], "t", "non-empty"),
        ([{"type": "actions", "elements": [{"type": "wat"}]}], "t", "not allowed"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": "s",
                            "options": [option("a")],
                            "initial_option": option("z"),
                        }
                    ],
                }
            ],
            "t",
            "not one of the options",
        ),
        ("not a list", "t", "must be a list"),
    ],
)
def test_bad_messages_rejected(blocks: Any, text: str, needle: str) -> None:
    with pytest.raises(BlockKitError, match=needle):
        check_message(blocks, text)


def test_sdk_validators_are_applied_to_nested_elements() -> None:
    picker = {"type": "datepicker", "action_id": "d", "initial_date": "31/01/2025"}
    with pytest.raises(BlockKitError, match="slack_sdk rejects element"):
        check_message([{"type": "actions", "elements": [picker]}], "t")
    picker["initial_date"] = "2025-01-31"
    check_message([{"type": "actions", "elements": [picker]}], "t")


def test_good_view_passes() -> None:
    check_view(GOOD_VIEW)
    check_view({"type": "home", "blocks": [section("Welcome")]})


def test_bad_view_title_rejected() -> None:
    view = copy.deepcopy(GOOD_VIEW)
    view["title"]["text"] = "x" * 25
    with pytest.raises(BlockKitError, match=r"view.title.*limit 24"):
        check_view(view)
    view["title"] = "plain string"
    with pytest.raises(BlockKitError, match=r"view\.title"):
        check_view(view)
    del view["title"]
    with pytest.raises(BlockKitError, match=r"view\.title"):
        check_view(view)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"type": "dialog"}, "'modal' or 'home'"),
        ({"submit": {"type": "plain_text", "text": "s" * 25}}, "view.submit"),
        ({"close": {"type": "plain_text", "text": "c" * 25}}, "view.close"),
        ({"callback_id": "c" * 256}, "callback_id"),
        ({"private_metadata": "m" * 3001}, "private_metadata"),
        ({"blocks": [section(f"s{i}") for i in range(101)]}, "101 blocks, limit 100"),
        ({"submit": None}, "needs a submit"),
        ({"blocks": [section("a", "x"), section("b", "x")]}, "duplicate block_id"),
        (
            {
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "l" * 2001},
                        "element": {"type": "plain_text_input", "action_id": "v"},
                    }
                ]
            },
            "label",
        ),
        (
            {
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "l"},
                        "element": {
                            "type": "plain_text_input",
                            "action_id": "v",
                            "max_length": 3001,
                        },
                    }
                ]
            },
            "max_length",
        ),
        (
            {
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "l"},
                        "element": {
                            "type": "radio_buttons",
                            "action_id": "v",
                            "options": [option(str(i)) for i in range(11)],
                        },
                    }
                ]
            },
            "11 options, limit 10",
        ),
        ({"blocks": []}, "slack_sdk rejects view"),
    ],
)
def test_bad_views_rejected(change: dict[str, Any], needle: str) -> None:
    view = {**copy.deepcopy(GOOD_VIEW), **change}
    with pytest.raises(BlockKitError, match=needle):
        check_view(view)


def _call(method: str, args: dict[str, Any]) -> Call:
    return Call(method=method, args=args, headers={}, at=0.0, status=200)


def test_check_call_dispatches() -> None:
    check_call(_call("chat.postMessage", {"channel": "C", "text": "t", "blocks": GOOD_MESSAGE}))
    check_call(_call("views.open", {"trigger_id": "t", "view": GOOD_VIEW}))
    check_call(_call("users.info", {"user": "U1"}))
    with pytest.raises(BlockKitError, match=r"(?s)chat.update.*51 blocks"):
        check_call(_call("chat.update", {"text": "t", "blocks": [section("s")] * 51}))
    with pytest.raises(BlockKitError, match=r"chat\.postEphemeral"):
        check_call(_call("chat.postEphemeral", {"text": "t", "blocks": [{"type": "bogus"}]}))
    with pytest.raises(BlockKitError, match=r"views\.publish"):
        check_call(_call("views.publish", {"view": {"type": "home", "blocks": "nope"}}))
    with pytest.raises(BlockKitError, match="no view"):
        check_call(_call("views.update", {"view_id": "V1"}))


async def test_check_call_on_calls_recorded_by_fake(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="C1", text="fine", blocks=GOOD_MESSAGE)
    await client.views_open(trigger_id="t", view=GOOD_VIEW)
    await client.chat_postMessage(channel="C1", text="bad", blocks=[section("s", "d")] * 2)
    check_call(fake.calls[0])
    check_call(fake.calls[1])
    with pytest.raises(BlockKitError, match="duplicate block_id"):
        check_call(fake.calls[2])
