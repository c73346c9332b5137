"""Workspaces: which token acts for which, installing, uninstalling, and the data left behind.

In OAuth mode each workspace has its own bot token (bot/slack/installations.py); in
single-token mode SLACK_BOT_TOKEN acts for the one workspace. Either way an uninstalled
workspace gets nothing more from the app: its unsent messages are cancelled at once, its
installation is deleted, and its data PARTNERCHECK_RETENTION_DAYS later (by the tick).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.db import workspaces as store
from bot.plumbing.workspace import Workspace, acting_for
from bot.services import Services

log = logging.getLogger(__name__)

DELETE_BATCH = 50  # partnerships per transaction when an uninstalled workspace's data goes


async def workspace_for(services: Services, team_id: str | None) -> Workspace | None:
    """The workspace with the token that acts for it; None when the app is not (or no
    longer) installed there."""
    key = team_id or ""
    cached = services.workspaces.get(key)
    if cached is not None:
        return cached
    enterprise_id = None
    if team_id is not None:
        async with services.db.reading() as session:
            row = await store.workspace(session=session, team_id=team_id)
        if row is not None and row.uninstalled_at is not None:
            return None
        enterprise_id = row.enterprise_id if row is not None else None
    installations = services.installations
    if installations is None:
        token = services.settings.slack_bot_token
    elif team_id is None:
        return None
    else:
        token = await installations.bot_token(team_id=team_id, enterprise_id=enterprise_id)
    if token is None:
        return None
    found = Workspace(team_id=team_id, bot_token=token, enterprise_id=enterprise_id)
    services.workspaces.put(key, found)
    return found


@asynccontextmanager
async def working_for(services: Services, team_id: str | None) -> AsyncIterator[bool]:
    """Background work for one workspace: inside, Slack calls use its token. Yields False
    (and acts for nobody) when the app is not installed there: skip the work."""
    found = await workspace_for(services, team_id)
    with acting_for(found):
        yield found is not None


async def installed(services: Services, team_id: str | None, enterprise_id: str | None) -> None:
    """Bolt's OAuth flow saved an installation: the workspace is (again) in use."""
    if team_id is None:
        return
    async with services.db.unit_of_work() as session:
        await store.mark_installed(
            session=session, team_id=team_id, enterprise_id=enterprise_id, now=services.clock.now()
        )
    services.workspaces.clear()


async def uninstalled(services: Services, *, team_id: str, enterprise_id: str | None) -> int:
    """app_uninstalled, or the bot's token revoked: stop every send for the workspace now,
    forget its installation; its data is deleted after the retention period. Returns how
    many unsent messages were cancelled."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        await store.mark_uninstalled(
            session=session, team_id=team_id, enterprise_id=enterprise_id, now=now
        )
        cancelled = await store.stop_sending(session=session, team_id=team_id, now=now)
    services.workspaces.clear()
    if services.installations is not None:
        await services.installations.forget(team_id=team_id, enterprise_id=enterprise_id)
    log.info(
        "Workspace %s uninstalled: %d unsent messages cancelled; its data is deleted in %g days",
        team_id,
        cancelled,
        services.settings.retention_days,
    )
    return cancelled


async def delete_uninstalled_workspaces(services: Services, *, batch: int = DELETE_BATCH) -> int:
    """The tick: delete the data of workspaces uninstalled more than
    PARTNERCHECK_RETENTION_DAYS ago, a batch of partnerships per transaction; returns how many
    partnerships were deleted."""
    cutoff = services.clock.now() - timedelta(days=services.settings.retention_days)
    async with services.db.unit_of_work() as session:
        teams = await store.uninstalled_before(session=session, cutoff=cutoff)
    total = 0
    for team_id in teams:
        deleted = 0
        while True:
            async with services.db.unit_of_work() as session:
                went = await store.delete_partnerships(
                    session=session, team_id=team_id, limit=batch
                )
                if went == 0:
                    await store.delete_the_rest(session=session, team_id=team_id)
            deleted += went
            if went == 0:
                break
        services.started_checks.clear()
        total += deleted
        log.info(
            "Deleted the data of workspace %s (uninstalled over %g days ago): %d partnerships",
            team_id,
            services.settings.retention_days,
            deleted,
        )
    return total
