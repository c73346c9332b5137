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


async def workspace_for(
    services: Services, team_id: str | None, enterprise_id: str | None = None
) -> Workspace | None:
    """The workspace with the token that acts for it; None when the app is not (or no
    longer) installed there. `enterprise_id`, from a request, names the Enterprise Grid
    organisation of a workspace not yet known here: one whose token is its organisation's
    org-wide install is then remembered (once), so background work finds that token too."""
    key = team_id or ""
    cached = services.workspaces.get(key)
    if cached is not None:
        return cached
    row = None
    if team_id is not None:
        async with services.db.reading() as session:
            row = await store.workspace(session=session, team_id=team_id)
        if row is not None and row.uninstalled_at is not None:
            return None
        if row is not None:
            enterprise_id = row.enterprise_id
    installations = services.installations
    if installations is None:
        token = services.settings.slack_bot_token
    elif team_id is None:
        return None
    else:
        token = await installations.bot_token(team_id=team_id, enterprise_id=enterprise_id)
    if token is None:
        return None
    if installations is not None and row is None and enterprise_id is not None:
        async with services.db.unit_of_work() as session:
            await store.record_workspace(
                session=session,
                team_id=team_id or "",
                enterprise_id=enterprise_id,
                now=services.clock.now(),
            )
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
    """Bolt's OAuth flow saved an installation: the workspace (team_id None: every workspace
    of the Enterprise Grid organisation, installed org-wide) is (again) in use."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        if team_id is not None:
            await store.mark_installed(
                session=session, team_id=team_id, enterprise_id=enterprise_id, now=now
            )
        elif enterprise_id is not None:
            await store.mark_org_installed(session=session, enterprise_id=enterprise_id, now=now)
    services.workspaces.clear()


async def uninstalled(
    services: Services, *, team_id: str | None, enterprise_id: str | None, org_wide: bool = False
) -> int:
    """app_uninstalled, or the bot's token revoked: stop every send for the workspace (for an
    org-wide install: for every workspace of the organisation) now, forget its installation;
    its data is deleted after the retention period. Returns how many unsent messages were
    cancelled."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        if org_wide and enterprise_id is not None:
            teams = await store.mark_org_uninstalled(
                session=session, enterprise_id=enterprise_id, now=now
            )
            gone = f"Organisation {enterprise_id} (org-wide, {len(teams) - 1} workspaces known)"
        elif team_id is not None:
            await store.mark_uninstalled(
                session=session, team_id=team_id, enterprise_id=enterprise_id, now=now
            )
            teams = [team_id]
            gone = f"Workspace {team_id}"
        else:
            return 0
        cancelled = await store.stop_sending(session=session, team_ids=teams, now=now)
    services.workspaces.clear()
    if services.installations is not None:
        await services.installations.forget(
            team_id=None if org_wide else team_id, enterprise_id=enterprise_id
        )
    log.info(
        "%s uninstalled: %d unsent messages cancelled; its data is deleted in %g days",
        gone,
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
