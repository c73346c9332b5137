"""The permission table, written out once for the tests (and the README): every action × the
seven kinds of people. ✓ allowed, · refused with a sentence naming who can.

A new action needs one row here and one in bot/usecases/permissions.RULES."""

from __future__ import annotations

from bot.blocks import ids
from bot.usecases.permissions import Person

PERSONAS: dict[str, Person] = {
    "lead": Person(in_channel=True, our_side=True, lead=True, owner=True, involved=True),
    "our member": Person(in_channel=True, our_side=True, involved=True),
    "ours, not in the channel": Person(our_side=True),
    "client person": Person(in_channel=True, involved=True),
    "guest": Person(in_channel=True, involved=True),
    "our admin (not in the channel)": Person(our_side=True, admin=True),
    "client's admin": Person(in_channel=True),
}
"""The lead here is also the person the item is for (asked to reflect, logged the meeting);
the lead, our member, the client person and the guest answered the partnership's checks."""

ANYONE = "✓✓✓✓✓✓✓"
IN_CHANNEL = "✓✓·✓✓·✓"
OUR_SIDE = "✓✓✓··✓·"
OUR_MEMBER = "✓✓·····"
STEERING = "✓····✓·"
OWNER = "✓······"
ADMIN = "·····✓·"
INVOLVED_OR_ADMIN = "✓✓·✓✓✓·"

EXPECTED: dict[str, str] = {
    "/partnership self-check": OUR_SIDE,
    "/partnership internal": OUR_SIDE,
    "/partnership digest": OUR_SIDE,
    "/partnership my": ANYONE,
    "/partnership forget": ANYONE,
    ids.FORGET_ME_VIEW: ANYONE,
    "/partnership admins": ADMIN,
    ids.RETIRE_QUESTION: ADMIN,
    ids.RESTORE_QUESTION: ADMIN,
    ids.EXPORT_PARTNERSHIPS: ADMIN,  # and practice leads (none of these seven)
    ids.HOME_LOG_MEETING: OUR_SIDE,
    ids.HOME_OPEN_SUMMARY: INVOLVED_OR_ADMIN,  # and practice leads
    ids.HOME_EXPORT: STEERING,  # and practice leads
    ids.HOME_SELF_CHECK: ANYONE,
    "/partnership help": ANYONE,
    "/partnership settings": ANYONE,
    "/partnership check": OUR_SIDE,
    "/partnership summary": IN_CHANNEL,
    "/partnership history": IN_CHANNEL,
    "/partnership meeting": OUR_SIDE,
    "/partnership meetings": OUR_SIDE,
    "/partnership calendar": OUR_MEMBER,
    "/partnership calendar <url>": OUR_MEMBER,
    "/partnership calendar off": OUR_MEMBER,
    "/partnership schedule": OUR_MEMBER,
    "/partnership schedule <every>": OUR_MEMBER,
    "/partnership schedule off": OUR_MEMBER,
    ids.ANSWER: IN_CHANNEL,
    ids.ANSWER_SELECT: IN_CHANNEL,
    ids.WRITE_ANSWER: IN_CHANNEL,
    ids.ADD_COMMENT: IN_CHANNEL,
    ids.ANSWER_NOW: IN_CHANNEL,
    ids.NEXT_QUESTION: STEERING,
    ids.CLOSE_CHECK: STEERING,
    ids.SHARE_SUMMARY: IN_CHANNEL,
    ids.ADD_NEXT_STEP: IN_CHANNEL,
    ids.MARK_STEP_DONE: IN_CHANNEL,
    ids.REFLECT_NOW: OWNER,
    ids.SNOOZE_NUDGE: OWNER,
    ids.SKIP_NUDGE: OWNER,
    ids.MEETING_MENU: STEERING,  # or the person who logged it (the lead here)
    ids.START_CHECK_VIEW: OUR_SIDE,
    ids.COMMENT_VIEW: IN_CHANNEL,
    ids.TEXT_ANSWER_VIEW: IN_CHANNEL,
    ids.ASYNC_ANSWERS_VIEW: IN_CHANNEL,
    ids.NEXT_STEP_VIEW: IN_CHANNEL,
    ids.REFLECTION_VIEW: OWNER,
    ids.MEETING_VIEW: OUR_SIDE,
    "event app_home_opened": ANYONE,
    "event app_uninstalled": ANYONE,  # only Slack signs them; they name their workspace
    "event tokens_revoked": ANYONE,
}
