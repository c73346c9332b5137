"""Everything /slack/events checks before a request is handed on: type, size, signature, shape.

Pure with respect to the app: it reads the HTTP request and the wall clock Slack signs with,
and either returns a `Delivery` or raises `Rejected` with the status to answer. Nothing here
ever logs or echoes the body.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

MAX_BODY_BYTES = 1024 * 1024
MAX_CLOCK_SKEW_SECONDS = 5 * 60
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
INTERACTIVE_TYPES = {
    "block_actions",
    "view_submission",
    "view_closed",
    "block_suggestion",
    "shortcut",
    "message_action",
}
EVENT_TYPES = {"event_callback", "url_verification", "app_rate_limited"}
MAX_DEPTH = 32
# PostgreSQL can't store text holding NUL, and Slack never sends one: refused up front (a
# JSON string carries it as the escape \u0000, unless that backslash is itself escaped)
NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
NUL_REFUSED = "NUL character in the request"
"""Slack's deepest payloads (a view's blocks and state) stay well under this."""
TIMESTAMP = re.compile(r"[0-9]{1,12}")

MAX_ID_CHARS = 32
"""Slack's ids (users, workspaces, channels, views…) are about a dozen characters; the columns
that store them take 32. A longer one is not from Slack."""


class SlackId(str):
    """In a shape: a string of at most MAX_ID_CHARS."""


# The shapes of the fields that Bolt and our handlers read, by payload kind. A field may be
# absent or null; when present it must have this shape. A dict is an object with those keys
# (others are free), `[shape]` a list of that shape, `{ANY: shape}` an object of any keys.
ANY = "*"
Shape = type | tuple[type, ...] | dict[str, "Shape"] | list["Shape"]
ID = {"id": SlackId}
OPTION = {"value": str}
ELEMENT: Shape = {
    "type": str,
    "value": str,
    "selected_option": OPTION,
    "selected_options": [OPTION],
    "selected_user": SlackId,
    "selected_users": [SlackId],
    "selected_conversation": SlackId,
    "selected_channel": SlackId,
    "selected_date": str,
    "selected_time": str,
    "selected_date_time": int,
}
VIEW: Shape = {
    "id": SlackId,
    "team_id": SlackId,
    "app_installed_team_id": SlackId,
    "callback_id": str,
    "private_metadata": str,
    "external_id": str,
    "hash": str,
    "root_view_id": str,
    "previous_view_id": str,
    "state": {"values": {ANY: {ANY: ELEMENT}}},
}
AUTHORIZATIONS: Shape = [
    {
        "enterprise_id": SlackId,
        "team_id": SlackId,
        "user_id": SlackId,
        "is_enterprise_install": bool,
    }
]
EVENT: Shape = {
    "type": str,
    "subtype": str,
    "user": (str, dict),
    "user_team": SlackId,
    "team": SlackId,
    "channel": (str, dict),
    "tab": str,
    "ts": str,
    "thread_ts": str,
    "event_ts": str,
    "bot_id": str,
    "function_execution_id": str,
    "bot_access_token": str,
    "message": {"user": str, "thread_ts": str},
    "previous_message": {"user": str, "thread_ts": str},
    "item": {"channel": str},
    "assistant_thread": {"channel_id": str, "thread_ts": str},
    "tokens": {"oauth": [str], "bot": [str]},  # tokens_revoked
}
RESPONSE_URLS: Shape = [{"response_url": str, "channel_id": SlackId, "block_id": str}]
FORM_OBJECT_FIELDS = (
    "event",
    "authorizations",
    "response_urls",
    "view",
    "actions",
    "container",
    "message",
    "previous_message",
    "function_data",
    "assistant_thread",
    "item",
    "state",
)
"""Fields Bolt reads as objects or lists: in a form body (a slash command) they can only be
strings, so a form carrying one is refused."""
FORM_IDS = ("user_id", "channel_id", "team_id", "enterprise_id", "user_team_id")
"""A slash command's fields holding Slack ids."""
NEVER_NULL = ("event", "view")
"""Fields Bolt reads as `body.get(field, {}).get(...)`: absent is fine, null is not."""
INTERACTIVE_SHAPE: Shape = {
    "type": str,
    "user": {"id": SlackId, "team_id": SlackId, "name": str, "username": str},
    "team": {"id": SlackId, "domain": str, "enterprise_id": SlackId},
    "enterprise": ID,
    "channel": ID,
    "container": {"type": str, "channel_id": SlackId, "message_ts": str, "view_id": SlackId},
    "actions": [
        {
            "type": str,
            "action_id": str,
            "block_id": str,
            "value": str,
            "selected_option": OPTION,
            "action_ts": str,
        }
    ],
    "view": VIEW,
    "state": {"values": {ANY: {ANY: ELEMENT}}},
    "message": {"ts": str, "thread_ts": str, "user": str, "text": str},
    "trigger_id": str,
    "response_url": str,
    "response_urls": RESPONSE_URLS,
    "callback_id": str,
    "api_app_id": str,
    "token": str,
    "is_enterprise_install": bool,
    "authorizations": AUTHORIZATIONS,
    "function_data": {"execution_id": str},
    "event": EVENT,
    "previous_message": {"user": str, "thread_ts": str},
    "item": {"channel": str},
    "assistant_thread": {"channel_id": str, "thread_ts": str},
}
EVENT_SHAPE: Shape = {
    "type": str,
    "token": str,
    "challenge": str,
    "team_id": SlackId,
    "api_app_id": str,
    "enterprise_id": SlackId,
    "context_team_id": SlackId,
    "context_enterprise_id": SlackId,
    "event_id": str,
    "event_time": int,
    "is_ext_shared_channel": bool,
    "authorizations": AUTHORIZATIONS,
    "event": EVENT,
    "user": (str, dict),
    "team": (str, dict),
    "channel": (str, dict),
    "enterprise": (str, dict),
    "view": VIEW,
    "response_urls": RESPONSE_URLS,
    "message": {"user": str, "thread_ts": str},
    "previous_message": {"user": str, "thread_ts": str},
    "item": {"channel": str},
    "assistant_thread": {"channel_id": str, "thread_ts": str},
    "function_data": {"execution_id": str},
}


class Rejected(Exception):
    """The request is refused with `status`; `reason` is a short phrase, safe to log and send."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    body: str
    headers: Mapping[str, str]
    payload: dict[str, Any]
    kind: str
    key: str | None
    """Same key ⇔ same delivery: the event id for events, the signature for everything else."""


async def read_delivery(
    request: web.Request,
    *,
    signing_secret: str,
    max_bytes: int = MAX_BODY_BYTES,
    wall_clock: Callable[[], float] = time.time,
) -> Delivery:
    content_type = request.content_type
    if content_type not in (FORM, JSON):
        raise Rejected(415, "unsupported content type")
    if request.content_length is not None and request.content_length > max_bytes:
        raise Rejected(413, "body too large")
    raw = await _read_at_most(request, max_bytes)
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        raise Rejected(401, "missing signature")
    if not TIMESTAMP.fullmatch(timestamp):  # ASCII digits only: "²".isdigit() is True
        raise Rejected(400, "malformed timestamp")
    if abs(wall_clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise Rejected(401, "stale timestamp")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    verifier = SignatureVerifier(signing_secret)
    if not verifier.is_valid(body, timestamp, signature):  # hmac.compare_digest inside
        raise Rejected(401, "bad signature")
    payload, kind = _parse(body, content_type)
    return Delivery(
        body=body,
        headers=request.headers,
        payload=payload,
        kind=kind,
        key=_key(payload, kind, signature),
    )


async def _read_at_most(request: web.Request, max_bytes: int) -> bytes:
    chunks = bytearray()
    while len(chunks) <= max_bytes:
        chunk = await request.content.read(max_bytes + 1 - len(chunks))
        if not chunk:
            return bytes(chunks)
        chunks += chunk
    raise Rejected(413, "body too large")


def _parse(body: str, content_type: str) -> tuple[dict[str, Any], str]:
    if content_type == JSON:
        return _event(_json_object(body))
    try:
        form = _form_fields(body)
    except ValueError:
        raise Rejected(400, "malformed form body") from None
    if "payload" in form:
        return _interactive(_json_object(form["payload"]))
    return _form(form)


def check_socket_payload(envelope_type: str, payload: Any) -> str:
    """The kind of a Socket Mode envelope's payload (as `Delivery.kind`), after the checks an
    HTTP body of the same kind meets; raises Rejected. The payload arrives already parsed (a
    JSON object), so its NUL characters and depth are looked for in the object itself."""
    if not isinstance(payload, dict):
        raise Rejected(400, "malformed payload")
    if _depth(payload) > MAX_DEPTH:
        raise Rejected(400, "nested too deeply")
    if NUL_ESCAPE.search(json.dumps(payload)):  # json.dumps writes NUL as \u0000
        raise Rejected(400, NUL_REFUSED)
    if envelope_type == "events_api":
        return _event(payload)[1]
    if envelope_type == "interactive":
        return _interactive(payload)[1]
    if envelope_type == "slash_commands":
        if not all(isinstance(value, str) for value in payload.values()):
            raise Rejected(400, "malformed form body")
        return _form(payload)[1]
    raise Rejected(400, "unknown envelope type")


def _event(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise Rejected(400, "unknown event type")
    if kind == "event_callback":
        _require(payload, event=dict, event_id=str, team_id=str)
    _conform(payload, EVENT_SHAPE)
    return payload, kind


def _interactive(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in INTERACTIVE_TYPES:
        raise Rejected(400, "unknown payload type")
    _conform(payload, INTERACTIVE_SHAPE)
    _require(payload, user=dict)
    _require(payload["user"], id=str)
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            raise Rejected(400, "malformed actions")
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            raise Rejected(400, "malformed actions")
    if kind in ("view_submission", "view_closed"):
        _require(payload, view=dict)
        _require(payload["view"], callback_id=str)
    return payload, kind


def _form(form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """A form body other than an interactive payload: a slash command (or Slack's ssl_check)."""
    if any(field in form for field in FORM_OBJECT_FIELDS):
        raise Rejected(400, "malformed form body")
    if any("\x00" in value for value in form.values()):
        raise Rejected(400, NUL_REFUSED)
    if "command" in form:
        _require(form, command=str, user_id=str, channel_id=str, team_id=str)
        for name in FORM_IDS:
            if len(form.get(name, "")) > MAX_ID_CHARS:
                raise Rejected(400, f"malformed field {name}")
        return dict(form), "command"
    if form.get("ssl_check") == "1":
        return dict(form), "ssl_check"
    raise Rejected(400, "unknown request")


def _form_fields(body: str) -> dict[str, str]:
    """The form's fields (the last value of each). An interactive request is one `payload`
    field, so just that is decoded, without parse_qs's splitting and per-field work."""
    name, _, value = body.partition("=")
    if name == "payload" and "&" not in value:
        return {"payload": _unquote_plus(value)}
    return {k: v[-1] for k, v in parse_qs(body, strict_parsing=bool(body)).items()}


def _unquote_plus(value: str) -> str:
    """urllib's unquote_plus, by C codecs rather than its Python loop over every %XX (a
    click's JSON has hundreds): %XX becomes the escape \\xXX, which the unicode_escape codec
    turns into that byte. Anything that would make the two differ (a backslash, non-ASCII, a
    % without two hex digits, bytes that are not UTF-8) takes urllib's way."""
    if value.isascii() and "\\" not in value:
        escaped = value.replace("+", " ").replace("%", "\\x").encode("ascii")
        try:
            return escaped.decode("unicode_escape").encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            pass
    return unquote_plus(value)


def _json_object(text: str) -> dict[str, Any]:
    if "\\u0000" in text and NUL_ESCAPE.search(text):
        raise Rejected(400, NUL_REFUSED)
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        raise Rejected(400, "malformed JSON") from None
    if not isinstance(value, dict):
        raise Rejected(400, "malformed JSON")
    if _depth(value) > MAX_DEPTH:
        raise Rejected(400, "nested too deeply")
    return value


def _depth(value: Any) -> int:
    """How deeply `value` nests, counted without recursion (it may be thousands deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in children)
    return deepest


def _conform(payload: dict[str, Any], shape: Shape) -> None:
    for field in NEVER_NULL:
        if field in payload and payload[field] is None:
            raise Rejected(400, f"malformed field .{field}")
    problem = _misfit(payload, shape, "")
    if problem is not None:
        raise Rejected(400, f"malformed field {problem[:80]}")


def _misfit(value: Any, shape: Shape, path: str) -> str | None:
    """The path of the first part of `value` not of `shape` (None where it fits); `value` is
    already known to be at most MAX_DEPTH deep."""
    if value is None:
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return path or "."
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            if item is None:
                return where
            if problem := _misfit(item, shape[0], where):
                return problem
        return None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return path or "."
        if ANY in shape:
            fields = [(key, shape[ANY]) for key in value]
        else:
            fields = [(key, inner) for key, inner in shape.items() if key in value]
        for key, inner in fields:
            name = "*" if ANY in shape else key
            if ANY in shape and value[key] is None:  # a block or input that is null
                return f"{path}.{name}"
            if problem := _misfit(value[key], inner, f"{path}.{name}"):
                return problem
        return None
    if shape is SlackId:
        return None if isinstance(value, str) and len(value) <= MAX_ID_CHARS else path
    if (
        isinstance(value, bool)
        and shape is not bool
        and not (isinstance(shape, tuple) and bool in shape)
    ):
        return path  # JSON true is not a number
    return None if isinstance(value, shape) else path


def _require(data: Mapping[str, Any], **fields: type) -> None:
    for name, kind in fields.items():
        if not isinstance(data.get(name), kind) or (kind is str and not data[name]):
            raise Rejected(400, f"missing field {name}")


def _key(payload: dict[str, Any], kind: str, signature: str) -> str | None:
    if kind == "event_callback":
        return f"event:{str(payload['event_id'])[:100]}"
    if kind in ("url_verification", "ssl_check"):
        return None
    return f"sig:{signature[:150]}"
