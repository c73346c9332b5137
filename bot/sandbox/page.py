"""The sandbox page and what it asks of the server: who sees what, and what a person does.

The page (static/) is plain HTML and JavaScript. Everything a person does there becomes the
request Slack would send, signed with the sandbox's secret and POSTed to the app's own
/slack/events; what the app answers (an ephemeral text, a modal's response_action) is applied
as Slack would apply it.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler

from bot.background.tick import Job
from bot.plumbing.clock import MovableClock
from bot.sandbox import workspace
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.workspace import BY_ID, CHANNEL, PEOPLE, Person

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MORNING = time(9, 5)  # "the next working morning": just after the default working day starts


class BadRequest(web.HTTPBadRequest):
    def __init__(self, reason: str) -> None:
        super().__init__(text=reason, content_type="text/plain")


class SandboxPage:
    def __init__(
        self, slack: FakeSlack, *, secret: str, clock: MovableClock, root_url: str
    ) -> None:
        self.slack = slack
        self.secret = secret
        self.clock = clock
        self.events_url = f"{root_url}slack/events"
        self.jobs: list[tuple[str, Job]] = []
        self._http: aiohttp.ClientSession | None = None
        self.saved = lambda: None  # called after each thing a person did, to keep it

    def add_routes(self, app: web.Application, jobs: list[tuple[str, Job]]) -> None:
        self.jobs = jobs
        app.router.add_get("/", self._index)
        app.router.add_static("/sandbox/static/", STATIC)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_post("/sandbox/command", self._command)
        app.router.add_post("/sandbox/action", self._action)
        app.router.add_post("/sandbox/submit", self._submit)
        app.router.add_post("/sandbox/close", self._close)
        app.router.add_post("/sandbox/home", self._home)
        app.router.add_post("/sandbox/clock", self._advance)
        app.on_cleanup.append(self._close_http)

        @web.middleware
        async def keep(request: web.Request, handler: Handler) -> web.StreamResponse:
            response = await handler(request)
            if request.method == "POST" and request.path.startswith("/sandbox/"):
                self.saved()
            return response

        app.middlewares.append(keep)

    # ------------------------------------------------------------------ reading

    async def _index(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        person = _person(request.query.get("as", ""))
        slack = self.slack
        dm = "D" + person.id
        now = self.clock.now()
        return web.json_response(
            {
                "me": person.id,
                "people": [p.as_json() for p in PEOPLE],
                "channel": {"id": CHANNEL, "name": workspace.CHANNEL_NAME},
                "messages": {key: slack.messages.get(key, []) for key in (CHANNEL, dm)},
                "ephemerals": [e for e in slack.ephemerals if e["user"] == person.id],
                "modal": slack.modal_of(person.id),
                "home": slack.homes.get(person.id),
                "clock": {
                    "utc": now.isoformat(),
                    "local": now.astimezone(ZoneInfo(person.tz)).strftime("%a %d %b, %H:%M"),
                    "tz": person.tz,
                },
            }
        )

    # ------------------------------------------------------------------ doing

    async def _command(self, request: web.Request) -> web.Response:
        data = await _json(request)
        person = _person(data.get("as"))
        channel = str(data.get("channel") or CHANNEL)
        text = str(data.get("text") or "").strip()
        if text.startswith(workspace.COMMAND):
            text = text[len(workspace.COMMAND) :].strip()
        trigger = self.slack.issue_trigger(person.id)
        body = workspace.slash_command(self.slack, person, channel, text, trigger)
        status, answer = await self._send(body)
        if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
            self._show_ephemeral(channel, person, answer)
        return web.json_response({"status": status})

    async def _action(self, request: web.Request) -> web.Response:
        data = await _json(request)
        person = _person(data.get("as"))
        action, where = data.get("action"), data.get("where")
        if not isinstance(action, dict) or not isinstance(where, dict):
            raise BadRequest("an action needs 'action' and 'where'")
        if "view_id" in where and where["view_id"] not in self.slack.views:
            raise BadRequest("that view is gone")
        trigger = self.slack.issue_trigger(person.id)
        state = _state_values(data)
        body = workspace.block_action(self.slack, person, trigger, action, where, state)
        status, _answer = await self._send(body)
        return web.json_response({"status": status})

    async def _submit(self, request: web.Request) -> web.Response:
        data = await _json(request)
        person = _person(data.get("as"))
        view_id = str(data.get("view_id") or "")
        if view_id not in self.slack.views:
            raise BadRequest("that view is gone")
        trigger = self.slack.issue_trigger(person.id)
        body = workspace.view_submission(self.slack, person, trigger, view_id, _state_values(data))
        status, answer = await self._send(body)
        if status == 200:
            self.slack.apply_response_action(
                person.id, view_id, answer if isinstance(answer, dict) else {}
            )
        return web.json_response({"status": status})

    async def _close(self, request: web.Request) -> web.Response:
        data = await _json(request)
        person = _person(data.get("as"))
        modal = self.slack.modal_of(person.id)
        if modal is not None and modal.get("notify_on_close"):
            await self._send(workspace.view_closed(self.slack, person, modal["id"]))
        self.slack.close_modal(person.id)
        return web.json_response({"status": 200})

    async def _home(self, request: web.Request) -> web.Response:
        """The person opened the app's Home tab (or, with "tab": "messages", its Messages)."""
        data = await _json(request)
        person = _person(data.get("as"))
        tab = data.get("tab", "home")
        if tab not in ("home", "messages"):
            raise BadRequest("tab must be 'home' or 'messages'")
        status, _answer = await self._send(workspace.app_home_opened(person, tab))
        return web.json_response({"status": status})

    async def _advance(self, request: web.Request) -> web.Response:
        data = await _json(request)
        person = _person(data.get("as"))
        step = data.get("step")
        if step == "hour":
            self.clock.advance(timedelta(hours=1))
        elif step == "morning":
            self.clock.advance(next_working_morning(self.clock.now(), person.tz) - self.clock.now())
        else:
            raise BadRequest("step must be 'hour' or 'morning'")
        await self.run_tick()
        return web.json_response({"status": 200, "now": self.clock.now().isoformat()})

    async def run_tick(self) -> None:
        """Every job of the tick once, in order, as the tick would after the time moved."""
        for name, job in self.jobs:
            try:
                await job()
            except Exception as error:
                log.error("Scheduled job %s failed: %s", name, type(error).__name__)

    # ------------------------------------------------------------------ helpers

    async def _send(self, body: str) -> tuple[int, Any]:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        async with self._http.post(
            self.events_url, data=body.encode(), headers=workspace.sign(body, self.secret)
        ) as response:
            text = await response.text()
            answer: Any = None
            if text and response.content_type == "application/json":
                answer = await response.json()
            return response.status, answer

    def _show_ephemeral(self, channel: str, person: Person, answer: dict[str, Any]) -> None:
        self.slack.ephemerals.append(
            {
                "channel": channel,
                "user": person.id,
                "ts": f"{self.clock.now().timestamp():.6f}",
                "text": str(answer.get("text") or ""),
                "blocks": answer.get("blocks") or [],
            }
        )

    async def _close_http(self, _app: web.Application) -> None:
        self.saved()
        if self._http is not None:
            await self._http.close()


def next_working_morning(now: datetime, tz: str) -> datetime:
    """09:05 on the next weekday in `tz` that is still ahead of `now`."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date()
    while True:
        candidate = datetime.combine(day, MORNING, tzinfo=zone)
        if candidate > local and candidate.weekday() < 5:
            return candidate
        day += timedelta(days=1)


def _person(user_id: object) -> Person:
    person = BY_ID.get(str(user_id or ""))
    if person is None:
        raise BadRequest("'as' must be one of the sandbox's people")
    return person


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("send a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("send a JSON object")
    return data


def _state_values(data: dict[str, Any]) -> dict[str, Any]:
    state = data.get("state") or {}
    if not isinstance(state, dict):
        raise BadRequest("'state' must be an object of block ids")
    return state
