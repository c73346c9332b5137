"""The app's Slack Web API client and the one HTTP session its calls share."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.plumbing.config import Settings

SLACK_TIMEOUT_SECONDS = 10


def build_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """The app's Web API client; with `session`, every call reuses its connections.

    Without one, slack_sdk opens (and closes) a new aiohttp session for every call. The
    session's own timeout applies then, so open it with `slack_session()`.
    """
    return AsyncWebClient(
        # OAuth mode: no token here, each workspace's comes with the work (bot.plumbing.workspace)
        token=None if settings.oauth else settings.slack_bot_token,
        base_url=settings.slack_api_base_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def slack_session() -> aiohttp.ClientSession:
    """One HTTP session for all the app's Slack calls; open it inside the running loop."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS))
