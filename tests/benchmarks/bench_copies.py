"""2 and 4 copies of `partnercheck serve` (real processes) on one fresh PostgreSQL database and a
fake Slack, started at once, sending 200 due messages: how many copies came up, whether every
message went exactly once, and the combined send rate against PARTNERCHECK_SLACK_RATE.

Environment (optional): BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test;
each run gets a new database on that server), BENCH_MESSAGES (200), BENCH_RATE (10),
BENCH_SCRAPE (a file: every copy's /metrics, scraped when half the messages have arrived, is
written there, each under a comment line naming the run and the copy). So that every
metric shows in the scrape, that mode also sends the first copy a slash command and a badly
signed request, and has the fake Slack answer the first sends with two 429s and two 500s
(retried, so still delivered once; the 429s hold every copy back for a second, so the rate
figures of a scrape run are not the clean ones).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from bot.db.engine import Database
from bot.plumbing.clock import SystemClock
from bot.serving.bolt_app import build_client, prepare_services
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import settings_for
from tests.support.seeding import seed_due_reflections

ROOT = Path(__file__).parents[2]
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "200"))
RATE = float(os.environ.get("BENCH_RATE", "10"))
SCRAPE = os.environ.get("BENCH_SCRAPE")
TEAM = "T0OURS"


def serve_env(fake: FakeSlack, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a `partnercheck serve` child: this checkout, the fake Slack, the
    database, and none of this process's own Slack or database settings."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE"))},
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "SLACK_API_BASE_URL": fake.base_url,
        "DATABASE_URL": database_url,
        **settings,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def started(process: asyncio.subprocess.Process) -> bool:
    assert process.stderr is not None
    seen: list[str] = []
    while line := await process.stderr.readline():
        seen.append(line.decode())
        if b"Listening on port" in line:
            return True
    print("a copy did not start:\n" + "".join(seen[-5:]), flush=True)
    return False


async def scrape(port: int) -> str | None:
    """The /metrics page of the copy on `port` (None: the copy is not answering)."""
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as scraped:
            return await scraped.text()
    except aiohttp.ClientError:
        return None


async def sent_by(port: int) -> int:
    """partnercheck_slack_sends_total{outcome="sent"} of the copy on `port`."""
    text = await scrape(port)
    if text is None:
        return -1
    for line in text.splitlines():
        if line.startswith('partnercheck_slack_sends_total{outcome="sent"}'):
            return int(float(line.split()[-1]))
    return 0


async def requests_to(port: int) -> None:
    """A slash command and a badly signed request: the requests and ack metrics have rows."""
    url = f"http://127.0.0.1:{port}/slack/events"
    body = signing.slash_command("help")
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers=signing.signed_headers(body)) as answer:
            await answer.read()
        forged = signing.signed_headers(body, secret="not-the-secret")
        async with http.post(url, data=body, headers=forged) as answer:
            await answer.read()


async def save_scrape(ports: list[int], run: str) -> bool:
    """Append every copy's /metrics, mid-run, to BENCH_SCRAPE."""
    assert SCRAPE is not None
    await requests_to(ports[0])
    for n, port in enumerate(ports, start=1):
        text = await scrape(port)
        with open(SCRAPE, "a", encoding="utf-8") as out:
            out.write(f"# ---- {run}: copy {n}'s /metrics, half the messages sent ----\n")
            out.write(text or "# (the copy did not answer)\n")
    return True


async def run(copies: int) -> None:
    server = make_url(SERVER.replace("postgresql+asyncpg://", "postgresql://"))
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with FakeSlack(clock=time.time) as fake:
            env = serve_env(
                fake, url, PARTNERCHECK_SLACK_RATE=str(RATE), PARTNERCHECK_TICK_SECONDS="1"
            )
            ports = [free_port() for _ in range(copies)]
            for port in ports:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "bot.cli",
                        "serve",
                        env={**env, "PORT": str(port)},
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=asyncio.subprocess.PIPE,
                    )
                )
            came_up = await asyncio.gather(*(started(p) for p in processes))
            if SCRAPE is not None:
                fake.fail_next("chat.postMessage", status=429, times=2)
                fake.fail_next("chat.postMessage", status=500, times=2)
            failures = came_up.count(False)
            settings = settings_for(url, fake)
            services = await prepare_services(
                settings,
                clock=SystemClock(),
                client=build_client(settings),
                db=Database(settings.database_url),
            )
            made = await seed_due_reflections(
                services,
                people=[f"U{n:05d}" for n in range(MESSAGES)],
                channel_id="C0BENCH",
                ends_at=services.clock.now() - settings.nudge_delay,
                team_id=TEAM,
            )
            await services.db.dispose()
            deadline = time.monotonic() + MESSAGES / RATE * 3 + 60
            scraped = SCRAPE is None
            while len(fake.delivered("chat.postMessage")) < made and time.monotonic() < deadline:
                if not scraped and len(fake.delivered("chat.postMessage")) >= made // 2:
                    scraped = await save_scrape(ports, f"{copies} copies")
                await asyncio.sleep(0.5)
            sends = [await sent_by(port) for port in ports]
            for process in processes:
                process.send_signal(signal.SIGTERM)
            await asyncio.gather(*(p.wait() for p in processes))
            posted = fake.delivered("chat.postMessage")
            per_person = Counter(call.args["channel"] for call in posted)
            times = sorted(call.at for call in posted)
            span = times[-1] - times[0] if len(times) > 1 else float("nan")
            window = [sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times)]
            print(
                f"{copies} copies: {copies - failures}/{copies} started; {len(posted)} of "
                f"{made} messages sent, {sum(1 for c in per_person.values() if c > 1)} twice, "
                f"{made - len(per_person)} never; combined rate {(len(times) - 1) / span:.2f}/s "
                f"(setting {RATE:g}/s), at most {max(window)} in any 1 s; "
                f"exit codes {[p.returncode for p in processes]}; "
                f"sent per copy (/metrics): {sends}",
                flush=True,
            )
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    for copies in (2, 4):
        await run(copies)
