"""A stand-in for Slack's Web API: the sandbox's Slack, and the tests' fake Slack.

`FakeSlack` is a real aiohttp server on 127.0.0.1 that answers like https://slack.com/api/,
records every call it receives and supports fault injection and Slack-like rate limiting.
Point a real `AsyncWebClient(base_url=fake.base_url)` at it. It also keeps what a Slack client
shows: messages with their threads and files, ephemeral messages, each person's open modals
and App Home. Socket Mode too: apps.connections.open hands out a ws:// URL on the same server,
whose websocket says hello, carries the envelopes a test sends (`socket_request`) and returns
the app's acknowledgements; `drop()` closes every socket and refuses new ones.
`partnercheck sandbox` serves it on the app's own port (`add_routes`) with Slack's stricter
answers turned on (`strict()`): `invalid_blocks`, expired or reused trigger ids.
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

from aiohttp import WSMsgType, web

from bot.sandbox.blockkit import BlockKitError, check_call

# Fields that the SDK sends as JSON strings inside form bodies; decoded when recording.
JSON_STRING_FIELDS = frozenset({"blocks", "view", "attachments", "files", "metadata"})

RATE_LIMITED_CHANNEL_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})
MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})
TRIGGER_SECONDS = 3.0  # Slack: a trigger_id works once, within 3 seconds
MAX_MODAL_STACK = 3  # Slack: views.push beyond three modals answers push_limit_reached


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
    # The workspace whose bot token the call carried (tokens given out by oauth.v2.access);
    # for an Enterprise Grid org-wide install's token, the organisation's enterprise id
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
    is_member: bool = True  # the app is in the channel
    members: list[str] = field(default_factory=list)


@dataclass
class _Trigger:
    user: str
    issued: float
    used: bool = False


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


def _mimetype(filename: str) -> str:
    lowered = filename.lower()
    if lowered.endswith(".png"):
        return "image/png"
    if lowered.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    return "application/octet-stream"


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
        # response_url key -> the ephemeral message it answers for: {"channel", "user", "ts"}
        self.response_targets: dict[str, dict[str, str]] = {}
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
        self._unknown_users: set[str] = set()
        self.team_names: dict[str, str] = {team_id: "Acme"}  # what team.info answers
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
        # What a Slack client shows, as the sandbox page draws it.
        self.ephemerals: list[dict[str, Any]] = []  # {"channel", "user", "ts", "text", "blocks"}
        self.views: dict[str, dict[str, Any]] = {}  # view id -> the view as Slack answered it
        self.modal_stacks: dict[str, list[str]] = {}  # person -> open modal view ids, root first
        self.view_errors: dict[str, dict[str, str]] = {}  # view id -> block id -> error
        self.homes: dict[str, dict[str, Any]] = {}  # person -> their published App Home
        self.files: dict[str, dict[str, Any]] = {}  # shared files by id
        # Slack's stricter answers (`strict()`): invalid_blocks / invalid_arguments for payloads
        # Block Kit refuses, and trigger ids that expire, work once and must have been issued.
        self.validate_blocks = False
        self.strict_triggers = False
        self._triggers: dict[str, _Trigger] = {}
        self._view_owner: dict[str, str] = {}
        # OAuth: codes waiting for oauth.v2.access (the team, or the enterprise of an org-wide
        # install, and who installed), and the bot tokens it gave out (by token: that team or
        # enterprise). Once any token was given out, every call must carry a live one.
        self._codes: dict[str, tuple[str, str]] = {}
        self._org_wide: set[str] = set()  # enterprise ids whose codes install org-wide
        self._enterprise_of: dict[str, str] = {}  # Grid workspaces installing for themselves
        self._tokens: dict[str, str] = {}
        # Socket Mode: the open websockets (newest last), how many were ever opened, the
        # acknowledgements received, and whether apps.connections.open refuses (`drop()`).
        self.sockets: list[web.WebSocketResponse] = []
        self.sockets_opened = 0
        self.acks: list[dict[str, Any]] = []
        self.refusing = False
        self._envelope_counter = 0
        self._waiting_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.add_user(bot_user_id, name="partnercheck", tz="UTC", is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._root = f"http://{host}:{port}/"

    def add_routes(self, app: web.Application) -> None:
        """Serve the emulation from `app` (/api/, /upload/, /response/, /files/, /socket-mode)."""
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket-mode", self._handle_socket)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/files/{file_id}", self._handle_file)

    def serve_at(self, root_url: str) -> None:
        """Say where `add_routes` put the emulation, e.g. "http://127.0.0.1:3000/"."""
        self._root = root_url if root_url.endswith("/") else root_url + "/"
        shared = [*self.files.values()]
        for messages in self.messages.values():
            shared += [file for message in messages for file in message.get("files") or []]
        for file in shared:  # restored files are served from here now
            file["url_private"] = f"{self._root}files/{file['id']}"

    def strict(self) -> None:
        """Answer as strictly as Slack: refuse invalid Block Kit, expired or unknown trigger
        ids, and more than a short burst of messages per channel (429 with Retry-After)."""
        self.validate_blocks = True
        self.strict_triggers = True
        self.enforce_rate_limits(per_channel_per_second=5)

    def issue_trigger(self, user_id: str) -> str:
        """A trigger id for something `user_id` just did (a click, a command, a submission)."""
        self._view_counter += 1
        trigger = f"{int(self.clock() * 1000)}.{self._view_counter}.sandbox"
        self._triggers[trigger] = _Trigger(user=user_id, issued=self.clock())
        return trigger

    async def stop(self) -> None:
        if self._runner is not None:
            self._stopping.set()
            for ws in list(self.sockets):
                await ws.close()
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

    def modal_of(self, user_id: str) -> dict[str, Any] | None:
        """The modal `user_id` sees on top, with its errors; None when none is open."""
        stack = self.modal_stacks.get(user_id) or []
        if not stack:
            return None
        view_id = stack[-1]
        return {**self.views[view_id], "errors": self.view_errors.get(view_id, {})}

    def close_modal(self, user_id: str, *, all_of_them: bool = False) -> None:
        stack = self.modal_stacks.get(user_id) or []
        if stack:
            del stack[0 if all_of_them else -1 :]

    def apply_response_action(self, user_id: str, view_id: str, answer: dict[str, Any]) -> None:
        """What Slack does with a view_submission's answer: close the modal, show errors, or
        update, push or clear the stack."""
        action = answer.get("response_action")
        stack = self.modal_stacks.setdefault(user_id, [])
        if action == "errors":
            self.view_errors[view_id] = dict(answer.get("errors") or {})
        elif action == "update" and isinstance(answer.get("view"), dict):
            self.view_errors.pop(view_id, None)
            self._store_view(view_id, answer["view"], user_id)
        elif action == "push" and isinstance(answer.get("view"), dict):
            self._push(user_id, answer["view"])
        elif action == "clear":
            stack.clear()
        elif view_id in stack:
            del stack[stack.index(view_id) :]

    def snapshot(self) -> dict[str, Any]:
        """What a Slack client shows, as JSON, so a restarted sandbox shows it again."""
        return {
            "messages": self.messages,
            "ephemerals": self.ephemerals,
            "views": self.views,
            "modal_stacks": self.modal_stacks,
            "view_errors": self.view_errors,
            "homes": self.homes,
            "files": self.files,
            "uploads": {k: base64.b64encode(v).decode() for k, v in self.uploads.items()},
            "counters": [self._ts_counter, self._view_counter, self._file_counter],
        }

    def restore(self, saved: dict[str, Any]) -> None:
        self.messages = saved["messages"]
        self.ephemerals = saved["ephemerals"]
        self.views = saved["views"]
        self.modal_stacks = saved["modal_stacks"]
        self.view_errors = saved["view_errors"]
        self.homes = saved["homes"]
        self.files = saved["files"]
        self.uploads = {k: base64.b64decode(v) for k, v in saved["uploads"].items()}
        self._ts_counter, self._view_counter, self._file_counter = saved["counters"]

    def clear(self) -> None:
        """Forget recorded calls, uploads and responses (configuration is kept)."""
        self.calls.clear()
        self.messages.clear()
        self.uploads.clear()
        self.responses.clear()
        self.responses_by_key.clear()
        self.response_targets.clear()
        self.ephemerals.clear()
        self.views.clear()
        self.modal_stacks.clear()
        self.view_errors.clear()
        self.homes.clear()
        self.files.clear()

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

    def unknown_user(self, user_id: str) -> None:
        """users.info answers user_not_found for this id (Slack won't describe the person)."""
        self._unknown_users.add(user_id)

    def add_team(self, team_id: str, name: str) -> None:
        """A workspace team.info describes (ours is known from the start)."""
        self.team_names[team_id] = name

    def authorize_install(
        self, team_id: str, *, installer: str, code: str, enterprise_id: str | None = None
    ) -> None:
        """A person of `team_id` approved the install in Slack: oauth.v2.access will take
        `code` (once) for a bot token of that workspace (`enterprise_id`: a workspace of an
        Enterprise Grid organisation installing the app for itself alone)."""
        self._codes[code] = (team_id, installer)
        if enterprise_id is not None:
            self._enterprise_of[team_id] = enterprise_id
        self.team_names.setdefault(team_id, f"Workspace {team_id}")  # every workspace has a name

    def authorize_org_install(self, enterprise_id: str, *, installer: str, code: str) -> None:
        """An admin of an Enterprise Grid organisation approved an org-wide install:
        oauth.v2.access will take `code` (once) for one bot token acting in every workspace
        of `enterprise_id` (`team` null, `is_enterprise_install` true, as Slack answers)."""
        self._codes[code] = (enterprise_id, installer)
        self._org_wide.add(enterprise_id)

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
        is_member: bool = True,
    ) -> None:
        """Describe a channel for conversations.info and conversations.list (unknown channels
        get defaults); `is_member=False`: the app is not in it, and cannot post there."""
        channel = self._channel(channel_id)
        channel.name = name or channel.name
        channel.is_private = is_private
        channel.is_ext_shared = is_ext_shared
        channel.is_member = is_member

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
        elif method == "apps.connections.open":
            body = self._apps_connections_open(call, self._token(request, args))
        elif self._codes_used and self._token(request, args) not in self._tokens:
            body = {"ok": False, "error": "invalid_auth"}
        elif (retry_after := self._rate_limit(method, args)) is not None:
            call.status = 429
            headers["Retry-After"] = str(retry_after)
            body = {"ok": False, "error": "ratelimited"}
        elif self._errors.get(method):
            body = {"ok": False, "error": self._errors[method].popleft()}
        elif self.validate_blocks and (refusal := self._block_kit_refusal(call)):
            body = refusal
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

    @staticmethod
    def _block_kit_refusal(call: Call) -> dict[str, Any] | None:
        if call.method not in MESSAGE_METHODS | VIEW_METHODS:
            return None
        try:
            check_call(call)
        except BlockKitError as problem:
            error = "invalid_blocks" if call.method in MESSAGE_METHODS else "invalid_arguments"
            lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
            return {"ok": False, "error": error, "response_metadata": {"messages": lines[:10]}}
        return None

    async def _handle_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files or file_id not in self.uploads:
            return web.Response(status=404, text="no such file", content_type="text/plain")
        shared = self.files[file_id]
        return web.Response(body=self.uploads[file_id], content_type=shared["mimetype"])

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
        key = request.match_info["key"]
        self.responses.append(payload)
        self.responses_by_key.setdefault(key, []).append(payload)
        target = self.response_targets.get(key)
        if target is not None and payload.get("delete_original") in (True, "true"):
            # as Slack does: an ephemeral message can be deleted through its response_url
            self.ephemerals = [
                e
                for e in self.ephemerals
                if (e["channel"], e["user"], e["ts"])
                != (target["channel"], target["user"], target["ts"])
            ]
        return web.Response(text="ok", content_type="text/plain")

    def ephemeral_response_url(self, key: str, *, channel: str, user: str, ts: str) -> str:
        """A response_url for a click in an ephemeral message, which it can then delete."""
        self.response_targets[key] = {"channel": self._dm_key(channel), "user": user, "ts": ts}
        return self.response_url(key)

    # ------------------------------------------------------------------ Socket Mode

    async def drop(self) -> None:
        """Slack going away: close every Socket Mode connection and refuse new ones (until
        `refusing` is set back to False)."""
        self.refusing = True
        for ws in list(self.sockets):
            await ws.close()

    async def socket_request(
        self, envelope_type: str, payload: dict[str, Any], *, timeout: float = 30.0
    ) -> dict[str, Any]:
        """Send one envelope ("slash_commands", "interactive", "events_api") over the newest
        Socket Mode connection, as Slack does; returns the app's acknowledgement of it."""

        async def connected() -> web.WebSocketResponse:
            async with self._arrived:
                await self._arrived.wait_for(lambda: bool(self.sockets))
            return self.sockets[-1]

        ws = await asyncio.wait_for(connected(), timeout)
        self._envelope_counter += 1
        envelope_id = f"env-{self._envelope_counter}"
        acked: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting_acks[envelope_id] = acked
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        try:
            await ws.send_str(json.dumps(envelope))
            return await asyncio.wait_for(acked, timeout)
        finally:
            self._waiting_acks.pop(envelope_id, None)

    def _apps_connections_open(self, call: Call, token: str) -> dict[str, Any]:
        if self._errors.get(call.method):
            return {"ok": False, "error": self._errors[call.method].popleft()}
        if not token.startswith("xapp-"):  # Slack: an app-level token, not a bot token
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.refusing:
            call.status = 503
            return {"ok": False, "error": "service_unavailable"}
        return {"ok": True, "url": "ws" + self.root_url.removeprefix("http") + "socket-mode"}

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            return web.Response(status=503, text="service unavailable", content_type="text/plain")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        self.sockets_opened += 1
        try:
            hello = {
                "type": "hello",
                "num_connections": len(self.sockets),
                "connection_info": {"app_id": self.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
            await ws.send_str(json.dumps(hello))
            async with self._arrived:
                self._arrived.notify_all()
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._acknowledged(message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.sockets.remove(ws)
        return ws

    def _acknowledged(self, raw: str) -> None:
        try:
            ack = json.loads(raw)
        except json.JSONDecodeError:
            return
        if not isinstance(ack, dict):
            return
        self.acks.append(ack)
        waiting = self._waiting_acks.get(str(ack.get("envelope_id")))
        if waiting is not None and not waiting.done():
            waiting.set_result(ack)

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
            "team.info": self._team_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.list": self._conversations_list,
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
        granted = {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
        }
        if team_id in self._org_wide:  # an organisation's install: no team, the enterprise
            return {
                **granted,
                "team": None,
                "enterprise": {"id": team_id, "name": f"Org {team_id}"},
                "is_enterprise_install": True,
            }
        return {
            **granted,
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": (
                {"id": self._enterprise_of[team_id], "name": "Org"}
                if team_id in self._enterprise_of
                else None
            ),
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
            "is_enterprise_install": team_id in self._org_wide,
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
        known = self._channels.get(str(args["channel"]))
        if known is not None and not known.is_member:
            return {"ok": False, "error": "not_in_channel"}
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
        updated = self._message(args, ts)
        for stored in self.messages.get(self._dm_key(str(args["channel"])), []):
            if stored["ts"] == ts:
                for key in ("text", "blocks", "attachments"):
                    if key in args:
                        stored[key] = updated.get(key, [] if key != "text" else "")
                stored["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": ts,
            "text": args.get("text") or "",
            "message": updated,
        }

    def _chat_post_ephemeral(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": self._dm_key(str(args["channel"])),
                "user": str(args["user"]),
                "ts": ts,
                "text": args.get("text") or "",
                "blocks": args.get("blocks") or [],
            }
        )
        return {"ok": True, "message_ts": ts}

    def _chat_delete(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        key = self._dm_key(str(args["channel"]))
        kept = [m for m in self.messages.get(key, []) if m["ts"] != str(args["ts"])]
        if key in self.messages:
            self.messages[key] = kept
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
        user: str | None = None
        if method in ("views.open", "views.push"):
            trigger = self._triggers.get(str(args["trigger_id"]))
            if trigger is not None:
                if trigger.used:
                    return {"ok": False, "error": "exchanged_trigger_id"}
                if self.clock() - trigger.issued > TRIGGER_SECONDS:
                    return {"ok": False, "error": "expired_trigger_id"}
                trigger.used = True
                user = trigger.user
            elif self.strict_triggers:
                return {"ok": False, "error": "invalid_trigger_id"}
        if method == "views.push" and user is not None:
            if len(self.modal_stacks.get(user) or []) >= MAX_MODAL_STACK:
                return {"ok": False, "error": "push_limit_reached"}
            return {"ok": True, "view": self._push(user, view)}
        if method == "views.update":
            view_id = self._find_view(args)
            if view_id is None:
                if self.strict_triggers:
                    return {"ok": False, "error": "not_found"}
            else:
                stored_hash = self.views[view_id]["hash"]
                if args.get("hash") and args["hash"] != stored_hash:
                    return {"ok": False, "error": "hash_conflict"}
                self.view_errors.pop(view_id, None)
                return {"ok": True, "view": self._store_view(view_id, view, None)}
        answered = self._store_view(args.get("view_id") or self._new_view_id(), view, user)
        if method == "views.publish":
            self.homes[str(args["user_id"])] = answered
        elif method == "views.open" and user is not None:
            self.modal_stacks[user] = [answered["id"]]
        return {"ok": True, "view": answered}

    def _new_view_id(self) -> str:
        self._view_counter += 1
        return f"V{self._view_counter:08d}"

    def _find_view(self, args: dict[str, Any]) -> str | None:
        if args.get("view_id"):
            return str(args["view_id"]) if args["view_id"] in self.views else None
        for view_id, view in self.views.items():
            if view.get("external_id") and view["external_id"] == args.get("external_id"):
                return view_id
        return None

    def _push(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        stack = self.modal_stacks.setdefault(user, [])
        answered = self._store_view(self._new_view_id(), view, user)
        answered["previous_view_id"] = stack[-1] if stack else None
        answered["root_view_id"] = stack[0] if stack else answered["id"]
        stack.append(answered["id"])
        return answered

    def _store_view(self, view_id: str, view: dict[str, Any], user: str | None) -> dict[str, Any]:
        """The view as Slack answers it, kept (with its root and previous) under `view_id`."""
        self._view_counter += 1
        before = self.views.get(view_id, {})
        answered = {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": before.get("previous_view_id"),
            "root_view_id": before.get("root_view_id", view_id),
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "app_installed_team_id": self.team_id,
            "hash": f"{self._view_counter}.hash{self._view_counter:04d}",
        }
        self.views[view_id] = answered
        if user is not None:
            self._view_owner[view_id] = user
        return answered

    def _users_info(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id or user_id in self._unknown_users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user_json(str(user_id))}

    def _team_info(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        team_id = str(args.get("team") or self.team_id)
        name = self.team_names.get(team_id)
        if name is None:
            return {"ok": False, "error": "team_not_found"}
        return {"ok": True, "team": {"id": team_id, "name": name, "domain": team_id.lower()}}

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
            "is_member": channel.is_member,
            "is_shared": channel.is_ext_shared,
            "is_ext_shared": channel.is_ext_shared,
            "is_org_shared": False,
            "context_team_id": self.team_id,
            "num_members": len(channel.members),
        }
        if is_im:
            info["user"] = channel_id[1:]
        return {"ok": True, "channel": info}

    def _conversations_list(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """Every channel described with add_channel (one page), as conversations.info has it."""
        channels = [
            self._conversations_info(method, {"channel": channel_id})["channel"]
            for channel_id in self._channels
            if channel_id[:1] in ("C", "G")
        ]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

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
            shared = {
                "id": file_id,
                "name": pending["filename"],
                "title": item.get("title") or pending["filename"],
                "size": len(self.uploads[file_id]),
                "alt_txt": pending.get("alt_txt"),
                "user": self.bot_user_id,
            }
            answered.append(shared)
            self.files[file_id] = {
                **shared,
                "mimetype": _mimetype(str(pending["filename"])),
                "url_private": f"{self.root_url}files/{file_id}",
            }
        if args.get("channel_id"):
            message: dict[str, Any] = {
                "type": "message",
                "subtype": "file_share",
                "user": self.bot_user_id,
                "ts": self._next_ts(),
                "text": "",
                "files": [self.files[shared["id"]] for shared in answered],
            }
            if args.get("thread_ts"):
                message["thread_ts"] = str(args["thread_ts"])
            self.messages.setdefault(self._dm_key(str(args["channel_id"])), []).append(message)
        return {"ok": True, "files": answered}
