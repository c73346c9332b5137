"""Recurring checks: `/partnership schedule`, and the tick that starts the ones due.

due schedule ──claim (compare-and-set next_due_at → the next run)──▶ start_check (async)
                                                                       │
                                                          DM the lead: started, or why not
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import meetings as cards
from bot.blocks.text import escape
from bot.db import meetings as store
from bot.db import workspaces as workspace_store
from bot.db.models import CheckSchedule, Partnership
from bot.domain.check_schedule import EVERY, first_run, next_run
from bot.domain.wording import count_phrase
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases.checks import CheckForm, FormInvalid, previous_client_side, start_check
from bot.usecases.partnerships import require_partnership
from bot.usecases.self_check import SELF_CHECK_TEMPLATE, start_self_check
from bot.usecases.workspaces import working_for

log = logging.getLogger(__name__)

OPEN_DAYS = 3
DEFAULT_TEMPLATE = "partnership_check"
NOT_SCHEDULABLE = frozenset({"reflection"})  # reflections follow meetings, by DM


async def schedule_command(services: Services, *, channel_id: str, user_id: str, rest: str) -> str:
    """`schedule` lists; `schedule [template] <every>` sets; `schedule off [template]` stops."""
    words = rest.lower().split()
    partnership = await require_partnership(services, channel_id, then="set the schedule")
    if not words:
        return await _listing(services, partnership)
    if words[0] == "off":
        template_id = _template(services, words[1]) if len(words) > 1 else None
        async with services.db.unit_of_work() as session:
            stopped = await store.stop_schedules(
                session=session, partnership_id=partnership.id, template_id=template_id
            )
        if not stopped:
            return "There was no recurring check to stop here. " + await _listing(
                services, partnership
            )
        return f"Stopped {count_phrase(stopped, 'recurring check')} in this channel."
    every = words[-1]
    if every not in EVERY or len(words) > 2:
        raise UserError(
            "I didn't follow that. Try `/partnership schedule partnership_check monthly` "
            "(every: weekly, fortnightly, monthly or quarterly), or `/partnership schedule` "
            "to see what is set."
        )
    template_id = _template(services, words[0]) if len(words) == 2 else DEFAULT_TEMPLATE
    now = services.clock.now()
    due = first_run(now, every, await _zone(services, user_id))
    async with services.db.unit_of_work() as session:
        await store.save_schedule(
            session=session,
            partnership_id=partnership.id,
            template_id=template_id,
            every=every,
            lead_user_id=user_id,
            next_due_at=due,
            now=now,
        )
    return cards.schedule_set_text(_row(services, template_id, every, due, user_id))


async def run_due_schedules(services: Services) -> int:
    """Start every recurring check that is due; returns how many this process started."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        due = await store.due_schedules(session=session, now=now)
    started = 0
    async with services.db.unit_of_work() as session:
        teams = await workspace_store.teams_of_partnerships(
            session=session, partnership_ids=[schedule.partnership_id for schedule in due]
        )
    for schedule in due:
        try:
            async with working_for(services, teams.get(schedule.partnership_id)) as installed:
                if installed:
                    started += await _run(services, schedule, now)
        except Exception as error:  # one bad schedule must not stop the others
            log.error(
                "Recurring check %s failed: %s", schedule.id, type(error).__name__, exc_info=error
            )
    return started


async def _run(services: Services, schedule: CheckSchedule, now: datetime) -> int:
    following = next_run(
        schedule.next_due_at,
        schedule.every,
        await _zone(services, schedule.lead_user_id),
        now=now,
    )
    async with services.db.unit_of_work() as session:
        claimed = await store.claim_schedule(
            session=session,
            schedule_id=schedule.id,
            due_at=schedule.next_due_at,
            next_due_at=following,
        )
        partnership = await store.partnership(
            session=session, partnership_id=schedule.partnership_id
        )
        clients = await previous_client_side(session, schedule.partnership_id)
    if not claimed or partnership is None:
        return 0  # another process claimed it first
    template = services.bank.templates.get(schedule.template_id)
    name = template.name if template else schedule.template_id
    deadline = now + timedelta(days=OPEN_DAYS)
    form = CheckForm(
        team_id=partnership.team_id,
        channel_id=partnership.channel_id,
        lead_user_id=schedule.lead_user_id,
        partnership_name=partnership.name,
        template_id=schedule.template_id,
        client_user_ids=tuple(c for c in clients if c != schedule.lead_user_id),
        mode="async",
        deadline_at=deadline,
        anonymous=False,
        # one check per run, even if this run were somehow repeated
        view_id=f"schedule:{schedule.id}:{schedule.next_due_at:%Y%m%dT%H%MZ}",
    )
    try:
        started = await _start(services, form, following)
    except (UserError, FormInvalid) as problem:
        reason = problem.message if isinstance(problem, UserError) else str(problem)
        await _tell_lead(
            services,
            schedule.lead_user_id,
            cards.scheduled_check_failed_text(
                channel_id=partnership.channel_id,
                template_name=name,
                reason=reason,
                next_due_at=following,
            ),
        )
        return 0
    if started is None:
        return 0
    await _tell_lead(services, schedule.lead_user_id, started)
    return 1


async def _start(services: Services, form: CheckForm, following: datetime) -> str | None:
    """Start a run of the schedule; what to tell its lead, or None if it ran already.

    The self-check goes privately to our side, by DM (never in the channel); other
    templates start in the channel.
    """
    if form.template_id == SELF_CHECK_TEMPLATE:
        started = await start_self_check(
            services,
            team_id=form.team_id,
            channel_id=form.channel_id,
            user_id=form.lead_user_id,
            days=OPEN_DAYS,
            source_key=form.view_id,
        )
        if started is None:
            return None
        return f"{started.text()} {cards.next_run_text(following)}"
    if await start_check(services, form) is None:
        return None
    template = services.bank.templates[form.template_id]
    return cards.scheduled_check_started_text(
        channel_id=form.channel_id,
        template_name=template.name,
        deadline=form.deadline_at or following,
        next_due_at=following,
    )


async def _tell_lead(services: Services, user_id: str, text: str) -> None:
    try:
        channel = await services.gateway.open_dm(user_id)
        await services.gateway.post_message(channel, text)
    except SlackCallFailed:
        log.warning("Could not tell the lead of a recurring check what happened")


async def _listing(services: Services, partnership: Partnership) -> str:
    async with services.db.unit_of_work() as session:
        schedules = await store.schedules_of(session=session, partnership_id=partnership.id)
    return cards.schedules_text(
        [_row(services, s.template_id, s.every, s.next_due_at, s.lead_user_id) for s in schedules]
    )


def _row(
    services: Services, template_id: str, every: str, due: datetime, lead: str
) -> cards.ScheduleRow:
    template = services.bank.templates.get(template_id)
    return cards.ScheduleRow(
        template_name=template.name if template else template_id,
        every=every,
        next_due_at=due,
        lead_user_id=lead,
    )


def _template(services: Services, word: str) -> str:
    # in the channel, only templates asked of both sides; of our side's own, the self-check,
    # which goes by DM (a practice's own our-side template has no private route)
    choices = [
        t.id
        for t in services.bank.templates.values()
        if t.id not in NOT_SCHEDULABLE and (t.asked_of_both_sides or t.id == SELF_CHECK_TEMPLATE)
    ]
    wanted = word.strip().lower().replace("-", "_")
    if wanted in choices:
        return wanted
    raise UserError(
        f"I don't know the template `{escape(wanted[:40])}`. Pick one of: "
        + ", ".join(f"`{t}`" for t in choices)
        + "."
    )


async def _zone(services: Services, user_id: str) -> ZoneInfo:
    try:
        return ZoneInfo((await services.gateway.user(user_id)).tz)
    except (SlackCallFailed, ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
