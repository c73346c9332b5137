"""Every template, run end to end through signed requests, and a search of everything the app
sent where the client can read it: no our-side question, answer or summary is ever there.

What counts as our side's material is read from the bank (every question asked of our side
only, its text and help, and the names of the templates asked of our side only), so a new
our-side question is covered without touching this test; a new template fails it until it
is run here too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.usecases.checks import close_due_checks
from bot.usecases.digest import queue_weekly_digests
from bot.usecases.nudges import schedule_reflections
from bot.usecases.schedules import run_due_schedules
from tests.e2e.checkflow import CHANNEL, LEAD, start_values
from tests.e2e.test_home import open_home
from tests.support import seeding, signing
from tests.support.fake_slack import Call
from tests.support.harness import START, Harness

OURS2 = "U0OURS2"
CLIENT = "U0EXT1"  # Slack Connect, from the client's workspace
GUEST = "U0GUEST"  # a guest of ours: counts as the client's side
CLIENT_TEAM = "T0CLIENT"
OUR_PEOPLE = {LEAD, OURS2}
SECRET = "OURSIDE-ONLY"  # every free text our people write starts with this

# Web API methods that put something in front of the people of a channel
TO_A_CHANNEL = {"chat.postMessage", "chat.update", "chat.scheduleMessage", "chat.meMessage"}


def setup_people(h: Harness) -> None:
    h.fake.add_user(LEAD, tz="Europe/London")
    h.fake.add_user(OURS2, tz="Europe/London")
    h.fake.add_user(CLIENT, team_id=CLIENT_TEAM)
    h.fake.add_user(GUEST, is_restricted=True)
    h.fake.add_user("U0BOT", is_bot=True)
    h.fake.set_channel_members(CHANNEL, [LEAD, OURS2, CLIENT, GUEST, "U0BOT"])


def our_side_material(h: Harness) -> set[str]:
    """From the bank: what only our side may ever read."""
    bank = h.services.bank
    found = {SECRET}
    for question in bank.questions.values():
        if set(question.sides) == {"ours"}:
            found.add(question.text)
            if question.help:
                found.add(question.help)
    found |= {t.name for t in bank.templates.values() if not t.asked_of_both_sides}
    return found


def seen_by_the_client(h: Harness) -> list[tuple[str, str]]:
    """(method, payload) of every call that shows something to the client's people: posts
    and edits in the shared channel, ephemerals there to anyone not on our side, files shared
    there (with the name and description given when the upload began), and the Home tab
    published for someone not on our side."""
    seen: list[tuple[str, str]] = []
    began = {
        call.response["file_id"]: call.args
        for call in h.fake.calls_to("files.getUploadURLExternal")
        if call.response and call.response.get("ok")
    }
    for call in h.fake.calls:
        args = call.args or {}
        if (
            (call.method in TO_A_CHANNEL and args.get("channel") == CHANNEL)
            or (
                call.method == "chat.postEphemeral"
                and args.get("channel") == CHANNEL
                and args.get("user") not in OUR_PEOPLE
            )
            or (call.method == "views.publish" and args.get("user_id") not in OUR_PEOPLE)
        ):
            seen.append((call.method, _dump(args)))
        elif call.method == "files.completeUploadExternal" and args.get("channel_id") == CHANNEL:
            files = [began.get(f.get("id"), {}) for f in args.get("files") or []]
            seen.append((call.method, _dump({**args, "began": files})))
    return seen


def _dump(args: dict[str, Any]) -> str:
    return json.dumps(args, ensure_ascii=False)


def dms_to(h: Harness, user: str) -> list[Call]:
    return [
        c for c in h.fake.calls_to("chat.postMessage") if c.args["channel"] in (user, "D" + user)
    ]


def dm_button(h: Harness, user: str, action_id: str) -> dict[str, Any]:
    """The button `action_id` of the newest DM to `user` that has one."""
    for call in reversed(dms_to(h, user)):
        for block in call.args.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == action_id:
                    return element
    raise AssertionError(f"no {action_id} in a DM to {user}")


def last_with(h: Harness, action_prefix: str) -> dict[str, Any]:
    """The newest control whose action id starts with `action_prefix`, in a message posted
    in the channel or a panel shown only to the lead."""
    for call in reversed(h.fake.calls):
        if call.method not in ("chat.postMessage", "chat.postEphemeral"):
            continue
        if call.method == "chat.postEphemeral" and call.args.get("user") != LEAD:
            continue
        for block in call.args.get("blocks") or []:
            for element in block.get("elements") or []:
                if str(element.get("action_id", "")).startswith(action_prefix):
                    return element
    raise AssertionError(f"nothing with {action_prefix} was posted")


def first_answer(h: Harness) -> dict[str, Any]:
    """The newest answer control: a button, or a menu (then its first option is picked)."""
    for call in reversed(h.fake.calls_to("chat.postMessage")):
        for block in call.args.get("blocks") or []:
            for element in block.get("elements") or []:
                action_id = str(element.get("action_id", ""))
                if action_id.startswith(f"{ids.ANSWER}:") or action_id == ids.ANSWER_SELECT:
                    return element
    raise AssertionError("no answer control was posted")


async def click(h: Harness, element: dict[str, Any], user: str, channel: str = CHANNEL) -> None:
    team = CLIENT_TEAM if user == CLIENT else None
    if element.get("type") == "static_select":
        reply = await h.click(
            element["action_id"],
            "",
            action_type="static_select",
            selected_option_value=element["options"][0]["value"],
            user_id=user,
            user_team_id=team,
            channel_id=channel,
        )
    else:
        reply = await h.click(
            element["action_id"],
            element["value"],
            user_id=user,
            user_team_id=team,
            channel_id=channel,
        )
    assert reply.status == 200, reply.text


def fill_form(view: dict[str, Any], user: str) -> dict[str, Any]:
    """Answer every question of an answers form: the first option, or our secret text."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        if element["type"] == "radio_buttons":
            values[block_id] = {element["action_id"]: signing.radio(element["options"][0]["value"])}
        elif element["type"] == "plain_text_input":
            values[block_id] = {
                element["action_id"]: signing.plain_input(f"{SECRET} {user} {block_id}")
            }
        elif element["type"] == "checkboxes":
            values[block_id] = {element["action_id"]: signing.checkboxes(["share"])}
    return values


async def answer_in_form(h: Harness, user: str, callback_id: str) -> None:
    """Fill and submit every page of the answers form just opened for `user`."""
    view = h.fake.last("views.open").args["view"]
    while True:
        reply = await h.submit(
            callback_id,
            fill_form(view, user),
            private_metadata=view["private_metadata"],
            user_id=user,
        )
        assert reply.status == 200, reply.text
        body = reply.json()
        if not body:
            return
        assert body.get("response_action") == "update", body
        view = body["view"]


# ---------------------------------------------------------------- one runner per template


async def run_in_the_channel(h: Harness, template_id: str, view_id: str) -> None:
    """A template asked of both sides: live in the channel, every question shown there."""
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    opened = h.fake.last("views.open").args["view"]
    offered = {
        o["value"]
        for b in opened["blocks"]
        if b.get("block_id") == ids.TEMPLATE_BLOCK
        for o in b["element"]["options"]
    }
    assert template_id in offered
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        start_values(template=template_id, client=[CLIENT]),
        private_metadata=opened["private_metadata"],
        user_id=LEAD,
        view_id=view_id,
    )
    assert reply.text in ("", "{}"), reply.text
    questions = h.services.bank.template_questions(template_id)
    for position, question in enumerate(questions):
        if question.kind != "text":
            answer = first_answer(h)
            for user in (LEAD, CLIENT):
                await click(h, answer, user)
        if position + 1 < len(questions):
            await click(h, last_with(h, ids.NEXT_QUESTION), LEAD)
    await click(h, last_with(h, ids.CLOSE_CHECK), LEAD)
    # the lead looks at the latest summary and shares it in the channel
    reply = await h.command("summary", user_id=LEAD, channel_id=CHANNEL)
    share = next(
        e
        for b in reply.json()["blocks"]
        for e in b.get("elements") or []
        if e.get("action_id") == ids.SHARE_SUMMARY
    )
    await click(h, share, LEAD)


async def run_self_check(h: Harness) -> None:
    """Refused in the channel's start form; run by DM with `/partnership self-check`."""
    await refused_in_the_start_form(h, "self_check")
    for outsider in (CLIENT, GUEST):
        reply = await h.command("self-check", user_id=outsider, channel_id=CHANNEL)
        assert "Only our side of the partnership" in reply.text
        assert f"<@{LEAD}>" in reply.text  # names who can
    reply = await h.command("self-check", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    for user in (LEAD, OURS2):
        await click(h, dm_button(h, user, ids.ANSWER_NOW), user, channel="D" + user)
        await answer_in_form(h, user, ids.ASYNC_ANSWERS_VIEW)
    assert not dms_to(h, CLIENT) and not dms_to(h, GUEST)
    # the client's people cannot answer it, even with a forged click
    await click(h, dm_button(h, LEAD, ids.ANSWER_NOW), CLIENT)
    await click(h, dm_button(h, LEAD, ids.CLOSE_CHECK), LEAD, channel="D" + LEAD)
    # a recurring self-check takes the same private route
    reply = await h.command("schedule self_check weekly", user_id=LEAD, channel_id=CHANNEL)
    assert "Consultant self-check" in reply.text
    h.clock.advance(timedelta(days=8))
    invited = len(dms_to(h, OURS2))
    assert await run_due_schedules(h.services) == 1
    assert len(dms_to(h, OURS2)) == invited + 1  # invited by DM, as by the command
    assert "privately" in dms_to(h, LEAD)[-1].args["text"]
    h.clock.advance(timedelta(days=4))
    assert await close_due_checks(h.services) == 1


async def run_reflection(h: Harness) -> None:
    """Refused in the channel's start form; asked by DM after a meeting, then the digest."""
    await refused_in_the_start_form(h, "reflection")
    services = h.services
    while h.clock.now().weekday() >= 5:  # reflections and digests wait for working days
        h.clock.advance(timedelta(days=1))
    meeting = await seeding.add_meeting(
        services.db,
        attendees=[LEAD, OURS2],
        ends_at=h.clock.now(),
        channel_id=CHANNEL,
        team_id="T0OURS",
        now=h.clock.now(),
    )
    async with services.db.unit_of_work() as session:
        await schedule_reflections(
            session,
            meeting=meeting,
            team_id="T0OURS",
            settings=services.settings,
            now=h.clock.now(),
        )
    h.clock.advance(timedelta(minutes=31))
    await Dispatcher(services).run_once()
    for user in (LEAD, OURS2):
        await click(h, dm_button(h, user, ids.REFLECT_NOW), user, channel="D" + user)
        await answer_in_form(h, user, ids.REFLECTION_VIEW)
    reply = await h.command("digest", user_id=LEAD, channel_id=CHANNEL)
    assert SECRET in reply.text or SECRET in json.dumps(reply.json())
    assert await queue_weekly_digests(services) >= 1
    await Dispatcher(services).run_once()
    assert any("Weekly digest" in json.dumps(c.args) for c in dms_to(h, LEAD))


async def refused_in_the_start_form(h: Harness, template_id: str) -> None:
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    opened = h.fake.last("views.open").args["view"]
    offered = {
        o["value"]
        for b in opened["blocks"]
        if b.get("block_id") == ids.TEMPLATE_BLOCK
        for o in b["element"]["options"]
    }
    assert template_id not in offered
    posts_before = len(h.fake.calls_to("chat.postMessage"))
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        start_values(
            template=template_id,
            mode="async",
            deadline=int((h.clock.now() + timedelta(days=2)).timestamp()),
        ),
        private_metadata=opened["private_metadata"],
        user_id=LEAD,
        view_id=f"V0FORGED{template_id}",
    )
    assert reply.json()["response_action"] == "errors"
    assert "our side only" in reply.json()["errors"][ids.TEMPLATE_BLOCK]
    assert len(h.fake.calls_to("chat.postMessage")) == posts_before


async def test_no_template_ever_shows_our_side_material_in_the_shared_channel(
    harness: Harness,
) -> None:
    h = harness
    setup_people(h)
    bank = h.services.bank
    ran: set[str] = set()
    for template in bank.templates.values():
        if template.asked_of_both_sides:
            await run_in_the_channel(h, template.id, view_id=f"V0{template.id}")
            ran.add(template.id)
    await run_self_check(h)
    await run_reflection(h)
    ran |= {"self_check", "reflection"}
    assert ran == set(bank.templates), "a new template must be run here too"
    # the channel's next summary comes after our self-check and reflections: it may carry
    # the warning signs they noted, never their words
    h.clock.advance(timedelta(days=1))
    await run_in_the_channel(h, "partnership_check", view_id="V0AFTER")
    for user in (CLIENT, GUEST):
        await open_home(h, user)

    seen = seen_by_the_client(h)
    assert any(method == "chat.postMessage" for method, _ in seen)  # the search has material
    uploads = [payload for method, payload in seen if method == "files.completeUploadExternal"]
    assert uploads and all("Radar chart" in payload for payload in uploads)  # alt text read
    material = our_side_material(h)
    leaks = [
        (method, marker)
        for method, payload in seen
        for marker in material
        if marker in payload or json.dumps(marker, ensure_ascii=False)[1:-1] in payload
    ]
    assert leaks == []
    # and our side did get it: the self-check summaries and the digest reached the lead
    lead_dms = json.dumps([c.args for c in dms_to(h, LEAD)], ensure_ascii=False)
    assert "Our side only" in lead_dms and "Weekly digest" in lead_dms
    assert h.clock.now() > START
