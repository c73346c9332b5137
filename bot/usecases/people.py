"""People's names for exports: read from storage, or asked of Slack once (users.info) and
stored with the person, so a later export needs no Slack call."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.db import people as store
from bot.db.engine import Database
from bot.domain.forgetting import FORGOTTEN
from bot.slack.gateway import SlackGateway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Named:
    name: str
    team_id: str | None  # the person's own workspace: their organisation


async def names_for(
    db: Database, gateway: SlackGateway | None, user_ids: Collection[str], *, now: datetime
) -> dict[str, Named]:
    """Everyone's name that storage or Slack knows; without a gateway, storage only."""
    wanted = {uid for uid in user_ids if uid and uid != FORGOTTEN}
    async with db.reading() as session:
        stored = await store.known(session=session, user_ids=wanted)
    names = {uid: Named(p.name, p.team_id) for uid, p in stored.items()}
    missing = sorted(wanted - set(names))
    if missing and gateway is not None:
        found = await gateway.users(missing)
        async with db.unit_of_work() as session:
            await store.remember(
                session=session, people=[(u.id, u.team_id, u.name) for u in found], now=now
            )
        names.update({u.id: Named(u.name, u.team_id) for u in found})
        if len(found) < len(missing):
            log.info("Export: Slack described %d of %d people", len(found), len(missing))
    return names
