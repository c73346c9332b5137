"""The app's link to Slack while serving: the credentials checked at start-up, the Socket Mode
connection kept (and stopped on request), and the state /healthz reports beside the database.

Slack being unreachable is a state, not a reason to stop: the app keeps serving what it can and
says so. Slack refusing a token is a configuration error: start-up stops with one sentence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.plumbing.config import ConfigError, Settings
from bot.services import Services
from bot.serving.front_door import Rejected, check_socket_payload
from bot.serving.in_time import TOO_SLOW_COMMAND_ANSWER, within_budget
from bot.serving.metrics import count_request
from bot.slack.state import SlackState

log = logging.getLogger(__name__)
# slack_sdk's Socket Mode client logs a traceback per failed try; our loop logs one line instead
SDK_LOG = logging.getLogger("partnercheck.socket_mode_client")
SDK_LOG.setLevel(logging.CRITICAL)

T = TypeVar("T")

CHECK_TIMEOUT_SECONDS = 5
CONNECT_TIMEOUT_SECONDS = 10
CLOSE_TIMEOUT_SECONDS = 3
LIVENESS_SECONDS = 1.0  # how often a connected socket is looked at
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
# auth.test / apps.connections.open errors that mean the token itself is refused
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "ekm_access_denied",
    }
)


def is_placeholder(token: str) -> bool:
    return "..." in token or token.rstrip("-") in ("xoxb", "xapp") or "<" in token


async def check_bot_token(settings: Settings, state: SlackState) -> None:
    """auth.test with SLACK_BOT_TOKEN. Raises ConfigError if Slack refuses it (or it is the
    placeholder); if Slack cannot be reached, records that and returns."""
    token = settings.slack_bot_token or ""
    if is_placeholder(token):
        raise ConfigError(
            "SLACK_BOT_TOKEN is still the placeholder from deploy/.env.example: paste the Bot "
            "User OAuth Token from your Slack app's OAuth & Permissions page."
        )
    client = AsyncWebClient(
        token=token,
        base_url=settings.slack_api_base_url,
        timeout=CHECK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )
    try:
        await client.auth_test()
    except SlackApiError as error:
        reason = str(error.response.get("error", "unknown_error"))
        if reason in REFUSED:
            raise ConfigError(
                f"Slack refused SLACK_BOT_TOKEN ({reason}): copy the current Bot User OAuth "
                "Token from your Slack app's OAuth & Permissions page (reinstall the app if it "
                "was revoked)."
            ) from None
        state.state = "unreachable"
        log.warning("Slack answered auth.test with %s; serving anyway", reason)
        return
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        state.state = "unreachable"
        log.warning(
            "Could not reach Slack at %s to check the token (%s); serving anyway",
            settings.slack_api_base_url,
            type(error).__name__,
        )
        return
    state.state = "ok"


async def until_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """`work`'s result, or None as soon as `stop` is set (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


class SocketModeRequests(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, answering each envelope within the same budget as the HTTP
    front door (bot/serving/in_time.py): Slack gives a Socket Mode request 3 seconds too."""

    def __init__(self, bolt: AsyncApp, services: Services) -> None:
        super().__init__(bolt, services.settings.slack_app_token, logger=SDK_LOG)
        self.services = services

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        try:  # the checks the HTTP front door makes, so the same shapes are refused
            kind = check_socket_payload(req.type, req.payload)
        except Rejected as refusal:
            # acknowledged all the same, or Slack sends the envelope again
            log.warning("Refused a malformed Socket Mode request: %s", refusal.reason)
            await send_async_response(client, req, BoltResponse(status=200, body=""), started)
            count_request("rejected", refusal.status, time.time() - started)
            return
        try:
            answered = await within_budget(
                self.services, run_async_bolt_app(self.app, req), kind=kind, payload=req.payload
            )
        except Exception as error:  # Bolt's parsing of a shape it did not foresee
            log.warning("Refused a malformed Socket Mode %s: %s", kind, type(error).__name__)
            answered = BoltResponse(status=200, body="")
        if answered is None:  # too slow: answered now, the work finishes behind
            late = json.dumps(TOO_SLOW_COMMAND_ANSWER) if kind == "command" else ""
            answered = BoltResponse(
                status=200, body=late, headers={"content-type": "application/json"}
            )
        status = answered.status
        if status != 200:
            # refused (e.g. an action no listener knows; handlers.errors logged it): still
            # acknowledged, or Slack sends the envelope again, where HTTP took the refusal
            answered = BoltResponse(status=200, body="")
        await send_async_response(client, req, answered, started)
        count_request(kind, status, time.time() - started)


class SocketModeLink:
    """Keeps one Socket Mode connection until `stop` is set: connects, notices a dropped
    connection, reconnects with backoff (one log line per try), and stops within seconds
    in every state."""

    def __init__(self, bolt: AsyncApp, services: Services) -> None:
        self.bolt = bolt
        self.services = services
        self.settings = services.settings
        self.state = services.slack
        self.opener = AsyncWebClient(
            base_url=self.settings.slack_api_base_url,
            timeout=CONNECT_TIMEOUT_SECONDS,
            retry_handlers=[],
        )
        self.handler: AsyncSocketModeHandler | None = None
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Returns once `stop` is set and the connection is closed."""
        handler = SocketModeRequests(self.bolt, self.services)
        self.handler = handler
        client = handler.client
        client.auto_reconnect_enabled = client.default_auto_reconnect_enabled = False
        tries = 0
        try:
            while not stop.is_set():
                self.state.state = "connecting" if tries == 0 else "reconnecting"
                try:
                    done = await until_stopped(self._connect_once(), stop)
                except ConfigError:
                    raise
                except Exception as error:
                    tries += 1
                    delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (tries - 1))
                    delay *= random.uniform(0.8, 1.2)
                    log.warning(
                        "Socket Mode: could not connect to Slack (%s); try %d, next in %.0f s",
                        _reason(error),
                        tries,
                        delay,
                    )
                    await until_stopped(asyncio.sleep(delay), stop)
                    continue
                if done is None:
                    break
                tries = 1
                self.state.state = "connected"
                self.connected.set()
                log.info("Connected to Slack in Socket Mode")
                while not stop.is_set() and await client.is_connected():
                    await until_stopped(asyncio.sleep(LIVENESS_SECONDS), stop)
                self.connected.clear()
                if not stop.is_set():
                    log.warning("Socket Mode: the connection to Slack dropped; reconnecting")
        finally:
            await self.close()

    async def _connect_once(self) -> bool:
        client = self.handler.client  # type: ignore[union-attr]
        try:
            opened = await self.opener.apps_connections_open(
                app_token=self.settings.slack_app_token or ""
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "unknown_error"))
            if reason in REFUSED:
                raise ConfigError(
                    f"Slack refused SLACK_APP_TOKEN ({reason}): create an app-level token "
                    "with connections:write on your Slack app's Basic Information page."
                ) from None
            raise
        client.wss_uri = opened["url"]
        # one try: the SDK's connect() retries for ever on its own, so it gets a deadline
        await asyncio.wait_for(client.connect(), CONNECT_TIMEOUT_SECONDS)
        if not await client.is_connected():
            raise ConnectionError("the socket closed as it opened")
        return True

    async def close(self) -> None:
        if self.handler is None:
            return
        try:
            await asyncio.wait_for(self.handler.client.close(), CLOSE_TIMEOUT_SECONDS)
        except (TimeoutError, aiohttp.ClientError, OSError):
            log.warning("Socket Mode: the connection did not close cleanly; leaving it")
        self.handler = None


def _reason(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown_error"))
    if isinstance(error, TimeoutError):
        return "timed out"
    text = str(error).splitlines()[0][:120] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
