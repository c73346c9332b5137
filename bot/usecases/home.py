"""A person opens the app's Home tab: publish their partnerships and waiting reflections;
and what its buttons do (open the latest summary, export a partnership).

Four read-only statements, whatever the number of partnerships; none takes SQLite's write
lock. Nobody is waiting for an answer, so a Slack refusal is logged (its error code only)
and dropped.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import home as cards
from bot.blocks.nudges import NudgeInfo
from bot.blocks.summary import private_summary_message
from bot.db import home as store
from bot.db import our_side as our_store
from bot.db.models import Partnership
from bot.domain.summary import Summary
from bot.plumbing.errors import NotAllowed, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases import practice
from bot.usecases.digest import build_digests, on_demand_since
from bot.usecases.export import export_for_partnership
from questions.bank import PARTNERSHIP_CHECK

log = logging.getLogger(__name__)


async def show_home(services: Services, *, user_id: str, team_id: str) -> None:
    """Publish the Home view of `user_id`; a workspace admin or a practice lead sees every
    partnership of `team_id` (and can export them); a workspace admin also sees the bank."""
    who = await practice.viewer(services, user_id=user_id, team_id=team_id)
    info = await load_home(services, user_id=user_id, team_id=team_id, admin=who.whole_workspace)
    info = replace(info, our_side=who.ours)
    if who.admin:
        info = replace(info, bank=await practice.bank_view(services, team_id=team_id))
    try:
        await services.gateway.publish_home(user_id, cards.home_view(info))
    except SlackCallFailed as failure:
        log.warning("Home tab not published: Slack answered %s", failure.error)


async def load_home(
    services: Services, *, user_id: str, team_id: str, admin: bool
) -> cards.HomeInfo:
    async with services.db.reading() as session:
        listed = await store.partnerships(
            session=session,
            where=_visible(user_id, team_id, admin=admin),
            limit=cards.PARTNERSHIPS_SHOWN,
            viewer=user_id,
        )
        ids = [row.id for row in listed.rows]
        checks = await store.latest_checks(
            session=session, partnership_ids=ids, verdict_template=PARTNERSHIP_CHECK
        )
        steps = await store.open_steps_owned(session=session, user_id=user_id, partnership_ids=ids)
        waiting = await store.waiting_reflections(
            session=session,
            user_id=user_id,
            now=services.clock.now(),
            limit=cards.REFLECTIONS_SHOWN,
        )
        led = await _led(services, session, user_id, ids)
        named_client = await store.client_side_of(
            session=session, user_id=user_id, partnership_ids=ids
        )
    return cards.HomeInfo(
        led=led,
        whole_workspace=admin,
        partnerships=[
            _card(
                row,
                *checks.get(row.id, (None, None)),
                steps.get(row.id, 0),
                client_side=row.id in named_client,
            )
            for row in listed.rows
        ],
        more_partnerships=listed.more,
        reflections=[_nudge(row) for row in waiting.rows],
        more_reflections=waiting.more,
    )


async def open_latest_summary(
    services: Services, *, trigger_id: str, user_id: str, team_id: str, channel_id: str
) -> None:
    """Home's *Open latest summary*: the partnership check's latest summary in a modal, for
    someone who sees that partnership on their Home tab."""
    who = await practice.viewer(services, user_id=user_id, team_id=team_id)
    async with services.db.reading() as session:
        found = await store.partnerships(
            session=session,
            where=and_(
                Partnership.channel_id == channel_id,
                _visible(user_id, team_id, admin=who.whole_workspace),
            ),
            limit=1,
        )
        if not found.rows:
            raise NotAllowed("That partnership isn't one of yours, so I can't show its summary.")
        checks = await store.latest_checks(
            session=session, partnership_ids=[found.rows[0].id], verdict_template=PARTNERSHIP_CHECK
        )
    _, summarised = checks.get(found.rows[0].id, (None, None))
    if summarised is None or summarised.summary is None:
        raise UserError("This partnership has no summary of a partnership check yet.")
    _, blocks = private_summary_message(Summary.from_json(summarised.summary))
    await services.gateway.open_view(trigger_id, cards.summary_modal(blocks))


async def export_to_dm(services: Services, *, user_id: str, team_id: str, channel_id: str) -> None:
    """Home's *Export*: the partnership's report (Markdown) and data (CSV, JSON, with names)
    as files in the person's DM with the app, as `partnercheck export` writes them. For the
    partnership's lead (who started it or led one of its checks), workspace admins and
    practice leads."""
    who = await practice.viewer(services, user_id=user_id, team_id=team_id)
    mine = and_(Partnership.team_id == team_id, store.led_by(user_id))
    async with services.db.reading() as session:
        found = await store.partnerships(
            session=session,
            where=and_(
                Partnership.channel_id == channel_id,
                Partnership.team_id == team_id if who.whole_workspace else mine,
            ),
            limit=1,
        )
    if not found.rows:
        raise NotAllowed(
            "Only the partnership's lead, workspace admins and practice leads can export its data."
        )
    name = found.rows[0].name
    for fmt in ("markdown", "csv", "json"):  # a report to paste, and the data behind it
        filename, content = await export_for_partnership(services, channel_id=channel_id, fmt=fmt)
        await services.gateway.upload_to_person(
            user_id,
            content=content.encode("utf-8"),
            filename=filename,
            title=f"{name}: every check and answer ({fmt.upper()})",
        )


async def explain_self_check(services: Services, *, trigger_id: str) -> None:
    """Home's *Start a self-check*: a self-check starts from the partnership's channel."""
    await services.gateway.open_view(trigger_id, cards.self_check_modal())


def _visible(user_id: str, team_id: str, *, admin: bool) -> ColumnElement[bool]:
    """The partnerships a person's Home tab lists: all of the workspace's for an admin."""
    if admin:
        return Partnership.team_id == team_id
    return and_(Partnership.team_id == team_id, store.involving(user_id))


async def _led(
    services: Services, session: AsyncSession, user_id: str, partnership_ids: list[int]
) -> list[cards.LeadCard]:
    """Our side's own material of the listed partnerships `user_id` leads: the digest of
    reflections so far and the latest self-check. One read, and four more for a lead,
    however many partnerships they lead."""
    leads = await our_store.leads(session=session, partnership_ids=partnership_ids)
    mine = [pid for pid in partnership_ids if leads.get(pid) == user_id][: cards.LED_SHOWN]
    if not mine:
        return []
    self_checks = await our_store.latest_our_side_summaries(session=session, partnership_ids=mine)
    partnerships = {
        partnership.id: partnership
        for partnership in await session.scalars(
            select(Partnership).where(Partnership.id.in_(mine))
        )
    }
    now = services.clock.now()
    digests = await build_digests(
        session,
        {pid: (p, on_demand_since(p, now)) for pid, p in partnerships.items()},
        now,
    )
    found: list[cards.LeadCard] = []
    for partnership_id in mine:
        partnership = partnerships.get(partnership_id)
        if partnership is None:
            continue
        stored, at = self_checks.get(partnership_id, (None, None))
        found.append(
            cards.LeadCard(
                name=partnership.name,
                channel_id=partnership.channel_id,
                digest=digests[partnership_id],
                self_check=Summary.from_json(stored) if stored else None,
                self_checked_at=at,
            )
        )
    return found


def _card(
    row: store.PartnershipRow,
    latest: store.CheckRow | None,
    summarised: store.CheckRow | None,
    open_steps: int,
    *,
    client_side: bool,
) -> cards.PartnershipCard:
    summary = summarised.summary if summarised is not None else None
    return cards.PartnershipCard(
        name=row.name,
        channel_id=row.channel_id,
        latest=_check_line(latest) if latest is not None else None,
        summary=Summary.from_json(summary) if summary else None,
        summarised_at=(summarised.closed_at or summarised.created_at) if summarised else None,
        open_steps=open_steps,
        led=row.led,
        client_side=client_side,
    )


def _check_line(check: store.CheckRow) -> cards.CheckLine:
    return cards.CheckLine(
        template_name=check.template_name,
        status=check.status,
        mode=check.mode,
        started_at=check.created_at,
        deadline_at=check.deadline_at,
        closed_at=check.closed_at,
    )


def _nudge(row: store.ReflectionRow) -> NudgeInfo:
    return NudgeInfo(
        request_id=row.request_id,
        meeting_title=row.meeting_title,
        partnership_name=row.partnership_name,
        channel_id=row.channel_id,
        ended_at=row.ended_at,
    )
