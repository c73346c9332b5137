"""A fake Slack Web API server for tests.

`FakeSlack` is a real aiohttp server on 127.0.0.1 that answers like https://slack.com/api/,
records every call it receives and supports fault injection and Slack-like rate limiting.
Point a real `AsyncWebClient(base_url=fake.base_url)` at it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

# Fields that the SDK sends as JSON strings inside form bodies; decoded when recording.
JSON_STRING_FIELDS = frozenset({"blocks", "view", "attachments", "files", "metadata"})

RATE_LIMITED_CHANNEL_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})


@dataclass
class Call:
    """One Web API call received by the fake."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int
    # What the fake answered (JSON body); None for non-JSON answers.
    response: dict[str, Any] | None = None
    # The workspace whose bot token the call carried (tokens given out by oauth.v2.access)
    team_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the call was answered with HTTP 200 and ok=true."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))


@dataclass
class _User:
    id: str
    name: str
    tz: str
    team_id: str
    is_admin: bool = False
    is_owner: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_bot: bool = False
    email: str | None = None


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool = False
    is_ext_shared: bool = False
    members: list[str] = field(default_factory=list)


@dataclass
class _Fault:
    status: int
    retry_after: int


def _tz_offset(tz: str) -> tuple[int, str]:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    now = datetime.now(zone)
    offset = now.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), (now.tzname() or tz)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class FakeSlack:
    """aiohttp server on 127.0.0.1 (random free port) pretending to be https://slack.com/api/."""

    def __init__(
        self,
        *,
        team_id: str = "T0OURS",
        bot_user_id: str = "U0BOT",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B0BOT"
        self.app_id = "A0APP"
        # Used for Call.at and the rate limiter; tests may replace it with a fake clock.
        self.clock: Callable[[], float] = clock
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}
        self.responses: list[dict[str, Any]] = []
        self.responses_by_key: dict[str, list[dict[str, Any]]] = {}
        # Answers wait this long; the call's work (e.g. a posted message) is done first, so
        # a client that times out may still have "delivered".
        self.delay_seconds: float = 0.0
        # Posted messages by channel (a person's id is filed under their DM, "D" + id),
        # oldest first, as conversations.history answers them.
        self.messages: dict[str, list[dict[str, Any]]] = {}
        # Stamps message ts (Unix seconds) when set, e.g. with the test's manual clock;
        # otherwise ts count up from 1700000000.
        self.message_clock: Callable[[], float] | None = None
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._errors: dict[str, deque[str]] = {}
        self._per_channel_per_second: float | None = None
        self._workspace_per_minute: int | None = None
        self._channel_hits: dict[str, deque[float]] = {}
        self._workspace_hits: deque[float] = deque()
        self._ts_counter = 0
        self._view_counter = 0
        self._file_counter = 0
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._root: str | None = None
        # OAuth: codes waiting for oauth.v2.access, and the bot tokens it gave out (by token:
        # the team). Once any token was given out, every call must carry a live one.
        self._codes: dict[str, tuple[str, str]] = {}
        self._tokens: dict[str, str] = {}
        self.add_user(bot_user_id, name="partnercheck", tz="UTC", is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._root = f"http://{host}:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            self._stopping.set()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        if self._root is None:
            raise RuntimeError("FakeSlack is not started; call `await fake.start()` first")
        return self._root

    @property
    def base_url(self) -> str:
        """e.g. "http://127.0.0.1:54321/api/" (with trailing slash)."""
        return f"{self.root_url}api/"

    def response_url(self, key: str = "r1") -> str:
        """A response_url on the fake that records POSTed JSON into `responses`."""
        return f"{self.root_url}response/{key}"

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        """All calls to `method`, including ones answered with an error or 429."""
        return [c for c in self.calls if c.method == method]

    def delivered(self, method: str | None = None) -> list[Call]:
        """Calls (optionally to `method`) that were answered HTTP 200 with ok=true."""
        return [c for c in self.calls if c.ok and (method is None or c.method == method)]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            seen = sorted({c.method for c in self.calls})
            raise AssertionError(
                f"no call to {method!r} was recorded; methods called: {seen or 'none'}"
            )
        return calls[-1]

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 10.0) -> Call:
        """Wait (event-driven, bounded) until `count` calls to `method` have arrived."""

        async def arrived() -> Call:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.calls_to(method)) >= count)
            return self.calls_to(method)[count - 1]

        return await asyncio.wait_for(arrived(), timeout)

    def clear(self) -> None:
        """Forget recorded calls, uploads and responses (configuration is kept)."""
        self.calls.clear()
        self.messages.clear()
        self.uploads.clear()
        self.responses.clear()
        self.responses_by_key.clear()

    # ------------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        tz: str = "Europe/London",
        team_id: str | None = None,
        is_admin: bool = False,
        is_restricted: bool = False,
        is_bot: bool = False,
        is_owner: bool = False,
        is_ultra_restricted: bool = False,
        email: str | None = None,
    ) -> None:
        """`email` makes the person findable with users.lookupByEmail."""
        self._users[user_id] = _User(
            id=user_id,
            name=name or user_id.lower(),
            tz=tz,
            team_id=team_id or self.team_id,
            is_admin=is_admin,
            is_owner=is_owner,
            is_restricted=is_restricted,
            is_ultra_restricted=is_ultra_restricted,
            is_bot=is_bot,
            email=email,
        )

    def authorize_install(self, team_id: str, *, installer: str, code: str) -> None:
        """A person of `team_id` approved the install in Slack: oauth.v2.access will take
        `code` (once) for a bot token of that workspace."""
        self._codes[code] = (team_id, installer)

    def token_of(self, team_id: str) -> str | None:
        return next((t for t, team in self._tokens.items() if team == team_id), None)

    def revoke(self, team_id: str) -> None:
        """The workspace uninstalled the app: its bot token stops working."""
        self._tokens = {t: team for t, team in self._tokens.items() if team != team_id}

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_ext_shared: bool = False,
    ) -> None:
        """Describe a channel for conversations.info (unknown channels get defaults)."""
        channel = self._channel(channel_id)
        channel.name = name or channel.name
        channel.is_private = is_private
        channel.is_ext_shared = is_ext_shared

    def set_channel_members(self, channel_id: str, user_ids: list[str]) -> None:
        self._channel(channel_id).members = list(user_ids)

    def fail_next(self, method: str, *, status: int, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls to `method` answer HTTP `status` (429 adds Retry-After)."""
        queue = self._faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(_Fault(status=status, retry_after=retry_after))

    def error_next(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls to `method` answer HTTP 200 {"ok": false, "error": error}."""
        queue = self._errors.setdefault(method, deque())
        queue.extend([error] * times)

    def enforce_rate_limits(
        self, *, per_channel_per_second: float = 1.0, workspace_per_minute: int | None = None
    ) -> None:
        if per_channel_per_second <= 0:
            raise ValueError("per_channel_per_second must be positive")
        self._per_channel_per_second = per_channel_per_second
        self._workspace_per_minute = workspace_per_minute
        self._channel_hits.clear()
        self._workspace_hits.clear()

    def disable_rate_limits(self) -> None:
        self._per_channel_per_second = None
        self._workspace_per_minute = None

    # ------------------------------------------------------------------ helpers

    def _channel(self, channel_id: str) -> _Channel:
        if channel_id not in self._channels:
            self._channels[channel_id] = _Channel(id=channel_id, name=channel_id.lower())
        return self._channels[channel_id]

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = 100 * self._ts_counter
        if self.message_clock is not None:
            micros += int(self.message_clock() * 1_000_000)
        else:
            micros += 1_700_000_000_000_000
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def _dm_key(channel: str) -> str:
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _user_json(self, user_id: str) -> dict[str, Any]:
        user = self._users.get(user_id) or _User(
            id=user_id, name=user_id.lower(), tz="UTC", team_id=self.team_id
        )
        offset, label = _tz_offset(user.tz)
        real_name = user.name.replace(".", " ").title()
        return {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": False,
            "real_name": real_name,
            "tz": user.tz,
            "tz_label": label,
            "tz_offset": offset,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_primary_owner": False,
            "is_restricted": user.is_restricted,
            "is_ultra_restricted": user.is_ultra_restricted,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "profile": {
                "display_name": user.name,
                "real_name": real_name,
                "display_name_normalized": user.name,
                "real_name_normalized": real_name,
                "team": user.team_id,
                **({"email": user.email} if user.email else {}),
            },
        }

    def _rate_limit(self, method: str, args: dict[str, Any]) -> int | None:
        """Return Retry-After seconds when the call is over a limit, else record the hit."""
        if self._per_channel_per_second is None:
            return None
        now = self.clock()
        waits: list[float] = []
        channel_hits: deque[float] | None = None
        if method in RATE_LIMITED_CHANNEL_METHODS and args.get("channel"):
            rate = self._per_channel_per_second
            allowed = max(1, int(rate))
            window = allowed / rate
            channel_hits = self._channel_hits.setdefault(str(args["channel"]), deque())
            while channel_hits and channel_hits[0] <= now - window:
                channel_hits.popleft()
            if len(channel_hits) >= allowed:
                waits.append(channel_hits[len(channel_hits) - allowed] + window - now)
        if self._workspace_per_minute is not None:
            while self._workspace_hits and self._workspace_hits[0] <= now - 60.0:
                self._workspace_hits.popleft()
            if len(self._workspace_hits) >= self._workspace_per_minute:
                index = len(self._workspace_hits) - self._workspace_per_minute
                waits.append(self._workspace_hits[index] + 60.0 - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        if channel_hits is not None:
            channel_hits.append(now)
        self._workspace_hits.append(now)
        return None

    @staticmethod
    async def _read_args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        content_type = request.content_type
        if request.method != "POST" or not request.can_read_body:
            pass
        elif content_type == "application/json":
            raw = await request.text()
            if raw.strip():
                body = json.loads(raw)
                if isinstance(body, dict):
                    args.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key in form:
                values = form.getall(key)
                decoded = [v if isinstance(v, str) else getattr(v, "filename", "") for v in values]
                args[key] = decoded[0] if len(decoded) == 1 else decoded
        for key in JSON_STRING_FIELDS:
            if key in args:
                args[key] = _maybe_json(args[key])
        return args

    @staticmethod
    def _token(request: web.Request, args: dict[str, Any]) -> str:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip()
        return str(args.get("token") or "")

    @classmethod
    def _has_token(cls, request: web.Request, args: dict[str, Any]) -> bool:
        return bool(cls._token(request, args))

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        call = Call(
            method=method,
            args=args,
            headers=dict(request.headers),
            at=self.clock(),
            status=200,
        )
        call.team_id = self._tokens.get(self._token(request, args))
        self.calls.append(call)
        async with self._arrived:
            self._arrived.notify_all()
        headers: dict[str, str] = {}
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
            call.status = fault.status
            if fault.status == 429:
                headers["Retry-After"] = str(fault.retry_after)
                body: dict[str, Any] = {"ok": False, "error": "ratelimited"}
            elif fault.status >= 500:
                body = {"ok": False, "error": "fatal_error"}
            else:
                body = {"ok": False, "error": "request_failed"}
        elif method == "oauth.v2.access":
            body = self._oauth_v2_access(request, args)
        elif not self._has_token(request, args):
            body = {"ok": False, "error": "not_authed"}
        elif self._codes_used and self._token(request, args) not in self._tokens:
            body = {"ok": False, "error": "invalid_auth"}
        elif (retry_after := self._rate_limit(method, args)) is not None:
            call.status = 429
            headers["Retry-After"] = str(retry_after)
            body = {"ok": False, "error": "ratelimited"}
        elif self._errors.get(method):
            body = {"ok": False, "error": self._errors[method].popleft()}
        elif method == "auth.test":
            body = self._auth_test(method, args, team_id=call.team_id)
        else:
            body = self._answer(method, args)
        call.response = body
        if self.delay_seconds > 0:
            # Ends early when the fake stops, so a slow call never delays teardown.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay_seconds)
        return web.json_response(body, status=call.status, headers=headers)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._pending_files:
            return web.Response(status=404, text="unknown upload url", content_type="text/plain")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            data = b""
            for value in form.values():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    break
                data = value.encode() if isinstance(value, str) else bytes(value)
        else:
            data = await request.read()
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        raw = await request.text()
        try:
            payload = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            payload = {"_raw": raw}
        if not isinstance(payload, dict):
            payload = {"_raw": payload}
        self.responses.append(payload)
        self.responses_by_key.setdefault(request.match_info["key"], []).append(payload)
        return web.Response(text="ok", content_type="text/plain")

    # ------------------------------------------------------------------ method logic

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "views.open": self._views,
            "views.update": self._views,
            "views.push": self._views,
            "views.publish": self._views,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }.get(method)
        if handler is None:
            return {"ok": True}
        return handler(method, args)

    @property
    def _codes_used(self) -> bool:
        return bool(self._tokens) or any(c.method == "oauth.v2.access" for c in self.calls)

    def _oauth_v2_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange an install's code for the workspace's bot token (client id and secret
        arrive as HTTP basic auth, as slack_sdk sends them)."""
        basic = request.headers.get("Authorization", "").startswith("Basic ")
        if not basic and not (args.get("client_id") and args.get("client_secret")):
            return {"ok": False, "error": "invalid_client_id"}
        found = self._codes.pop(str(args.get("code") or ""), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, installer = found
        token = f"xoxb-{team_id.lower()}-{len(self._tokens) + 1}"
        self._tokens[token] = team_id
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _auth_test(
        self, method: str, args: dict[str, Any], *, team_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://ours.slack.com/",
            "team": "Our Team",
            "user": "partnercheck",
            "team_id": team_id or self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
            "text": args.get("text") or "",
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

    @staticmethod
    def _missing_content(args: dict[str, Any]) -> bool:
        return not (args.get("text") or args.get("blocks") or args.get("attachments"))

    def _chat_post_message(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._message(args, ts)
        self.messages.setdefault(self._dm_key(str(args["channel"])), []).append(message)
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": ts,
            "message": message,
        }

    def _chat_update(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        ts = str(args["ts"])
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": ts,
            "text": args.get("text") or "",
            "message": self._message(args, ts),
        }

    def _chat_post_ephemeral(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_delete(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _views(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if method in ("views.open", "views.push") and not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if method == "views.publish" and not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if method == "views.update" and not (args.get("view_id") or args.get("external_id")):
            return {"ok": False, "error": "invalid_arguments"}
        self._view_counter += 1
        view_id = args.get("view_id") or f"V{self._view_counter:08d}"
        answered = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "app_installed_team_id": self.team_id,
            "hash": f"{self._view_counter}.hash{self._view_counter:04d}",
        }
        return {"ok": True, "view": answered}

    def _users_info(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user_json(str(user_id))}

    def _users_lookup_by_email(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").strip().lower()
        for user in self._users.values():
            if email and user.email and user.email.lower() == email:
                return {"ok": True, "user": self._user_json(user.id)}
        return {"ok": False, "error": "users_not_found"}

    def _conversations_info(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        channel_id = str(channel_id)
        is_im = channel_id.startswith("D")
        channel = self._channels.get(channel_id) or _Channel(id=channel_id, name=channel_id.lower())
        info: dict[str, Any] = {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not is_im and not channel.is_private,
            "is_group": channel.is_private,
            "is_im": is_im,
            "is_private": channel.is_private or is_im,
            "is_archived": False,
            "is_member": True,
            "is_shared": channel.is_ext_shared,
            "is_ext_shared": channel.is_ext_shared,
            "is_org_shared": False,
            "context_team_id": self.team_id,
            "num_members": len(channel.members),
        }
        if is_im:
            info["user"] = channel_id[1:]
        return {"ok": True, "channel": info}

    def _conversations_members(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = args.get("channel")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        channel = self._channels.get(str(channel_id))
        members = channel.members if channel else []
        try:
            limit = int(args.get("limit") or 100)
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_limit"}
        limit = max(1, min(limit, 1000))
        start = 0
        cursor = args.get("cursor")
        if cursor:
            try:
                start = int(base64.b64decode(str(cursor)).decode().split(":", 1)[1])
            except (ValueError, IndexError):
                return {"ok": False, "error": "invalid_cursor"}
        page = members[start : start + limit]
        end = start + len(page)
        next_cursor = (
            base64.b64encode(f"offset:{end}".encode()).decode() if end < len(members) else ""
        )
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        users = args.get("users")
        if isinstance(users, list):
            user_ids = [str(u) for u in users]
        elif users:
            user_ids = [u.strip() for u in str(users).split(",") if u.strip()]
        else:
            user_ids = []
        if args.get("channel"):
            channel_id = str(args["channel"])
        elif len(user_ids) == 1:
            channel_id = "D" + user_ids[0]
        elif user_ids:
            channel_id = "G" + "".join(sorted(user_ids))
        else:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": channel_id}}

    def _conversations_history(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first; honours oldest, latest, inclusive (as "1"), limit and
        include_all_metadata (metadata is left out without it, as Slack does)."""
        channel_id = args.get("channel")
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        try:
            oldest = float(args.get("oldest") or 0)
            latest = float(args["latest"]) if args.get("latest") else math.inf
            limit = max(1, min(int(args.get("limit") or 100), 999))
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        inclusive = str(args.get("inclusive") or "") in ("1", "true")
        with_metadata = str(args.get("include_all_metadata") or "") in ("1", "true")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [m for m in self.messages.get(str(channel_id), []) if within(float(m["ts"]))][::-1]
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in found[:limit]
        ]
        return {"ok": True, "messages": page, "has_more": len(found) > limit}

    def _get_upload_url(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or args.get("length") in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        self._file_counter += 1
        file_id = f"F{122 + self._file_counter}"  # F123, F124, ...
        self._pending_files[file_id] = {
            "filename": args["filename"],
            "length": int(args["length"]),
            "alt_txt": args.get("alt_txt"),
        }
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        answered: list[dict[str, Any]] = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            if file_id not in self._pending_files or file_id not in self.uploads:
                return {"ok": False, "error": "file_not_found"}
            pending = self._pending_files[file_id]
            answered.append(
                {
                    "id": file_id,
                    "name": pending["filename"],
                    "title": item.get("title") or pending["filename"],
                    "size": len(self.uploads[file_id]),
                    "alt_txt": pending.get("alt_txt"),
                    "user": self.bot_user_id,
                }
            )
        return {"ok": True, "files": answered}
