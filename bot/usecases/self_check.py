"""The consultant self-check, run privately for our side.

`/partnership self-check` in the partnership's channel (or its recurring schedule):

    our side only? ──no──▶ refused, naming who can
         │yes
    store the check (ours_only: never blocks nor shows in the channel's checks)
         │
    DM each of our people in the channel: *Answer now* (the async answers form), deadline
         │
    deadline (or the lead's *Close now*) ──▶ summary to the internal channel or the lead's
                                              DM, and the lead's App Home

Nothing of it is ever posted in the channel shared with the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.blocks import our_side as cards
from bot.plumbing.errors import UserError
from bot.plumbing.numbers import row_id
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.slack.members import of_workspace, people_in
from bot.usecases.checks import CheckForm, create_check, forget_check, require_our_side
from bot.usecases.our_side import summary_destination

log = logging.getLogger(__name__)

SELF_CHECK_TEMPLATE = "self_check"
OPEN_DAYS = 3
MAX_OPEN_DAYS = 30
SELF_CHECK_PEOPLE_MAX = 1000  # channel members looked at for our side of a self-check


@dataclass(frozen=True)
class SelfCheckStarted:
    check_id: int
    channel_id: str
    reached: tuple[str, ...]
    missed: tuple[str, ...]
    deadline_at: datetime
    summary_to: str

    def text(self) -> str:
        return cards.self_check_started_text(
            channel_id=self.channel_id,
            reached=self.reached,
            missed=self.missed,
            deadline_at=self.deadline_at,
            summary_to=self.summary_to,
        )


def open_days(rest: str) -> int:
    """`/partnership self-check [days]`: how many days it stays open (default 3)."""
    words = rest.split()
    if not words:
        return OPEN_DAYS
    days = row_id(words[0]) if len(words) == 1 else None
    if days is not None and 1 <= days <= MAX_OPEN_DAYS:
        return days
    raise UserError(
        "Try `/partnership self-check` (open for three days) or `/partnership self-check 5` "
        f"(open for that many days, 1 to {MAX_OPEN_DAYS})."
    )


async def start_self_check(
    services: Services,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    days: int = OPEN_DAYS,
    source_key: str | None = None,
) -> SelfCheckStarted | None:
    """Start the self-check for our side of the channel's partnership and DM our people.

    None when `source_key` (a schedule's run) was used before. Refuses people who are not
    on our side, a channel without a partnership, and a self-check already open.
    """
    if SELF_CHECK_TEMPLATE not in services.bank.templates:
        raise UserError("This workspace's question bank has no consultant self-check.")
    partnership, clients = await require_our_side(
        services,
        user_id=user_id,
        team_id=team_id,
        channel_id=channel_id,
        action="/partnership self-check",
    )
    if partnership is None:
        raise UserError(
            "This channel has no partnership yet. Start one with `/partnership check` or log a "
            "meeting with `/partnership meeting`, then run the self-check."
        )
    people = await our_people(services, channel_id, partnership.team_id, clients)
    if user_id not in people:
        people.insert(0, user_id)
    deadline = services.clock.now() + timedelta(days=days)
    form = CheckForm(
        team_id=partnership.team_id,
        channel_id=partnership.channel_id,
        lead_user_id=user_id,
        partnership_name=partnership.name,
        template_id=SELF_CHECK_TEMPLATE,
        client_user_ids=tuple(c for c in clients if c != user_id),
        mode="async",
        deadline_at=deadline,
        anonymous=False,
        view_id=source_key,
    )
    check_id = await create_check(services, form, ours_only=True)
    if check_id is None:
        return None
    template = services.bank.templates[SELF_CHECK_TEMPLATE]
    total = len(template.question_ids)
    reached: list[str] = []
    missed: list[str] = []
    for person in people:
        text, blocks = cards.self_check_invitation(
            check_id=check_id,
            partnership_name=partnership.name,
            template_name=template.name,
            total=total,
            deadline_at=deadline,
            lead_user_id=user_id,
            for_lead=person == user_id,
        )
        try:
            dm = await services.gateway.open_dm(person)
            await services.gateway.post_message(dm, text, blocks)
        except SlackCallFailed as failure:
            log.warning("Could not send a self-check invitation: %s", failure.error)
            missed.append(person)
            continue
        reached.append(person)
    if not reached:
        await forget_check(services, check_id)
        raise UserError(
            "I couldn't message anyone on our side, so no self-check was started. "
            "Try again in a minute."
        )
    return SelfCheckStarted(
        check_id=check_id,
        channel_id=partnership.channel_id,
        reached=tuple(reached),
        missed=tuple(missed),
        deadline_at=deadline,
        summary_to=summary_destination(partnership, user_id),
    )


async def our_people(
    services: Services, channel_id: str, team_id: str, clients: list[str]
) -> list[str]:
    """Members of the channel on our side: our workspace, not guests, not bots, not named
    client side. A channel Slack won't list gives nobody (the caller adds the lead)."""
    try:
        people = await people_in(services.gateway, channel_id, limit=SELF_CHECK_PEOPLE_MAX)
    except SlackCallFailed:
        return []
    return [
        person.id for person in people if of_workspace(person, team_id) and person.id not in clients
    ]
