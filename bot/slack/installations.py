"""Which bot token acts for which workspace, when the app is installed through Slack's OAuth.

slack_sdk's SQLAlchemy stores keep the installations and the OAuth states in the app's own
database (tables created by the app's migrations, declared in bot/db/models.py); Bolt's
OAuth flow saves each installation here and authorizes every request from it. Each state is
handed out signed with SLACK_STATE_SECRET (`SignedOAuthStates`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.plumbing.config import STATE_SECRET_MIN_LENGTH

log = logging.getLogger(__name__)

# The bot scopes, once: the OAuth install asks for these; deploy/slack-manifest.yml lists the
# same (tests/test_manifest.py holds the two together).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
    "im:write",
    "im:history",
    "files:write",
    "team:read",
)
STATE_EXPIRY_SECONDS = 600

Installed = Callable[[str | None, str | None], Awaitable[None]]


class Installations(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store over the app's engine; `on_installed(team_id,
    enterprise_id)` is told of each new installation."""

    def __init__(self, client_id: str, engine: AsyncEngine) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.on_installed: Installed | None = None

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(installation)
        if installation.is_enterprise_install:
            log.info("Installed org-wide to organisation %s", installation.enterprise_id)
        else:
            log.info("Installed to workspace %s", installation.team_id)
        if self.on_installed is not None:
            await self.on_installed(installation.team_id, installation.enterprise_id)

    async def bot_token(self, *, team_id: str, enterprise_id: str | None) -> str | None:
        """The workspace's own installation's token, else (a workspace of an Enterprise Grid
        organisation) its organisation's org-wide one."""
        bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id is not None:
            bot = await self.async_find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=True
            )
        return bot.bot_token if bot is not None else None

    async def forget(self, *, team_id: str | None, enterprise_id: str | None) -> None:
        """Delete the workspace's installation and its bot token (team_id None: the
        organisation's org-wide one)."""
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class SignedOAuthStates(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's one-time, expiring OAuth states in the app's database, handed out as
    `<state>.<HMAC-SHA256 of state under the secret>`. Bolt puts that value in Slack's authorize
    URL and in the browser's cookie and gives it back to `async_consume`, which refuses a value
    this app did not sign (forged, or issued under another secret) before asking the database,
    then consumes the stored state as slack_sdk does (once, before it expires)."""

    def __init__(
        self, *, secret: str, engine: AsyncEngine, expiration_seconds: int = STATE_EXPIRY_SECONDS
    ) -> None:
        if len(secret) < STATE_SECRET_MIN_LENGTH:
            raise ValueError(f"the state secret needs {STATE_SECRET_MIN_LENGTH} characters")
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)
        self._key = secret.encode()

    def _signature(self, state: str) -> bytes:
        return hmac.new(self._key, state.encode(), hashlib.sha256).hexdigest().encode()

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = await super().async_issue(*args, **kwargs)
        return f"{state}.{self._signature(state).decode()}"

    async def async_consume(self, state: str) -> bool:
        stored, _, signature = (state or "").rpartition(".")
        given = signature.encode("utf-8", "replace")
        if not stored or not hmac.compare_digest(given, self._signature(stored)):
            log.warning("OAuth state refused: it was not signed with this app's state secret")
            return False
        return await super().async_consume(stored)


def oauth_states(engine: AsyncEngine, secret: str) -> SignedOAuthStates:
    """One-time, expiring OAuth `state` values, kept in the app's database, signed."""
    return SignedOAuthStates(secret=secret, engine=engine)
