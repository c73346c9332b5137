"""`partnercheck sandbox`: the real app, talking to a local Slack, with a page to click through.

The app runs exactly as `partnercheck serve` runs it; only its settings differ (a bot token and
signing secret made up for this run, SLACK_API_BASE_URL pointing at the emulation served on
the same port) and its clock, which the page can move forward. Everything is stored in the
sandbox's own SQLite file, so the sandbox never touches a real database; what the page shows and
how far the clock was moved are kept beside it, so a restarted sandbox carries on.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.background.tick import Job
from bot.plumbing.clock import MovableClock
from bot.plumbing.config import Settings
from bot.sandbox.page import SandboxPage
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.workspace import CHANNEL, make_slack
from bot.services import Services

SANDBOX_DB = Path("partnercheck-sandbox.db")
SANDBOX_SLACK = Path("partnercheck-sandbox.json")  # what the local Slack shows, and the clock
DB_FILE_ENDINGS = ("", "-wal", "-shm", "-journal")
SANDBOX_CHANNEL = CHANNEL
HOST = "127.0.0.1"

log = logging.getLogger(__name__)


def sandbox_database_url(path: Path = SANDBOX_DB) -> str:
    return f"sqlite+aiosqlite:///{path}"


def sandbox_settings(base: Mapping[str, str], *, port: int, secret: str) -> Settings:
    """The settings `serve` gets in the sandbox: the person's own tuning (e.g. the nudge
    delay) is kept; Slack and the database are the sandbox's."""
    env = {
        **base,
        "SLACK_BOT_TOKEN": "xoxb-sandbox",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_BASE_URL": f"http://{HOST}:{port}/api/",
        "DATABASE_URL": sandbox_database_url(),
        "PORT": str(port),
    }
    return Settings.from_env(env)


def reset() -> bool:
    """Forget everything the sandbox stored; True when there was something."""
    found = False
    for path in (SANDBOX_SLACK, *(Path(f"{SANDBOX_DB}{end}") for end in DB_FILE_ENDINGS)):
        if path.exists():
            path.unlink()
            found = True
    return found


def save(slack: FakeSlack, clock: MovableClock) -> None:
    """Keep what the local Slack shows and how far the clock moved (written whole, then
    renamed, so a stop half-way leaves the previous copy)."""
    saved = {"clock_ahead_seconds": clock.ahead.total_seconds(), "slack": slack.snapshot()}
    partial = SANDBOX_SLACK.with_suffix(".partial")
    partial.write_text(json.dumps(saved))
    partial.replace(SANDBOX_SLACK)


def restore(slack: FakeSlack) -> timedelta:
    """What `save` kept, when the sandbox's database is still there; how far the clock was."""
    if not (SANDBOX_SLACK.exists() and SANDBOX_DB.exists()):
        return timedelta(0)
    try:
        saved = json.loads(SANDBOX_SLACK.read_text())
        slack.restore(saved["slack"])
        return timedelta(seconds=float(saved["clock_ahead_seconds"]))
    except (ValueError, KeyError, TypeError):
        log.warning("%s could not be read; the page starts empty", SANDBOX_SLACK)
        return timedelta(0)


async def run_sandbox(port: int, base_env: Mapping[str, str] | None = None) -> None:
    from bot.serving.server import serve

    root_url = f"http://{HOST}:{port}/"
    secret = secrets.token_hex(16)
    env = dict(os.environ) if base_env is None else base_env
    settings = sandbox_settings(env, port=port, secret=secret)
    slack = make_slack()
    clock = MovableClock(restore(slack))
    slack.message_clock = lambda: clock.now().timestamp()
    page = SandboxPage(slack, secret=secret, clock=clock, root_url=root_url)
    page.saved = lambda: save(slack, clock)

    def extend(app: web.Application, _services: Services, jobs: list[tuple[str, Job]]) -> None:
        slack.serve_at(root_url)
        slack.add_routes(app)
        page.add_routes(app, jobs)

    def listening() -> None:
        print(root_url, flush=True)

    await serve(
        settings,
        socket_mode=False,
        port=port,
        host=HOST,
        clock=clock,
        extend=extend,
        listening=listening,
        check_token=False,  # the sandbox's Slack answers on this port, once it listens
    )
