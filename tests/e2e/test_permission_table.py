"""The permission table, run through the real app with signed requests: each action below, by
each of the seven kinds of people, is either done or refused with a sentence naming who can
("Only … can …"). The observed table must equal tests/usecases/permission_table.EXPECTED.

Every slash subcommand (and its variants) and every button of a check, a reflection message
and the meetings list is run; the forms that add to a check too. The Home tab's buttons and
the remaining forms are checked against the same table in
tests/usecases/test_permissions_table.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db.models import Check, Meeting, NextStep, ReflectionRequest
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, button, start_check
from tests.e2e.summaryflow import add_next_step
from tests.meetings.test_meetings import form as meeting_form
from tests.support import signing
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
    # a loopback address: whoever may follow it is told it can't be read, not who may
    "/partnership calendar <url>": "calendar https://127.0.0.1/team.ics",
    "/partnership calendar off": "calendar off",
    "/partnership schedule": "schedule",
    "/partnership schedule <every>": "schedule weekly",
    "/partnership schedule off": "schedule off",
    "/partnership meetings": "meetings",
    "/partnership settings": "settings",
    "/partnership self-check": "self-check",
    "/partnership internal": "internal",
    "/partnership digest": "digest",
    "/partnership my": "my data",
    "/partnership forget": "forget me",
    "/partnership admins": "admins",
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


def told_since(h: Harness, before: int, user: str) -> list[str]:
    return [
        c.args.get("text", "")
        for c in h.fake.calls[before:]
        if c.method == "chat.postEphemeral" and c.args.get("user") == user
    ]


async def by_click(h: Harness, element: dict[str, Any], user: str, team: str) -> bool:
    before = len(h.fake.calls)
    reply = await h.click(
        element["action_id"],
        element.get("value", ""),
        user_id=user,
        user_team_id=team,
        channel_id=element.get("channel", CHANNEL),
        selected_option_value=element.get("selected"),
        action_type=element.get("type", "button"),
    )
    assert reply.status == 200, reply.text
    return not any(refused(text) for text in told_since(h, before, user))


async def by_submit(
    h: Harness, callback_id: str, values: dict[str, Any], metadata: str, user: str, team: str
) -> bool:
    before = len(h.fake.calls)
    reply = await h.submit(
        callback_id, values, private_metadata=metadata, user_id=user, user_team_id=team
    )
    assert reply.status == 200, reply.text
    errors = (reply.json() or {}).get("errors") or {} if reply.text else {}
    told = [*told_since(h, before, user), *errors.values()]
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

    # the forms that add to a check (their buttons were pressed above)
    async with h.db().unit_of_work() as session:
        check_id = await session.scalar(select(Check.id))
    comment = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("A remark")}}
    await row(
        ids.COMMENT_VIEW,
        lambda u, t: by_submit(h, ids.COMMENT_VIEW, comment, f"{check_id}:0", u, t),
    )
    step = {
        ids.STEP_TEXT_BLOCK: {ids.STEP_TEXT_INPUT: signing.plain_input("Send the plan")},
        ids.STEP_OWNER_BLOCK: {ids.STEP_OWNER_INPUT: signing.users_select(LEAD)},
        ids.STEP_DUE_BLOCK: {ids.STEP_DUE_INPUT: signing.datepicker(None)},
    }
    await row(
        ids.NEXT_STEP_VIEW,
        lambda u, t: by_submit(h, ids.NEXT_STEP_VIEW, step, str(check_id), u, t),
    )

    # a meeting the lead logged, and the reflection message it asks of the lead
    reply = await h.submit(
        ids.MEETING_VIEW,
        meeting_form(partnership=None, attendees=[LEAD]),
        private_metadata=CHANNEL,
        user_id=LEAD,
        view_id="V0MEETING",
    )
    assert reply.status == 200, reply.text
    h.clock.advance(timedelta(hours=1))
    await Dispatcher(h.services).run_once()
    async with h.db().unit_of_work() as session:
        meeting_id = await session.scalar(select(Meeting.id))
        request_id = await session.scalar(select(ReflectionRequest.id))
    assert meeting_id is not None and request_id is not None
    dm = f"D{LEAD}"
    reflect = {"action_id": ids.REFLECT_NOW, "value": str(request_id), "channel": dm}
    await row(ids.REFLECT_NOW, lambda u, t: by_click(h, reflect, u, t))
    snooze = {
        "action_id": ids.SNOOZE_NUDGE,
        "selected": f"{request_id}:tomorrow",
        "type": "static_select",
        "channel": dm,
    }
    await row(ids.SNOOZE_NUDGE, lambda u, t: by_click(h, snooze, u, t))
    skip = {"action_id": ids.SKIP_NUDGE, "value": str(request_id), "channel": dm}
    await row(ids.SKIP_NUDGE, lambda u, t: by_click(h, skip, u, t))
    menu = {"action_id": ids.MEETING_MENU, "selected": f"cancel:{meeting_id}", "type": "overflow"}
    await row(ids.MEETING_MENU, lambda u, t: by_click(h, menu, u, t))

    expected = {action: EXPECTED[action] for action in observed}
    assert observed == expected
    # everything the issue named, and every subcommand variant, went through the app
    named = {ids.SHARE_SUMMARY, ids.ADD_NEXT_STEP, ids.MARK_STEP_DONE, ids.REFLECT_NOW}
    assert named | {k for k in EXPECTED if k.startswith("/partnership")} <= set(observed)
