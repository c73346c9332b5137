"""Building the Bolt app and everything it is handed. Nothing here runs at import time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.db.engine import Database
from bot.db.questions import sync_bank
from bot.plumbing.budget import Budget
from bot.plumbing.clock import Clock, SystemClock
from bot.plumbing.config import Settings
from bot.plumbing.logs import keep_bodies_out_of_logs
from bot.plumbing.workspace import Workspace, enter_workspace
from bot.services import Services
from bot.slack.client import SLACK_TIMEOUT_SECONDS, build_client, slack_session
from bot.slack.gateway import SlackGateway
from bot.slack.installations import BOT_SCOPES, Installations, oauth_states
from bot.slack.keepalive import KeepAliveClient
from bot.slack.members import ChannelMembers
from bot.usecases import workspaces
from handlers import register_all
from questions.bank import Bank, load_bank

log = logging.getLogger(__name__)


INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


async def prepare_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bank: Bank | None = None,
    client: AsyncWebClient | None = None,
    db: Database | None = None,
    budget: Budget | None = None,
    migrate: bool = True,
) -> Services:
    """Open storage, bring it up to date, load and sync the bank: what serving needs first.

    Without `client`, the Slack client gets one shared HTTP session, and answer confirmations
    a keep-alive client of their own, which `Services.close` closes.
    """
    clock = clock or SystemClock()
    bank = bank or load_bank(custom=settings.questions_dir)
    db = db or Database(settings.database_url)
    if migrate:  # else the caller has (serve: bot/serving/server.migrate_apart)
        await db.migrate()
    async with db.unit_of_work() as session:
        report = await sync_bank(session=session, bank=bank, now=clock.now())
    log.info("Question bank ready: %d new versions, %d unchanged", report.added, report.unchanged)
    http = keepalive = None
    if client is None:
        http = slack_session()
        client = build_client(settings, session=http)
        keepalive = KeepAliveClient(settings.slack_api_base_url, timeout=SLACK_TIMEOUT_SECONDS)
    gateway = SlackGateway(client, keepalive=keepalive)
    installations = (
        Installations(settings.slack_client_id or "", db.engine) if settings.oauth else None
    )
    services = Services(
        settings=settings,
        db=db,
        bank=bank,
        gateway=gateway,
        clock=clock,
        members=ChannelMembers(gateway, clock),
        http=http,
        budget=budget or Budget(),
        installations=installations,
    )
    if installations is not None:

        async def on_installed(team_id: str | None, enterprise_id: str | None) -> None:
            await workspaces.installed(services, team_id, enterprise_id)

        installations.on_installed = on_installed
    return services


class AckThatStays(AsyncAck):
    """An `ack()` that, once given, stays given.

    When a listener acknowledges and then raises before Bolt's runner has looked (it polls
    every 10 ms), the runner resets the acknowledgement to None and then waits its full
    3 seconds for one that never comes, answering Slack 404 "unhandled request". That is what
    made *Skip* by someone else, *Next question* by a non-lead or the meeting menu sometimes
    time out on an idle app: quick refusals raise within those 10 ms. Keeping the first
    answer makes every acknowledged request answered at once, whatever the listener does next.
    """

    _given: BoltResponse | None = None

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return self._given

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._given is None:
            self._given = value


async def _ack_that_stays(req: AsyncBoltRequest, next: Callable[[], Awaitable[None]]) -> None:
    req.context["ack"] = AckThatStays()
    await next()


def build_app(services: Services, *, process_before_response: bool = False) -> AsyncApp:
    keep_bodies_out_of_logs()
    app = AsyncApp(
        client=services.gateway.client,
        signing_secret=services.settings.slack_signing_secret,
        process_before_response=process_before_response,
        # bot/serving/web_app.py verifies every HTTP request first (and never logs its body);
        # Socket Mode messages come over Slack's authenticated socket and carry no signature.
        request_verification_enabled=False,
        logger=logging.getLogger("partnercheck.bolt"),
        # unknown actions, views and commands reach handlers.errors as one sanitised log line
        # instead of Bolt's warning, which echoes the request's ids unbounded
        raise_error_for_unhandled_request=True,
        oauth_settings=oauth_settings(services),
    )
    app.middleware(_ack_that_stays)
    app.middleware(acting_for_the_workspace(services))
    register_all(app, services)
    return app


def oauth_settings(services: Services) -> AsyncOAuthSettings | None:
    """Bolt's OAuth flow (GET /slack/install, GET /slack/oauth_redirect) over the app's own
    database, when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set."""
    settings = services.settings
    if services.installations is None:
        return None
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=services.installations,
        installation_store_bot_only=True,
        state_store=oauth_states(services.db.engine, settings.slack_state_secret or ""),
        logger=logging.getLogger("partnercheck.oauth"),
    )


def acting_for_the_workspace(services: Services) -> Callable[..., Awaitable[None]]:
    async def act_for_the_workspace(context: AsyncBoltContext, next: Any) -> None:
        """Every listener (and the follow-ups it spawns) acts for the workspace the request
        came from, with the token Bolt authorized it with. Bolt runs the listeners after its
        middleware has returned, in the task that dispatches the request, so the workspace is
        entered, not scoped to `next()`; each request (HTTP or Socket Mode) has its own task.

        A request from a workspace of an organisation installed org-wide: which organisation
        it belongs to is remembered (read once per process, written once ever), so background
        work for it finds the organisation's token."""
        org_wide = context.is_enterprise_install and services.installations is not None
        if org_wide and context.team_id:
            try:
                await workspaces.workspace_for(services, context.team_id, context.enterprise_id)
            except Exception as error:  # storage trouble: the request itself still goes on
                log.warning("Could not note the workspace's organisation: %s", type(error).__name__)
        enter_workspace(
            Workspace(
                team_id=context.team_id,
                bot_token=context.bot_token,
                enterprise_id=context.enterprise_id,
            )
        )
        await next()

    return act_for_the_workspace
