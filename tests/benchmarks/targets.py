"""The servers the front-door benchmark measures, each on 127.0.0.1 (random port).

1. `bare`: aiohttp that only verifies the signature and answers 200 (this machine's limit);
2. `bolt`: a plain Bolt AsyncApp with default settings whose listeners only acknowledge;
3. `full_app`: the app, as `partnercheck serve` builds it (on SQLite or PostgreSQL);
4. `orm`: a hand-written Bolt + SQLAlchemy ORM app doing the same job (tests/benchmarks/orm_app.py).

Every target runs in the benchmark's own process; `settle()` returns when the work that
follows its acknowledgements (confirmations, counts refreshes) is done.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.db.engine import Database
from bot.plumbing.config import Settings, normalise_database_url
from bot.services import Services
from bot.serving.bolt_app import build_app, prepare_services
from bot.serving.web_app import build_web_app
from tests.benchmarks.orm_app import build_orm_bolt_app
from tests.support import signing


@dataclass
class Target:
    name: str
    url: str
    stop: Callable[[], Awaitable[None]]
    services: Services | None = None
    db: Database | None = None  # where its answers are stored, for checking them
    settle: Callable[[], Awaitable[None]] = field(default=lambda: _nothing())


async def _nothing() -> None:
    return None


async def _serve(app: web.Application) -> tuple[str, web.AppRunner]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}/slack/events", runner


async def bare() -> Target:
    verifier = SignatureVerifier(signing.SIGNING_SECRET)

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    url, runner = await _serve(app)
    return Target("bare aiohttp", url, runner.cleanup)


async def bolt(slack_url: str) -> Target:
    bolt_app = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=slack_url),
        signing_secret=signing.SIGNING_SECRET,
    )

    async def just_ack(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    bolt_app.action(re.compile(".*"))(just_ack)
    bolt_app.command(re.compile(".*"))(just_ack)
    bolt_app.view(re.compile(".*"))(just_ack)

    async def events(request: web.Request) -> web.Response:
        response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    url, runner = await _serve(app)
    return Target("default Bolt", url, runner.cleanup)


async def full_app(name: str, database_url: str, slack_url: str, *, schema: str | None) -> Target:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench-token",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "DATABASE_URL": database_url,
            "SLACK_API_BASE_URL": slack_url,
        }
    )
    services = await prepare_services(settings, db=Database(settings.database_url, schema=schema))
    bolt_app = build_app(services)  # default settings, as `partnercheck serve` runs it
    url, runner = await _serve(build_web_app(bolt_app, services))

    async def stop() -> None:
        await runner.cleanup()
        await services.close()
        await services.db.dispose()

    return Target(
        name, url, stop, services=services, db=services.db, settle=services.background.drain
    )


async def orm(name: str, database_url: str, slack_url: str, *, schema: str | None) -> Target:
    """The ORM app on a database the full app has migrated (its check is started there)."""
    bolt_app, settle, dispose = build_orm_bolt_app(database_url, slack_url, schema=schema)

    async def events(request: web.Request) -> web.Response:
        response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    url, runner = await _serve(app)
    db = Database(normalise_database_url(database_url), schema=schema)

    async def stop() -> None:
        await runner.cleanup()
        await dispose()
        await db.dispose()

    return Target(name, url, stop, db=db, settle=settle)


async def postgres_schema(url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh schema in the PostgreSQL database at `url`, and how to drop it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    raw = normalise_database_url(url).replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(raw)
    await connection.execute(f'CREATE SCHEMA "{schema}"')

    async def drop() -> None:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()

    return schema, drop


async def on_each_backend(
    run: Callable[[str, str, str | None], Awaitable[None]], sqlite_file: str
) -> None:
    """`run(backend, url, schema)` on a SQLite file in a temporary folder, then on PostgreSQL
    (a fresh schema, dropped after) when BENCH_DATABASE_URL or TEST_DATABASE_URL is set."""
    with tempfile.TemporaryDirectory() as folder:
        await run("SQLite", f"sqlite:///{Path(folder) / sqlite_file}", None)
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        print("(PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
        return
    schema, drop = await postgres_schema(url)
    try:
        await run("PostgreSQL", url, schema)
    finally:
        await drop()
