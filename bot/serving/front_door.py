"""Everything /slack/events checks before a request is handed on: type, size, signature, shape.

Pure with respect to the app: it reads the HTTP request and the wall clock Slack signs with,
and either returns a `Delivery` or raises `Rejected` with the status to answer. Nothing here
ever logs or echoes the body.
"""

from __future__ import annotations

import json
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
    if not timestamp.isdigit() or len(timestamp) > 12:
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
        payload = _json_object(body)
        kind = payload.get("type")
        if kind not in EVENT_TYPES:
            raise Rejected(400, "unknown event type")
        if kind == "event_callback":
            _require(payload, event=dict, event_id=str, team_id=str)
        return payload, str(kind)
    try:
        form = _form_fields(body)
    except ValueError:
        raise Rejected(400, "malformed form body") from None
    if "payload" in form:
        payload = _json_object(form["payload"])
        kind = payload.get("type")
        if kind not in INTERACTIVE_TYPES:
            raise Rejected(400, "unknown payload type")
        _require(payload, user=dict)
        _require(payload["user"], id=str)
        if kind == "block_actions":
            _require(payload, actions=list)
            if not payload["actions"] or not all(isinstance(a, dict) for a in payload["actions"]):
                raise Rejected(400, "malformed actions")
        if kind in ("view_submission", "view_closed"):
            _require(payload, view=dict)
        return payload, str(kind)
    if "command" in form:
        _require(form, command=str, user_id=str, channel_id=str, team_id=str)
        return dict(form), "command"
    if form.get("ssl_check") == "1":
        return dict(form), "ssl_check"
    raise Rejected(400, "unknown request")


def _form_fields(body: str) -> dict[str, str]:
    """The form's fields (the last value of each). An interactive request is one `payload`
    field, so just that is decoded, without parse_qs's splitting and per-field work."""
    name, _, value = body.partition("=")
    if name == "payload" and "&" not in value:
        return {"payload": unquote_plus(value)}
    return {k: v[-1] for k, v in parse_qs(body, strict_parsing=bool(body)).items()}


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Rejected(400, "malformed JSON") from None
    if not isinstance(value, dict):
        raise Rejected(400, "malformed JSON")
    return value


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
