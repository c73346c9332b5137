"""`partnercheck serve` as a real process: credentials checked at start-up, and Socket Mode
that stops on SIGTERM or SIGINT in every state (connecting with Slack refusing or silent,
connected, reconnecting). Slack is the one fake Slack (tests/support/fake_slack.py), its Web API
and Socket Mode websocket on 127.0.0.1; answering late (`delay_seconds`), it is Slack hanging."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.service.conftest import app_env, partnercheck
from tests.support.fake_slack import FakeSlack

STOPPED_WITHIN = 15  # a generous guard for the test; the app allows itself 10 s
STARTED_WITHIN = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A `partnercheck serve` child whose log lines are read as they come."""

    def __init__(self, process: asyncio.subprocess.Process, port: int = 0) -> None:
        self.process = process
        self.port = port
        self.lines: list[str] = []

    async def health(self) -> tuple[int, dict]:
        """GET /healthz: the status and the JSON body."""
        url = f"http://127.0.0.1:{self.port}/healthz"
        async with aiohttp.ClientSession() as http, http.get(url) as answer:
            return answer.status, await answer.json()

    async def wait_for_line(self, text: str, *, after: int = 0) -> int:
        """Index of the first log line from `after` on that contains `text`."""
        assert self.process.stderr is not None
        while True:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            raw = await asyncio.wait_for(self.process.stderr.readline(), STARTED_WITHIN)
            if not raw:
                raise AssertionError(f"exited before logging {text!r}:\n" + "".join(self.lines))
            self.lines.append(raw.decode())

    async def stop_with(self, signum: signal.Signals) -> float:
        """Send `signum`; returns the seconds until the process exited (0 exit status)."""
        assert self.process.stderr is not None
        sent = time.monotonic()
        self.process.send_signal(signum)
        rest = await asyncio.wait_for(self.process.stderr.read(), STOPPED_WITHIN)
        await asyncio.wait_for(self.process.wait(), STOPPED_WITHIN)
        took = time.monotonic() - sent
        self.lines.extend(rest.decode().splitlines(keepends=True))
        assert self.process.returncode == 0, "".join(self.lines)
        return took


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator:
    children: list[asyncio.subprocess.Process] = []

    async def start(api_base: str, *extra: str) -> Served:
        port = free_port()
        env = app_env(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_APP_TOKEN="xapp-test-token",
            SLACK_SIGNING_SECRET="secret",
            SLACK_API_BASE_URL=api_base,
            DATABASE_URL=f"sqlite:///{tmp_path / 'pc.db'}",
            PARTNERCHECK_TICK_SECONDS="3600",
            PORT=str(port),
        )
        process = await asyncio.create_subprocess_exec(
            *partnercheck("serve", *extra),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        children.append(process)
        return Served(process, port)

    yield start
    for process in children:
        if process.returncode is None:
            process.kill()
            await process.wait()


def unreachable_api() -> str:
    return f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there


STOP_SIGNALS = pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name
)


def stopped_in(served: Served, took: float, signum: signal.Signals, state: str) -> None:
    print(f"stopped {took:.2f} s after {signum.name} while {state}", file=sys.stderr)
    assert "Traceback" not in "".join(served.lines), "".join(served.lines)


@STOP_SIGNALS
async def test_socket_mode_stops_while_connecting_to_an_unreachable_slack(
    serve, signum: signal.Signals
) -> None:
    served = await serve(unreachable_api(), "--socket")
    first = await served.wait_for_line("Socket Mode: could not connect to Slack")
    await served.wait_for_line("Socket Mode: could not connect to Slack", after=first + 1)
    # health rests on the database alone; Slack's state is said beside it
    assert await served.health() == (200, {"ok": True, "database": "ok", "slack": "reconnecting"})
    took = await served.stop_with(signum)
    stopped_in(served, took, signum, "connecting (connection refused)")
    tries = [line for line in served.lines if "could not connect" in line]
    assert all("next in" in line for line in tries)  # one line per try, with the backoff


@STOP_SIGNALS
async def test_socket_mode_stops_while_slack_does_not_answer(
    serve, fake_slack: FakeSlack, signum: signal.Signals
) -> None:
    """The request is taken and no answer comes: the stop does not wait for the timeout."""
    fake_slack.delay_seconds = 3600  # far beyond every timeout of the app's
    served = await serve(fake_slack.base_url, "--socket")
    await served.wait_for_line("Could not reach Slack at")  # auth.test timed out
    # apps.connections.open is hanging now
    await fake_slack.wait_for("apps.connections.open", timeout=STARTED_WITHIN)
    took = await served.stop_with(signum)
    stopped_in(served, took, signum, "connecting (Slack silent)")
    assert fake_slack.sockets_opened == 0  # it was still waiting for Slack when stopped


@STOP_SIGNALS
async def test_socket_mode_stops_when_connected(
    serve, fake_slack: FakeSlack, signum: signal.Signals
) -> None:
    served = await serve(fake_slack.base_url, "--socket")
    await served.wait_for_line("Connected to Slack in Socket Mode")
    assert len(fake_slack.sockets) == 1
    assert await served.health() == (200, {"ok": True, "database": "ok", "slack": "connected"})
    took = await served.stop_with(signum)
    stopped_in(served, took, signum, "connected")


@STOP_SIGNALS
async def test_socket_mode_reconnects_and_stops_while_reconnecting(
    serve, fake_slack: FakeSlack, signum: signal.Signals
) -> None:
    served = await serve(fake_slack.base_url, "--socket")
    await served.wait_for_line("Connected to Slack in Socket Mode")
    await fake_slack.drop()
    dropped = await served.wait_for_line("connection to Slack dropped; reconnecting")
    await served.wait_for_line("could not connect to Slack (service_unavailable)", after=dropped)
    took = await served.stop_with(signum)
    stopped_in(served, took, signum, "reconnecting")
    tries = [line for line in served.lines[dropped + 1 :] if "could not connect" in line]
    assert all("next in" in line for line in tries)  # one line per try, with the backoff


async def test_slack_unreachable_at_start_serves_and_says_so_beside_the_database(serve) -> None:
    served = await serve(unreachable_api())
    await served.wait_for_line("Could not reach Slack at")
    await served.wait_for_line("Listening on port")
    assert await served.health() == (200, {"ok": True, "database": "ok", "slack": "unreachable"})
    await served.stop_with(signal.SIGTERM)
    assert "Traceback" not in "".join(served.lines)


@pytest.mark.parametrize(
    ("token", "refusal", "said"),
    [
        ("xoxb-...", None, "SLACK_BOT_TOKEN is still the placeholder"),
        ("xoxb-revoked", "token_revoked", "Slack refused SLACK_BOT_TOKEN (token_revoked)"),
        ("xoxb-wrong", "invalid_auth", "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    ],
)
async def test_a_refused_bot_token_stops_start_up_with_one_sentence(
    tmp_path: Path, fake_slack: FakeSlack, token: str, refusal: str | None, said: str
) -> None:
    if refusal:
        fake_slack.error_next("auth.test", refusal)
    env = app_env(
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_BASE_URL=fake_slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'pc.db'}",
        PORT=str(free_port()),
    )
    process = await asyncio.create_subprocess_exec(
        *partnercheck("serve"),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), STARTED_WITHIN)
    assert process.returncode == 2
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith(f"partnercheck: {said}")
    assert "Traceback" not in err.decode()
    if refusal:
        assert fake_slack.calls_to("auth.test")
