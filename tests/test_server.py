"""`partnercheck serve` as a real process: health, and a clean stop on SIGTERM mid-request."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.support import signing
from tests.support.fake_slack import FakeSlack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> None:
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError("the app stopped early:\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return


async def test_serve_answers_health_and_stops_cleanly_mid_request(tmp_path: Path) -> None:
    port = free_port()
    async with FakeSlack() as fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))},
            "PYTHONPATH": str(Path(__file__).parents[1]),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "SLACK_API_BASE_URL": fake.base_url,
            "PORT": str(port),
        }
        app = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        assert app.stderr is not None
        log: list[str] = []
        try:
            await asyncio.wait_for(read_until(app.stderr, "Listening on port", log), 60)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                    assert health.status == 200
                    assert await health.json() == {"ok": True, "database": "ok", "slack": "ok"}
                # a request whose follow-up (opening the modal) is still running at SIGTERM
                fake.delay_seconds = 1.0
                body = signing.slash_command("check")
                async with http.post(
                    f"http://127.0.0.1:{port}/slack/events",
                    data=body,
                    headers=signing.signed_headers(body),
                ) as reply:
                    assert reply.status == 200
                await fake.wait_for("views.open")
                async with http.get(f"http://127.0.0.1:{port}/metrics") as scraped:
                    assert scraped.status == 200
                    metrics = await scraped.text()
                app.send_signal(signal.SIGTERM)
                rest = (await asyncio.wait_for(app.stderr.read(), 60)).decode()
                assert await app.wait() == 0
        finally:
            if app.returncode is None:
                app.kill()
                await app.wait()
        output = "".join(log) + rest
        assert "Stopped cleanly" in output
        assert 'partnercheck_requests_total{kind="command",status="200"} 1.0' in metrics
        assert 'partnercheck_ack_seconds_count{kind="command"} 1.0' in metrics
        assert "partnercheck_outbox_due 0.0" in metrics
        assert "token` will be unused" not in output  # Bolt's warning is not worth a line
        assert "apscheduler" not in output  # its per-run lines are DEBUG
        assert "Traceback" not in output
        [opened] = fake.calls_to("views.open")
        assert opened.status == 200 and opened.response and opened.response["ok"]
        # the app went on after the modal opened (looking for the client's people): the work
        # in flight at SIGTERM was finished, not cut off
        [members] = fake.calls_to("conversations.members")
        assert members.response and members.response["ok"]
        assert (tmp_path / "partnercheck.db").exists()
