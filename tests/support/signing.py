"""Build really signed Slack requests (slash commands, interactivity payloads, events).

Bodies are returned as the exact strings Slack would POST; `sign(body)` gives the headers.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
API_APP_ID = "A0APP"
VERIFICATION_TOKEN = "legacy-verification-token"
BOT_USER_ID = "U0BOT"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

_counter = itertools.count(1)


def _unique() -> int:
    return next(_counter)


def _trigger_id() -> str:
    n = _unique()
    return f"{1_000_000_000 + n}.{2_000_000 + n}.{n:032x}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature headers for `body`."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """`sign()` plus the Content-Type Slack uses for this kind of body."""
    content_type = JSON_CONTENT_TYPE if body.lstrip().startswith("{") else FORM_CONTENT_TYPE
    return {"Content-Type": content_type, **sign(body, secret=secret, timestamp=timestamp)}


def _form_payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def _team(team_id: str, enterprise_id: str | None = None) -> dict[str, Any]:
    team: dict[str, Any] = {"id": team_id, "domain": team_id.lower()}
    if enterprise_id is not None:
        team["enterprise_id"] = enterprise_id
    return team


def _enterprise(enterprise_id: str | None) -> dict[str, Any]:
    """The fields an interaction carries about an Enterprise Grid org-wide install."""
    if enterprise_id is None:
        return {"enterprise": None, "is_enterprise_install": False}
    return {
        "enterprise": {"id": enterprise_id, "name": f"Org {enterprise_id}"},
        "is_enterprise_install": True,
    }


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def slash_command(
    text: str = "",
    *,
    command: str = "/partnership",
    user_id: str = "U0LEAD",
    channel_id: str = "C0SHARED",
    team_id: str = "T0OURS",
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.invalid/commands/1",
    channel_name: str | None = None,
    user_name: str | None = None,
    enterprise_id: str | None = None,
) -> str:
    """Form-encoded body of a slash command invocation (`enterprise_id`: from a workspace of
    that Enterprise Grid organisation, installed org-wide)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_id.lower(),
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id.lower(),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or _trigger_id(),
    }
    if enterprise_id is not None:
        fields |= {
            "enterprise_id": enterprise_id,
            "enterprise_name": f"Org {enterprise_id}",
            "is_enterprise_install": "true",
        }
    return urlencode(fields)


def _action(
    *,
    action_type: str,
    action_id: str,
    block_id: str,
    value: str | None,
    selected_option_value: str | None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": _action_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    if value is not None:
        action["value"] = value
    if selected_option_value is not None:
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": selected_option_value, "emoji": True},
            "value": selected_option_value,
        }
    elif action_type in ("static_select", "radio_buttons", "overflow", "external_select"):
        action["selected_option"] = None
    return action


def _full_view(view: dict[str, Any], team_id: str) -> dict[str, Any]:
    full: dict[str, Any] = {
        "id": "V0001",
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": "h1",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view.get("id", "V0001"),
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT",
    }
    if view.get("type", "modal") == "modal":
        full["title"] = {"type": "plain_text", "text": "Partnership Check", "emoji": True}
    full.update(view)
    return full


def block_action(
    *,
    action_id: str,
    value: str | None = None,
    block_id: str = "b",
    user_id: str = "U0LEAD",
    user_team_id: str | None = None,
    channel_id: str = "C0SHARED",
    team_id: str = "T0OURS",
    message_ts: str | None = "1700000000.000100",
    selected_option_value: str | None = None,
    action_type: str = "button",
    view: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
    enterprise_id: str | None = None,
) -> str:
    """Form body (payload=<json>) of a `block_actions` interaction.

    Without `view` the action comes from a channel message (container type "message");
    with `view` it comes from that modal/home view (container type "view").
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_team_id or team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "team": _team(team_id, enterprise_id),
        **_enterprise(enterprise_id),
        "actions": [
            _action(
                action_type=action_type,
                action_id=action_id,
                block_id=block_id,
                value=value,
                selected_option_value=selected_option_value,
            )
        ],
    }
    if view is not None:
        full_view = _full_view(view, team_id)
        if state_values is not None:
            full_view["state"] = {"values": state_values}
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        payload["state"] = full_view["state"]
    else:
        ts = message_ts or "1700000000.000100"
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": message_ts is None,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        if message_ts is not None:
            payload["message"] = message or {
                "type": "message",
                "subtype": "bot_message",
                "user": BOT_USER_ID,
                "bot_id": "B0BOT",
                "app_id": API_APP_ID,
                "team": team_id,
                "ts": message_ts,
                "text": "",
                "blocks": [],
            }
        payload["state"] = {"values": state_values or {}}
        payload["response_url"] = (
            response_url or f"https://hooks.slack.invalid/actions/{team_id}/{_unique()}/x"
        )
    if view is not None and response_url is not None:
        payload["response_url"] = response_url
    return _form_payload(payload)


def _submitted_view(
    *,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str,
    team_id: str,
    view_id: str,
    view_hash: str,
    blocks: list[dict[str, Any]] | None,
    title: str,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": values},
        "hash": view_hash,
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": True,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT",
    }


def view_submission(
    *,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    user_id: str = "U0LEAD",
    team_id: str = "T0OURS",
    view_id: str = "V0001",
    view_hash: str = "h1",
    user_team_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Partnership Check",
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
) -> str:
    """Form body of a `view_submission`; `values` is state.values {block_id: {action_id: {...}}}."""
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": _team(team_id, enterprise_id),
        "user": _user(user_id, user_team_id or team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or _trigger_id(),
        "view": _submitted_view(
            callback_id=callback_id,
            values=values,
            private_metadata=private_metadata,
            team_id=team_id,
            view_id=view_id,
            view_hash=view_hash,
            blocks=blocks,
            title=title,
        ),
        "response_urls": [],
        **_enterprise(enterprise_id),
    }
    return _form_payload(payload)


def view_closed(
    *,
    callback_id: str,
    values: dict[str, Any] | None = None,
    private_metadata: str = "",
    user_id: str = "U0LEAD",
    team_id: str = "T0OURS",
    view_id: str = "V0001",
    view_hash: str = "h1",
    is_cleared: bool = False,
    user_team_id: str | None = None,
) -> str:
    """Form body of a `view_closed` (sent when the modal had notify_on_close=true)."""
    payload: dict[str, Any] = {
        "type": "view_closed",
        "team": _team(team_id),
        "user": _user(user_id, user_team_id or team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": _submitted_view(
            callback_id=callback_id,
            values=values or {},
            private_metadata=private_metadata,
            team_id=team_id,
            view_id=view_id,
            view_hash=view_hash,
            blocks=None,
            title="Partnership Check",
        ),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str = "Ev0001",
    team_id: str = "T0OURS",
    is_ext_shared_channel: bool = False,
    enterprise_id: str | None = None,
) -> str:
    """JSON body of an Events API `event_callback` wrapping `event`. With `enterprise_id`: an
    event for that Enterprise Grid organisation's org-wide install (its authorization names
    no workspace)."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": None if enterprise_id else team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": enterprise_id is not None,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": f"4-{event_id}",
    }
    return json.dumps(payload, separators=(",", ":"))


def url_verification(challenge: str) -> str:
    """JSON body of the Events API URL verification handshake."""
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    )


# ---------------------------------------------------------------------- state.values entries


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def plain_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def radio(value: str | None) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "selected_option": _option(value) if value is not None else None,
    }


def static_select(value: str | None) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": _option(value) if value is not None else None,
    }


def multi_static_select(values: list[str]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_option(v) for v in values]}


def users_select(user: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user}


def multi_users(users: list[str]) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(users)}


def datepicker(date: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": date}


def timepicker(time: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": time}


def datetimepicker(ts: int | None) -> dict[str, Any]:
    return {"type": "datetimepicker", "selected_date_time": ts}


def checkboxes(values: list[str]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_option(v) for v in values]}
