"""The reads behind a person's App Home. The caller owns the transaction.

Each function is one SQL statement whatever the number of partnerships, so a Home view
costs a fixed handful of statements (no query per partnership).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.checks import latest_per_partnership
from bot.db.models import (
    Answer,
    Check,
    Meeting,
    NextStep,
    Participant,
    Partnership,
    ReflectionRequest,
)
from bot.domain.check_flow import Status
from bot.domain.next_steps import OPEN
from bot.domain.wording import CLIENT_SIDE

GONE_MEETINGS = ("cancelled", "deleted")

T = TypeVar("T")


@dataclass(frozen=True)
class PartnershipRow:
    id: int
    name: str
    channel_id: str
    led: bool = False  # the viewer created it or led one of its checks


@dataclass(frozen=True)
class CheckRow:
    partnership_id: int
    template_id: str
    template_name: str
    status: str
    mode: str
    deadline_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    summary: dict[str, Any] | None


@dataclass(frozen=True)
class ReflectionRow:
    request_id: int
    meeting_title: str
    ended_at: datetime
    partnership_name: str
    channel_id: str


@dataclass(frozen=True)
class Page(Generic[T]):
    """The first rows of a list, and how many there are in all."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def led_by(user_id: str) -> ColumnElement[bool]:
    """Partnerships the person created or led a check of."""
    led = select(Check.partnership_id).where(Check.lead_user_id == user_id)
    return or_(Partnership.created_by == user_id, Partnership.id.in_(led))


def involving(user_id: str) -> ColumnElement[bool]:
    """Partnerships the person created, led a check of, was named in or answered a check of,
    or was asked to reflect on a meeting of."""
    led = select(Check.partnership_id).where(Check.lead_user_id == user_id)
    named = (
        select(Check.partnership_id)
        .join(Participant, Participant.check_id == Check.id)
        .where(Participant.user_id == user_id)
    )
    # answers have no index by person: this reads them all, once per Home view
    answered = (
        select(Check.partnership_id)
        .join(Answer, Answer.check_id == Check.id)
        .where(Answer.user_id == user_id)
    )
    reflected = (
        select(Meeting.partnership_id)
        .join(ReflectionRequest, ReflectionRequest.meeting_id == Meeting.id)
        .where(ReflectionRequest.user_id == user_id)
    )
    return or_(
        Partnership.created_by == user_id,
        Partnership.id.in_(led),
        Partnership.id.in_(named),
        Partnership.id.in_(answered),
        Partnership.id.in_(reflected),
    )


async def partnerships(
    *, session: AsyncSession, where: ColumnElement[bool], limit: int, viewer: str = ""
) -> Page[PartnershipRow]:
    """Partnerships matching `where`, most recently active first (a check started or
    closed, else the partnership's creation), at most `limit` of them."""
    activity = (
        select(
            Check.partnership_id,
            func.max(func.coalesce(Check.closed_at, Check.created_at)).label("at"),
        )
        .group_by(Check.partnership_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                Partnership.id,
                Partnership.name,
                Partnership.channel_id,
                led_by(viewer).label("led"),
                func.count().over().label("total"),
            )
            .outerjoin(activity, activity.c.partnership_id == Partnership.id)
            .where(where)
            .order_by(
                func.coalesce(activity.c.at, Partnership.created_at).desc(),
                Partnership.id.desc(),
            )
            .limit(limit)
        )
    ).all()
    return Page(
        rows=[
            PartnershipRow(id=r.id, name=r.name, channel_id=r.channel_id, led=bool(r.led))
            for r in rows
        ],
        total=rows[0].total if rows else 0,
    )


async def latest_checks(
    *, session: AsyncSession, partnership_ids: Collection[int], verdict_template: str
) -> dict[int, tuple[CheckRow | None, CheckRow | None]]:
    """Per partnership: (its latest check, its latest summarised check of `verdict_template`),
    either may be None.

    One statement: the latest check of each status and template per partnership (a few rows
    each, and only a summarised one carries a summary).
    """
    if not partnership_ids:
        return {}
    ranked = (
        select(
            Check.partnership_id,
            Check.template_id,
            Check.template_name,
            Check.status,
            Check.mode,
            Check.deadline_at,
            Check.created_at,
            Check.closed_at,
            Check.id,
            func.row_number()
            .over(
                partition_by=(Check.partnership_id, Check.status, Check.template_id),
                order_by=(Check.created_at.desc(), Check.id.desc()),
            )
            .label("rank"),
        )
        # our side's own checks are not shown where the client's people may look
        .where(Check.partnership_id.in_(partnership_ids), Check.ours_only.is_(False))
        .subquery()
    )
    rows = (
        await session.execute(
            select(ranked, Check.summary)
            .join(Check, Check.id == ranked.c.id)
            .where(ranked.c.rank == 1)
        )
    ).all()
    found: dict[int, tuple[CheckRow | None, CheckRow | None]] = {}
    for row in rows:
        check = CheckRow(
            partnership_id=row.partnership_id,
            template_id=row.template_id,
            template_name=row.template_name,
            status=row.status,
            mode=row.mode,
            deadline_at=row.deadline_at,
            created_at=row.created_at,
            closed_at=row.closed_at,
            summary=row.summary if row.status == Status.SUMMARISED else None,
        )
        latest, summarised = found.get(check.partnership_id, (None, None))
        if latest is None or check.created_at > latest.created_at:
            latest = check
        if check.summary is not None and check.template_id == verdict_template:
            summarised = check
        found[check.partnership_id] = (latest, summarised)
    return found


async def open_steps_owned(
    *, session: AsyncSession, user_id: str, partnership_ids: Collection[int]
) -> dict[int, int]:
    """How many open next steps the person owns, per partnership (absent: none)."""
    if not partnership_ids:
        return {}
    rows = await session.execute(
        select(NextStep.partnership_id, func.count())
        .where(
            NextStep.partnership_id.in_(partnership_ids),
            NextStep.owner_user_id == user_id,
            NextStep.status == OPEN,
        )
        .group_by(NextStep.partnership_id)
    )
    return {partnership_id: count for partnership_id, count in rows}


async def waiting_reflections(
    *, session: AsyncSession, user_id: str, now: datetime, limit: int
) -> Page[ReflectionRow]:
    """The person's reflections still waiting on meetings that have ended (not cancelled or
    deleted), most recent meeting first, at most `limit` of them."""
    rows = (
        await session.execute(
            select(
                ReflectionRequest.id,
                Meeting.title,
                Meeting.ends_at,
                Partnership.name,
                Partnership.channel_id,
                func.count().over().label("total"),
            )
            .join(Meeting, Meeting.id == ReflectionRequest.meeting_id)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(
                ReflectionRequest.user_id == user_id,
                ReflectionRequest.status == "waiting",
                Meeting.ends_at <= now,
                Meeting.status.not_in(GONE_MEETINGS),
            )
            .order_by(Meeting.ends_at.desc(), ReflectionRequest.id.desc())
            .limit(limit)
        )
    ).all()
    return Page(
        rows=[
            ReflectionRow(
                request_id=r.id,
                meeting_title=r.title,
                ended_at=r.ends_at,
                partnership_name=r.name,
                channel_id=r.channel_id,
            )
            for r in rows
        ],
        total=rows[0].total if rows else 0,
    )


async def client_side_of(
    *, session: AsyncSession, user_id: str, partnership_ids: Collection[int]
) -> set[int]:
    """The listed partnerships whose latest check named `user_id` on the client side: there
    they don't act for our side (the rule `previous_client_side` feeds permissions)."""
    if not partnership_ids:
        return set()
    latest = latest_per_partnership(Check.partnership_id.in_(partnership_ids))
    found = await session.scalars(
        select(Check.partnership_id)
        .join(latest, latest.c.id == Check.id)
        .join(Participant, Participant.check_id == Check.id)
        .where(latest.c.rank == 1, Participant.user_id == user_id, Participant.side == CLIENT_SIDE)
    )
    return set(found)
