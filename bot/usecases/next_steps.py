"""Use cases of next steps: add one during a check, show open ones, mark one done."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import ids
from bot.blocks import next_steps as cards
from bot.db import checks as store
from bot.db import next_steps as steps_store
from bot.db.models import Check, NextStep, Partnership
from bot.domain.check_flow import Status
from bot.domain.next_steps import DONE, InvalidStep, clean_step
from bot.plumbing.errors import NotFound, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases import permissions

log = logging.getLogger(__name__)

FIELD_BLOCKS = {"text": "step_text", "owner": "step_owner", "due": "step_due"}


class StepFormInvalid(Exception):
    """Field-level problems with the next-step modal: block_id -> sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def next_step_form(services: Services, *, check_id: int, user_id: str) -> dict:
    """The modal for adding a next step to a running check."""
    async with services.db.reading() as session:
        check = await _open_check(session, check_id)
        name = check.partnership.name
    await permissions.require(services, ids.ADD_NEXT_STEP, _actor(check, user_id))
    return cards.next_step_modal(check_id=check_id, partnership_name=name)


def _actor(check: Check, user_id: str) -> permissions.Actor:
    return permissions.Actor(
        user_id=user_id,
        team_id=check.partnership.team_id,
        channel_id=check.channel_id,
        lead_id=check.lead_user_id,
    )


async def add_next_step(
    services: Services,
    *,
    check_id: int,
    user_id: str,
    text: str | None,
    owner: str | None,
    due: str | None,
) -> str:
    """Store a next step of a running check and note it in the channel; the channel id."""
    now = services.clock.now()
    try:
        what, owner_id, due_date = clean_step(text=text, owner=owner, due=due, today=now.date())
    except InvalidStep as invalid:
        raise StepFormInvalid(
            {FIELD_BLOCKS[field]: reason for field, reason in invalid.problems.items()}
        ) from None
    async with services.db.reading() as session:
        check = await _open_check(session, check_id)
    await permissions.require(services, ids.NEXT_STEP_VIEW, _actor(check, user_id))
    async with services.db.unit_of_work() as session:
        check = await _open_check(session, check_id)
        step = await steps_store.add_step(
            session=session,
            partnership_id=check.partnership_id,
            check_id=check_id,
            text=what,
            owner_user_id=owner_id,
            due_date=due_date,
            created_by=user_id,
            now=now,
        )
        info = _info(step)
        channel_id = check.channel_id
    text_, blocks = cards.step_added_message(info, user_id)
    try:
        await services.gateway.post_message(channel_id, text_, blocks)
    except SlackCallFailed:
        log.warning("Next step of check %s is saved but its note was not posted", check_id)
    return channel_id


async def post_carried_forward(services: Services, check_id: int) -> None:
    """At the start of a check, list the partnership's open next steps from earlier checks."""
    async with services.db.unit_of_work() as session:
        check = await store.load_check(session=session, check_id=check_id)
        if check is None:
            return
        steps = await steps_store.steps_carried_into(
            session=session,
            partnership_id=check.partnership_id,
            check_id=check_id,
            started_at=check.created_at,
        )
        name = check.partnership.name
    if not steps:
        return
    text, blocks = cards.carried_forward_message(name, [_info(s) for s in steps])
    try:
        await services.gateway.post_message(check.channel_id, text, blocks)
    except SlackCallFailed:
        log.warning("Could not list the open next steps at the start of check %s", check_id)


async def mark_done(
    services: Services, *, step_id: int, user_id: str, channel_id: str, message_ts: str | None
) -> bool:
    """Mark a carried-forward step done (anyone in its partnership's channel may) and refresh
    the list; False if it was done already."""
    now = services.clock.now()
    async with services.db.reading() as session:
        step = await steps_store.step(session=session, step_id=step_id)
        if step is None:
            raise NotFound("That next step no longer exists.")
        partnership = await session.get(Partnership, step.partnership_id)
    if partnership is not None:
        actor = permissions.Actor(
            user_id=user_id, team_id=partnership.team_id, channel_id=partnership.channel_id
        )
        await permissions.require(services, ids.MARK_STEP_DONE, actor)
    async with services.db.unit_of_work() as session:
        step = await steps_store.step(session=session, step_id=step_id)
        if step is None:
            raise NotFound("That next step no longer exists.")
        changed = await steps_store.mark_done(session=session, step_id=step_id, now=now)
        partnership_id = step.partnership_id
        running = await store.open_check_in_channel(session=session, channel_id=channel_id)
        listed: list[NextStep] = []
        name = ""
        if running is not None and running.partnership_id == partnership_id:
            listed = await steps_store.steps_carried_into(
                session=session,
                partnership_id=partnership_id,
                check_id=running.id,
                started_at=running.created_at,
            )
            partnership = await store.partnership_for_channel(
                session=session, channel_id=channel_id
            )
            name = partnership.name if partnership else ""
    if listed and message_ts:
        text, blocks = cards.carried_forward_message(
            name, [_info(s) for s in listed], marked_by=user_id
        )
        try:
            await services.gateway.update_message(channel_id, message_ts, text, blocks)
        except SlackCallFailed:
            log.warning("Could not refresh the list of next steps in %s", channel_id)
    return changed


async def _open_check(session: AsyncSession, check_id: int) -> Check:
    check = await store.load_check(session=session, check_id=check_id)
    if check is None:
        raise NotFound("That check no longer exists.")
    if check.status != Status.OPEN:
        raise UserError(
            "This check is closed, so next steps can no longer be added to it. Add them at "
            "the next check with its *Add next step* button."
        )
    return check


def _info(step: NextStep) -> cards.StepInfo:
    return cards.StepInfo(
        id=step.id,
        text=step.text,
        owner_user_id=step.owner_user_id,
        due=step.due_date,
        done=step.status == DONE,
    )
