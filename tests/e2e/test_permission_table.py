"""The permission table, run through the real app with signed requests: each action below, by
each of the seven kinds of people, is either done or refused with a sentence naming who can
("Only … can …"). The observed table must equal tests/usecases/permission_table.EXPECTED."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import NextStep
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, button, start_check
from tests.e2e.summaryflow import add_next_step
from tests.support.harness import Harness
from tests.usecases.permission_table import EXPECTED, PERSONAS

CLIENT_TEAM = "T0CLIENT"
PEOPLE = {  # persona -> (user id, their workspace)
    "lead": (LEAD, "T0OURS"),
    "our member": ("U0OURS2", "T0OURS"),
    "ours, not in the channel": ("U0OUTSIDER", "T0OURS"),
    "client person": ("U0EXT1", CLIENT_TEAM),
    "guest": ("U0GUEST", "T0OURS"),
    "our admin (not in the channel)": ("U0ADMIN", "T0OURS"),
    "client's admin": ("U0CADMIN", CLIENT_TEAM),
}
COMMANDS = {
    "/partnership help": "help",
    "/partnership check": "check",
    "/partnership meeting": "meeting",
    "/partnership summary": "summary",
    "/partnership history": "history",
    "/partnership calendar": "calendar",
    "/partnership calendar off": "calendar off",
    "/partnership schedule": "schedule",
    "/partnership schedule <every>": "schedule weekly",
    "/partnership schedule off": "schedule off",
}


def meet_everyone(h: Harness) -> None:
    assert list(PEOPLE) == list(PERSONAS)
    h.fake.add_user("U0EXT1", team_id=CLIENT_TEAM)
    h.fake.add_user("U0GUEST", is_restricted=True)
    h.fake.add_user("U0ADMIN", is_admin=True)
    h.fake.add_user("U0CADMIN", team_id=CLIENT_TEAM, is_admin=True)
    in_channel = [user for name, (user, _) in PEOPLE.items() if PERSONAS[name].in_channel]
    h.fake.set_channel_members(CHANNEL, in_channel)


def refused(text: str) -> bool:
    return text.startswith("Only ")


async def by_command(h: Harness, text: str, user: str, team: str) -> bool:
    reply = await h.command(text, user_id=user, channel_id=CHANNEL, team_id="T0OURS")
    assert reply.status == 200, reply.text
    answer = reply.json() or {}
    return not refused(str(answer.get("text", "")))


async def by_click(h: Harness, element: dict[str, Any], user: str, team: str) -> bool:
    before = len(h.fake.calls)
    reply = await h.click(
        element["action_id"], element["value"], user_id=user, user_team_id=team, channel_id=CHANNEL
    )
    assert reply.status == 200, reply.text
    told = [
        c.args.get("text", "")
        for c in h.fake.calls[before:]
        if c.method == "chat.postEphemeral" and c.args.get("user") == user
    ]
    return not any(refused(text) for text in told)


async def test_the_permission_table_holds_through_the_app(harness: Harness) -> None:
    h = harness
    await start_check(h)
    question = {
        ids.ANSWER: answer_button(h, "4"),
        ids.ADD_NEXT_STEP: button(h, ids.ADD_NEXT_STEP),
        ids.NEXT_QUESTION: button(h, ids.NEXT_QUESTION),
    }
    close = button(h, ids.CLOSE_CHECK)
    meet_everyone(h)
    await add_next_step(h, user=LEAD, text="Send the plan", owner=LEAD, due=None)
    async with h.db().unit_of_work() as session:
        step_id = await session.scalar(select(NextStep.id))
    observed: dict[str, str] = {}

    async def row(action: str, attempt: Any) -> None:
        marks = ""
        for user, team in PEOPLE.values():
            marks += "✓" if await attempt(user, team) else "·"
        observed[action] = marks

    for action, text in COMMANDS.items():
        await row(action, lambda u, t, text=text: by_command(h, text, u, t))
    for action_id, element in question.items():
        await row(action_id, lambda u, t, e=element: by_click(h, e, u, t))
    mark = {"action_id": ids.MARK_STEP_DONE, "value": str(step_id)}
    await row(ids.MARK_STEP_DONE, lambda u, t: by_click(h, mark, u, t))
    await row(ids.CLOSE_CHECK, lambda u, t: by_click(h, close, u, t))
    share = {"action_id": ids.SHARE_SUMMARY, "value": close["value"]}
    await row(ids.SHARE_SUMMARY, lambda u, t: by_click(h, share, u, t))

    expected = {action: EXPECTED[action] for action in observed}
    assert observed == expected
