"""`partnercheck sandbox`: the real app, talking to a local Slack, with a page to click through.

The app runs exactly as `partnercheck serve` runs it; only its settings differ (a bot token and
signing secret made up for this run, SLACK_API_BASE_URL pointing at the emulation served on
the same port) and its clock, which the page can move forward. Everything is stored in the
sandbox's own SQLite file, so the sandbox never touches a real database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from bot.background.tick import Job
from bot.plumbing.clock import MovableClock
from bot.plumbing.config import Settings
from bot.sandbox.page import SandboxPage
from bot.sandbox.workspace import CHANNEL, make_slack
from bot.services import Services

SANDBOX_DB = Path("partnercheck-sandbox.db")
SANDBOX_CHANNEL = CHANNEL
HOST = "127.0.0.1"


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
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = SANDBOX_DB.with_name(SANDBOX_DB.name + suffix)
        if path.exists():
            path.unlink()
            found = True
    return found


async def run_sandbox(port: int, base_env: Mapping[str, str] | None = None) -> None:
    from bot.serving.server import serve

    root_url = f"http://{HOST}:{port}/"
    secret = secrets.token_hex(16)
    env = dict(os.environ) if base_env is None else base_env
    settings = sandbox_settings(env, port=port, secret=secret)
    clock = MovableClock()
    slack = make_slack()
    slack.message_clock = lambda: clock.now().timestamp()
    page = SandboxPage(slack, secret=secret, clock=clock, root_url=root_url)

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
    )
