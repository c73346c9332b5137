from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.request import payload_utils
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.support import signing
from tests.support.signing import SIGNING_SECRET, sign

VERIFIER = SignatureVerifier(SIGNING_SECRET)


def bolt_request(body: str) -> AsyncBoltRequest:
    headers = signing.signed_headers(body)
    assert VERIFIER.is_valid_request(body, headers)
    return AsyncBoltRequest(body=body, headers=headers)


def test_sign_verifies_with_sdk() -> None:
    body = "token=x&text=hello"
    headers = sign(body)
    assert VERIFIER.is_valid_request(body, headers)
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5


def test_sign_rejects_tampering_and_wrong_secret() -> None:
    body = "text=hello"
    headers = sign(body)
    assert not VERIFIER.is_valid_request(body + "x", headers)
    assert not VERIFIER.is_valid_request(body, sign(body, secret="other"))


def test_sign_explicit_timestamp() -> None:
    old = int(time.time()) - 600
    headers = sign("a", timestamp=old)
    assert headers["X-Slack-Request-Timestamp"] == str(old)
    assert not VERIFIER.is_valid_request("a", headers)  # too old for Slack's 5 minute window
    assert SignatureVerifier(SIGNING_SECRET, clock=_Clock(old)).is_valid_request("a", headers)


class _Clock:
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)


def test_slash_command() -> None:
    body = signing.slash_command("start acme", trigger_id="t-1")
    req = bolt_request(body)
    assert payload_utils.is_slash_command(req.body)
    assert req.body["command"] == "/partnership"
    assert req.body["text"] == "start acme"
    assert req.body["trigger_id"] == "t-1"
    assert req.context.user_id == "U0LEAD"
    assert req.context.channel_id == "C0SHARED"
    assert req.context.team_id == "T0OURS"
    assert parse_qs(body)["response_url"] == ["https://hooks.slack.invalid/commands/1"]


def test_trigger_ids_are_unique() -> None:
    a = parse_qs(signing.slash_command())["trigger_id"][0]
    b = parse_qs(signing.slash_command())["trigger_id"][0]
    assert a != b
    c = json.loads(parse_qs(signing.block_action(action_id="x"))["payload"][0])["trigger_id"]
    assert c not in (a, b)


def test_block_action_from_message() -> None:
    body = signing.block_action(action_id="approve", value="42", user_team_id="T0CLIENT")
    req = bolt_request(body)
    payload: dict[str, Any] = req.body
    assert payload_utils.is_action(payload)
    assert payload_utils.to_action(payload) == payload["actions"][0]
    action = payload["actions"][0]
    assert action["action_id"] == "approve"
    assert action["value"] == "42"
    assert action["block_id"] == "b"
    assert action["type"] == "button"
    assert payload["container"]["type"] == "message"
    assert payload["container"]["message_ts"] == "1700000000.000100"
    assert payload["message"]["ts"] == "1700000000.000100"
    assert payload["user"] == {
        "id": "U0LEAD",
        "username": "u0lead",
        "name": "u0lead",
        "team_id": "T0CLIENT",
    }
    assert req.context.team_id == "T0OURS"
    assert req.context.user_id == "U0LEAD"
    assert req.context.channel_id == "C0SHARED"
    assert payload["response_url"].startswith("https://")


def test_block_action_select_and_response_url() -> None:
    body = signing.block_action(
        action_id="pick",
        action_type="static_select",
        selected_option_value="monthly",
        response_url="http://127.0.0.1:1/response/r1",
    )
    payload = bolt_request(body).body
    assert payload["actions"][0]["selected_option"]["value"] == "monthly"
    assert payload["response_url"] == "http://127.0.0.1:1/response/r1"


def test_block_action_in_view() -> None:
    view = {"id": "V9", "type": "modal", "callback_id": "wizard", "private_metadata": "m"}
    body = signing.block_action(action_id="next", view=view)
    req = bolt_request(body)
    payload = req.body
    assert payload_utils.is_action(payload)
    assert payload["container"] == {"type": "view", "view_id": "V9"}
    assert payload["view"]["callback_id"] == "wizard"
    assert payload["view"]["private_metadata"] == "m"
    assert "channel" not in payload
    assert req.context.team_id == "T0OURS"


def test_view_submission() -> None:
    values = {
        "goal": {"goal_input": signing.plain_input("Ship it")},
        "who": {"who_input": signing.multi_users(["U1", "U2"])},
        "when": {"when_input": signing.datepicker("2025-01-31")},
        "score": {"score_input": signing.radio("4")},
        "freq": {"freq_input": signing.static_select(None)},
        "at": {"at_input": signing.timepicker("09:30")},
        "dt": {"dt_input": signing.datetimepicker(1_700_000_000)},
        "opts": {"opts_input": signing.checkboxes(["a", "b"])},
    }
    body = signing.view_submission(callback_id="check", values=values, private_metadata="pm")
    req = bolt_request(body)
    payload = req.body
    assert payload_utils.is_view_submission(payload)
    assert payload_utils.to_view(payload) == payload["view"]
    view = payload["view"]
    assert view["callback_id"] == "check"
    assert view["private_metadata"] == "pm"
    assert view["id"] == "V0001"
    assert view["hash"] == "h1"
    state = view["state"]["values"]
    assert state["goal"]["goal_input"] == {"type": "plain_text_input", "value": "Ship it"}
    assert state["who"]["who_input"]["selected_users"] == ["U1", "U2"]
    assert state["when"]["when_input"]["selected_date"] == "2025-01-31"
    assert state["score"]["score_input"]["selected_option"]["value"] == "4"
    assert state["freq"]["freq_input"]["selected_option"] is None
    assert state["at"]["at_input"]["selected_time"] == "09:30"
    assert state["dt"]["dt_input"]["selected_date_time"] == 1_700_000_000
    assert [o["value"] for o in state["opts"]["opts_input"]["selected_options"]] == ["a", "b"]
    assert req.context.user_id == "U0LEAD"
    assert req.context.team_id == "T0OURS"


def test_view_closed() -> None:
    payload = bolt_request(signing.view_closed(callback_id="check")).body
    assert payload_utils.is_view_closed(payload)
    assert payload["view"]["callback_id"] == "check"
    assert payload["is_cleared"] is False


def test_event_callback() -> None:
    event = {"type": "app_home_opened", "user": "U0LEAD", "tab": "home", "channel": "D1"}
    body = signing.event_callback(event, event_id="Ev9")
    req = bolt_request(body)
    assert payload_utils.is_event(req.body)
    assert payload_utils.is_app_home_opened_event(req.body, tab="home")
    assert req.body["event_id"] == "Ev9"
    assert req.context.team_id == "T0OURS"
    assert req.context.user_id == "U0LEAD"


def test_url_verification() -> None:
    body = signing.url_verification("chal")
    payload = bolt_request(body).body
    assert payload == {"token": payload["token"], "challenge": "chal", "type": "url_verification"}


@pytest.mark.parametrize(
    ("helper", "arg", "key"),
    [
        (signing.plain_input, None, "value"),
        (signing.radio, None, "selected_option"),
        (signing.datepicker, None, "selected_date"),
        (signing.timepicker, None, "selected_time"),
        (signing.datetimepicker, None, "selected_date_time"),
    ],
)
def test_empty_state_values(helper: Any, arg: Any, key: str) -> None:
    assert helper(arg)[key] is None
