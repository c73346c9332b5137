"""Who may do what: one rule per action, in one table (the README's "Who may do what").

Every slash subcommand, button or menu (its action_id) and form (its callback_id) has a row in
RULES; tests/usecases/test_permissions_table.py fails for one without. A rule lists the kinds
of people allowed (any of them will do); a refusal is a sentence naming who can.

To add a row for a new action (a subcommand's key is "/partnership <name>"; a button's its
action_id; a form's its callback_id):
1. add it to RULES, choosing the kinds of people from `Who` and what they do as a verb phrase:
       "/partnership digest": Rule((Who.OUR_MEMBER,), "read the digest"),
2. add the same key to tests/usecases/permission_table.EXPECTED (e.g. OUR_MEMBER) and a line
   to the README's table;
3. where the action starts, call `require(services, "<key>", Actor(...))` (handlers have
   `handlers.common.require(services, key, body)` for the person and channel of a request),
   or `permits(RULES[key], Person(...))` where the facts are already at hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select

from bot.blocks import ids
from bot.db import practice as practice_store
from bot.db.home import involving
from bot.db.models import Partnership
from bot.plumbing.errors import NotAllowed, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.slack.members import admin_of, of_workspace


class Who(Enum):
    ANYONE = "anyone"
    IN_CHANNEL = "people in the channel (either side, guests included)"
    OUR_SIDE = "our side: members of our workspace, not guests, not named client side"
    OUR_MEMBER = "our side, in the channel"
    LEAD = "the check's lead"
    ADMIN = "an admin or owner of our workspace"
    OWNER = "the person it is for (who was asked to reflect, or who logged the meeting)"
    INVOLVED = (
        "people the partnership involves (who started it, led, were named in or answered one "
        "of its checks, or were asked to reflect on one of its meetings)"
    )
    PRACTICE_LEAD = "a practice lead of our workspace (`/partnership admins`)"


@dataclass(frozen=True)
class Rule:
    allows: tuple[Who, ...]
    doing: str
    """What the action does, as in "Only … can <doing>"."""


@dataclass(frozen=True)
class Person:
    """What is true of the person acting, relative to the action's channel and check."""

    in_channel: bool = False
    our_side: bool = False
    lead: bool = False
    admin: bool = False
    owner: bool = False
    involved: bool = False
    practice_lead: bool = False

    def is_(self, who: Who) -> bool:
        return {
            Who.ANYONE: True,
            Who.IN_CHANNEL: self.in_channel,
            Who.OUR_SIDE: self.our_side,
            Who.OUR_MEMBER: self.our_side and self.in_channel,
            Who.LEAD: self.lead,
            Who.ADMIN: self.admin,
            Who.OWNER: self.owner,
            Who.INVOLVED: self.involved,
            Who.PRACTICE_LEAD: self.practice_lead,
        }[who]


def permits(rule: Rule, person: Person) -> bool:
    return any(person.is_(who) for who in rule.allows)


STEERING = (Who.LEAD, Who.ADMIN)

RULES: dict[str, Rule] = {
    # slash subcommands
    "/partnership help": Rule((Who.ANYONE,), "see the help"),
    "/partnership settings": Rule((Who.ANYONE,), "change their own reflection settings"),
    "/partnership check": Rule(
        (Who.OUR_SIDE,), "start a check or change the partnership's settings"
    ),
    "/partnership summary": Rule((Who.IN_CHANNEL,), "see this channel's summary"),
    "/partnership history": Rule((Who.IN_CHANNEL,), "see this channel's history"),
    "/partnership meeting": Rule((Who.OUR_SIDE,), "log a meeting"),
    "/partnership meetings": Rule((Who.OUR_SIDE,), "see the meetings and their reflections"),
    "/partnership calendar": Rule((Who.OUR_MEMBER,), "see the calendar feed"),
    "/partnership calendar <url>": Rule((Who.OUR_MEMBER,), "follow a calendar feed"),
    "/partnership calendar off": Rule((Who.OUR_MEMBER,), "stop the calendar feed"),
    "/partnership schedule": Rule((Who.OUR_MEMBER,), "see the repeating checks"),
    "/partnership schedule <every>": Rule((Who.OUR_MEMBER,), "set a repeating check"),
    "/partnership schedule off": Rule((Who.OUR_MEMBER,), "stop a repeating check"),
    # buttons and menus in check messages
    ids.ANSWER: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.ANSWER_SELECT: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.WRITE_ANSWER: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.ADD_COMMENT: Rule((Who.IN_CHANNEL,), "comment on its check"),
    ids.ANSWER_NOW: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.NEXT_QUESTION: Rule(STEERING, "move to the next question"),
    ids.CLOSE_CHECK: Rule(STEERING, "close this check"),
    ids.SHARE_SUMMARY: Rule((Who.IN_CHANNEL,), "share its summary"),
    ids.ADD_NEXT_STEP: Rule((Who.IN_CHANNEL,), "add a next step to its check"),
    ids.MARK_STEP_DONE: Rule((Who.IN_CHANNEL,), "mark its next steps done"),
    # reflection messages (DMs) and meetings
    ids.REFLECT_NOW: Rule((Who.OWNER,), "open this reflection"),
    ids.SNOOZE_NUDGE: Rule((Who.OWNER,), "snooze this reflection"),
    ids.SKIP_NUDGE: Rule((Who.OWNER,), "skip this reflection"),
    ids.MEETING_MENU: Rule((Who.OWNER, Who.LEAD, Who.ADMIN), "cancel or delete this meeting"),
    # forms
    ids.START_CHECK_VIEW: Rule(
        (Who.OUR_SIDE,), "start a check or change the partnership's settings"
    ),
    ids.COMMENT_VIEW: Rule((Who.IN_CHANNEL,), "comment on its check"),
    ids.TEXT_ANSWER_VIEW: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.ASYNC_ANSWERS_VIEW: Rule((Who.IN_CHANNEL,), "answer its check"),
    ids.NEXT_STEP_VIEW: Rule((Who.IN_CHANNEL,), "add a next step to its check"),
    ids.REFLECTION_VIEW: Rule((Who.OWNER,), "answer this reflection"),
    ids.MEETING_VIEW: Rule((Who.OUR_SIDE,), "log a meeting"),
    # our side's own material (never in the shared channel)
    "/partnership self-check": Rule((Who.OUR_SIDE,), "run a self-check"),
    "/partnership internal": Rule((Who.OUR_SIDE,), "see or set the internal channel"),
    "/partnership digest": Rule((Who.OUR_SIDE,), "read the digest of our reflections"),
    # a person's own data, and the practice
    "/partnership my": Rule((Who.ANYONE,), "get their own data"),
    "/partnership forget": Rule((Who.ANYONE,), "have their own data deleted"),
    ids.FORGET_ME_VIEW: Rule((Who.ANYONE,), "have their own data deleted"),
    "/partnership admins": Rule((Who.ADMIN,), "see or change the practice leads"),
    ids.RETIRE_QUESTION: Rule((Who.ADMIN,), "retire a question"),
    ids.RESTORE_QUESTION: Rule((Who.ADMIN,), "bring a question back"),
    ids.EXPORT_PARTNERSHIPS: Rule((Who.ADMIN, Who.PRACTICE_LEAD), "export every partnership"),
    # the Home tab's buttons
    ids.HOME_LOG_MEETING: Rule((Who.OUR_SIDE,), "log a meeting"),
    ids.HOME_OPEN_SUMMARY: Rule(
        (Who.INVOLVED, Who.ADMIN, Who.PRACTICE_LEAD), "open this partnership's latest summary"
    ),
    ids.HOME_EXPORT: Rule((Who.LEAD, Who.ADMIN, Who.PRACTICE_LEAD), "export this partnership"),
    ids.HOME_SELF_CHECK: Rule((Who.ANYONE,), "read how a self-check starts"),
    # events
    "event app_home_opened": Rule((Who.ANYONE,), "see their own Home tab"),
    # Slack's own signed events about the workspace the app is installed in
    "event app_uninstalled": Rule((Who.ANYONE,), "report the app uninstalled"),
    "event tokens_revoked": Rule((Who.ANYONE,), "report the app's token revoked"),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting, and the facts of the action a rule may need (only those are looked up)."""

    user_id: str
    team_id: str
    channel_id: str | None = None
    lead_id: str | None = None
    owner_id: str | None = None
    client_side: frozenset[str] = frozenset()
    ask_id: str | None = None
    """Whom a refusal suggests asking (default: the lead)."""


async def allowed(services: Services, action: str, actor: Actor) -> bool:
    """Whether `actor` may do `action` (see RULES)."""
    for who in RULES[action].allows:
        if await _is(services, who, actor):
            return True
    return False


async def require(services: Services, action: str, actor: Actor) -> None:
    """Raise NotAllowed, naming who can, unless `actor` may do `action` (see RULES)."""
    if not await allowed(services, action, actor):
        raise NotAllowed(refusal(RULES[action], actor))


def refusal(rule: Rule, actor: Actor) -> str:
    """ "Only <who> can <doing>", and whom to ask when someone else is named."""
    names = dict.fromkeys(_name(who, actor) for who in rule.allows)  # one person, named once
    text = f"Only {_either(names)} can {rule.doing}"
    contact = actor.ask_id or actor.lead_id
    if contact and contact != actor.user_id and Who.LEAD not in rule.allows:
        text += f"; ask <@{contact}>"
        if Who.IN_CHANNEL in rule.allows:
            text += " to invite you to the channel"
    return text + "."


def _name(who: Who, actor: Actor) -> str:
    where = f"<#{actor.channel_id}>" if actor.channel_id else "the channel"
    return {
        Who.ANYONE: "anyone",
        Who.IN_CHANNEL: f"people in {where}",
        Who.OUR_SIDE: "our side of the partnership (members of this workspace who are not "
        "guests and not answering for the client)",
        Who.OUR_MEMBER: f"our side of the partnership in {where} (members of this workspace "
        "who are not guests and not answering for the client)",
        Who.LEAD: f"<@{actor.lead_id}>" if actor.lead_id else "the lead",
        Who.ADMIN: "a workspace admin or owner",
        Who.OWNER: f"<@{actor.owner_id}>" if actor.owner_id else "the person it is for",
        Who.INVOLVED: "people in this partnership",
        Who.PRACTICE_LEAD: "a practice lead",
    }[who]


def _either(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


async def _is(services: Services, who: Who, actor: Actor) -> bool:
    if who is Who.ANYONE:
        return True
    if who is Who.LEAD:
        return actor.user_id == actor.lead_id
    if who is Who.OWNER:
        return actor.user_id == actor.owner_id
    if who is Who.IN_CHANNEL:
        return await _in_channel(services, actor)
    if who is Who.OUR_SIDE:
        return await _our_side(services, actor)
    if who is Who.OUR_MEMBER:
        return await _our_side(services, actor) and await _in_channel(services, actor)
    if who is Who.INVOLVED:
        return await _involved(services, actor)
    if who is Who.PRACTICE_LEAD:
        async with services.db.reading() as session:
            return await practice_store.is_lead(
                session=session, team_id=actor.team_id, user_id=actor.user_id
            )
    return await _admin(services, actor)


async def _involved(services: Services, actor: Actor) -> bool:
    if not actor.channel_id:
        return False
    async with services.db.reading() as session:
        found = await session.scalar(
            select(Partnership.id).where(
                Partnership.channel_id == actor.channel_id, involving(actor.user_id)
            )
        )
    return found is not None


async def _in_channel(services: Services, actor: Actor) -> bool:
    if not actor.channel_id:
        return False
    try:
        return await services.members.contains(actor.channel_id, actor.user_id)
    except SlackCallFailed:
        raise UserError(
            "I couldn't check that you are in this channel just now. Please try again in a minute."
        ) from None


async def _our_side(services: Services, actor: Actor) -> bool:
    try:
        person = await services.gateway.user(actor.user_id)
    except SlackCallFailed:
        raise UserError(
            "I couldn't look you up in Slack just now. Please try again in a minute."
        ) from None
    return of_workspace(person, actor.team_id) and actor.user_id not in actor.client_side


async def _admin(services: Services, actor: Actor) -> bool:
    try:
        person = await services.gateway.user(actor.user_id)
    except SlackCallFailed:
        return False
    return admin_of(person, actor.team_id)
