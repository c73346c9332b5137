"""Storage of the workspaces the app is installed to, and of what leaves with one.

An Enterprise Grid organisation's org-wide install is a row keyed by its enterprise id
(team_id = enterprise_id = E..); each of its workspaces gets its own row (team_id = T..,
enterprise_id = E..) the first time a request comes from it. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    BOTS,
    Check,
    CheckSchedule,
    InstalledWorkspace,
    Partnership,
    Person,
    PersonSettings,
    PracticeLead,
    RetiredQuestion,
    ScheduledMessage,
    SlackPace,
)
from bot.db.upsert import insert_for

# Rows that still could go out: a row already `sending` is in Slack's hands.
UNSENT = ("pending", "claimed", "unsure", "checking")


async def workspace(*, session: AsyncSession, team_id: str) -> InstalledWorkspace | None:
    return await session.get(InstalledWorkspace, team_id)


async def mark_installed(
    *, session: AsyncSession, team_id: str, enterprise_id: str | None, now: datetime
) -> None:
    """Installed (again): whatever uninstall had started is called off."""
    await session.execute(
        insert_for(session, InstalledWorkspace)
        .values(team_id=team_id, enterprise_id=enterprise_id, installed_at=now)
        .on_conflict_do_update(
            index_elements=["team_id"],
            set_={"enterprise_id": enterprise_id, "installed_at": now, "uninstalled_at": None},
        )
    )


async def mark_org_installed(*, session: AsyncSession, enterprise_id: str, now: datetime) -> None:
    """An org-wide install (again): the organisation's row, and whatever uninstall had
    started for it and its workspaces is called off."""
    await mark_installed(
        session=session, team_id=enterprise_id, enterprise_id=enterprise_id, now=now
    )
    await session.execute(
        update(InstalledWorkspace)
        .where(_served_by_the_org(enterprise_id))
        .values(uninstalled_at=None)
    )


async def record_workspace(
    *, session: AsyncSession, team_id: str, enterprise_id: str, now: datetime
) -> None:
    """A workspace of an organisation installed org-wide, first heard from."""
    await session.execute(
        insert_for(session, InstalledWorkspace)
        .values(team_id=team_id, enterprise_id=enterprise_id, installed_at=now)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )


async def mark_uninstalled(
    *, session: AsyncSession, team_id: str, enterprise_id: str | None, now: datetime
) -> None:
    """Uninstalled since `now`, unless it already was (the first uninstall starts the wait)."""
    await session.execute(
        insert_for(session, InstalledWorkspace)
        .values(team_id=team_id, enterprise_id=enterprise_id, installed_at=now, uninstalled_at=now)
        .on_conflict_do_nothing(index_elements=["team_id"])
    )
    await session.execute(
        update(InstalledWorkspace)
        .where(InstalledWorkspace.team_id == team_id, InstalledWorkspace.uninstalled_at.is_(None))
        .values(uninstalled_at=now)
    )


async def mark_org_uninstalled(
    *, session: AsyncSession, enterprise_id: str, now: datetime
) -> list[str]:
    """The org-wide install is gone: the organisation and every workspace of it known here
    are uninstalled since `now` (unless they already were). Returns their team ids."""
    await mark_uninstalled(
        session=session, team_id=enterprise_id, enterprise_id=enterprise_id, now=now
    )
    of_the_org = _served_by_the_org(enterprise_id)
    await session.execute(
        update(InstalledWorkspace)
        .where(of_the_org, InstalledWorkspace.uninstalled_at.is_(None))
        .values(uninstalled_at=now)
    )
    return list(await session.scalars(select(InstalledWorkspace.team_id).where(of_the_org)))


def _served_by_the_org(enterprise_id: str) -> ColumnElement[bool]:
    """The organisation's workspaces known here, but not one with an install of its own (its
    own bot token): that one comes and goes by its own install."""
    own_install = select(BOTS.c.team_id).where(
        BOTS.c.team_id.is_not(None), BOTS.c.is_enterprise_install.is_(False)
    )
    return and_(
        InstalledWorkspace.enterprise_id == enterprise_id,
        InstalledWorkspace.team_id.not_in(own_install),
    )


async def stop_sending(*, session: AsyncSession, team_ids: Collection[str], now: datetime) -> int:
    """Cancel every message of the workspaces not yet sent and pause their recurring checks;
    returns how many messages were cancelled."""
    team_ids = list(team_ids)
    cancelled = await session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.team_id.in_(team_ids), ScheduledMessage.status.in_(UNSENT))
        .values(
            status="cancelled",
            claimed_by=None,
            lease_until=None,
            last_error="the app was uninstalled from the workspace",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(CheckSchedule)
        .where(
            CheckSchedule.partnership_id.in_(
                select(Partnership.id).where(Partnership.team_id.in_(team_ids))
            )
        )
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return max(cancelled.rowcount or 0, 0)


async def uninstalled_before(*, session: AsyncSession, cutoff: datetime) -> list[str]:
    """Workspaces uninstalled before `cutoff`, oldest first."""
    rows = await session.scalars(
        select(InstalledWorkspace.team_id)
        .where(InstalledWorkspace.uninstalled_at < cutoff)
        .order_by(InstalledWorkspace.uninstalled_at)
    )
    return list(rows)


async def delete_partnerships(*, session: AsyncSession, team_id: str, limit: int) -> int:
    """Delete up to `limit` of the workspace's partnerships; the database's ON DELETE CASCADE
    takes their checks, answers, participants, meetings, reflections, steps, feeds, signals
    and schedules with them. Returns how many partnerships went."""
    ids = list(
        await session.scalars(
            select(Partnership.id).where(Partnership.team_id == team_id).limit(limit)
        )
    )
    if ids:
        await session.execute(
            delete(Partnership)
            .where(Partnership.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


async def delete_the_rest(*, session: AsyncSession, team_id: str) -> None:
    """Once its partnerships are gone: the workspace's own rows, the names and settings kept
    for people seen in it, then the workspace.

    A stored name (`people`) carries the person's own workspace, a person's settings the
    workspace they were stored in. Those of another workspace the app knows (installed, or
    uninstalled and still within its retention) are that workspace's and stay; every other
    one (this workspace's, or a person of an organisation that never installed the app, such
    as a client answering in our Slack Connect channel) was kept for the workspaces whose
    partnerships the person is in, and goes with this one: another workspace still needing
    that name or time zone asks Slack again.
    """
    others = select(InstalledWorkspace.team_id).where(InstalledWorkspace.team_id != team_id)
    for person_table, person_team in (
        (Person, Person.team_id),
        (PersonSettings, PersonSettings.team_id),
    ):
        await session.execute(
            delete(person_table)
            .where(or_(person_team.is_(None), person_team.not_in(others)))
            .execution_options(synchronize_session=False)
        )
    for table, column in (
        (ScheduledMessage, ScheduledMessage.team_id),
        (PracticeLead, PracticeLead.team_id),
        (RetiredQuestion, RetiredQuestion.team_id),
        (SlackPace, SlackPace.team_id),
        (InstalledWorkspace, InstalledWorkspace.team_id),
    ):
        await session.execute(
            delete(table).where(column == team_id).execution_options(synchronize_session=False)
        )


async def teams_of_checks(*, session: AsyncSession, check_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Check.id, Partnership.team_id)
        .join(Partnership, Partnership.id == Check.partnership_id)
        .where(Check.id.in_(check_ids))
    )
    return {check_id: team_id for check_id, team_id in rows.all()}


async def teams_of_partnerships(
    *, session: AsyncSession, partnership_ids: list[int]
) -> dict[int, str]:
    rows = await session.execute(
        select(Partnership.id, Partnership.team_id).where(Partnership.id.in_(partnership_ids))
    )
    return {partnership_id: team_id for partnership_id, team_id in rows.all()}
