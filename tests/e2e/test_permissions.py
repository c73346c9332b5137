"""Who may do what: answer (channel members only), steer (lead or admin), start (our side).
Every refusal is an ephemeral sentence naming who can, and changes nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.models import Answer, Check
from bot.domain.answers import COMMENT_MAX
from tests.e2e.checkflow import (
    CHANNEL,
    LEAD,
    answer_button,
    button,
    press,
    start_check,
    start_values,
)
from tests.support import signing
from tests.support.harness import Harness

OUTSIDER = "U0OUTSIDER"
EXTERNAL = "U0EXT1"  # a Slack Connect user from the client's workspace, in the channel
CLIENT_TEAM = "T0CLIENT"


async def answers(h: Harness) -> list[tuple[str, str, str | None]]:
    async with h.db().unit_of_work() as session:
        rows = await session.execute(select(Answer.user_id, Answer.side, Answer.value))
        return sorted(tuple(row) for row in rows.all())


async def test_people_outside_the_channel_cannot_answer(harness: Harness) -> None:
    h = harness
    await start_check(h)
    await press(h, answer_button(h, "4"), user=OUTSIDER)
    refusal = h.fake.last("chat.postEphemeral")
    assert refusal.args["user"] == OUTSIDER
    assert f"Only people in <#{CHANNEL}>" in refusal.args["text"]
    assert f"<@{LEAD}>" in refusal.args["text"]
    assert await answers(h) == []


async def test_someone_who_just_joined_can_answer(harness: Harness) -> None:
    h = harness
    await start_check(h)
    await press(h, answer_button(h, "4"))  # fills the members cache
    h.fake.set_channel_members(CHANNEL, [LEAD, OUTSIDER])
    h.clock.advance(timedelta(seconds=30))
    await press(h, answer_button(h, "3"), user=OUTSIDER)
    assert (OUTSIDER, "ours", "3") in await answers(h)


async def test_members_are_asked_of_slack_once_for_a_burst_of_clicks(harness: Harness) -> None:
    h = harness
    await start_check(h)
    lookups = len(h.fake.calls_to("conversations.members"))
    for user in ("U0LEAD", "U0OURS2", "U0CLIENT1", "U0CLIENT2"):
        await press(h, answer_button(h, "4"), user=user)
    assert len(h.fake.calls_to("conversations.members")) - lookups <= 1


async def test_a_slack_connect_user_in_the_channel_answers_for_the_client(
    harness: Harness,
) -> None:
    h = harness
    h.fake.add_user(EXTERNAL, team_id=CLIENT_TEAM)
    await start_check(h)
    await press(h, answer_button(h, "2"), user=EXTERNAL, user_team_id=CLIENT_TEAM)
    assert await answers(h) == [(EXTERNAL, "client", "2")]


async def test_a_workspace_admin_may_close_someone_elses_check(harness: Harness) -> None:
    h = harness
    h.fake.add_user("U0ADMIN", is_admin=True)
    await start_check(h)
    await press(h, button(h, ids.CLOSE_CHECK), user="U0ADMIN")
    async with h.db().unit_of_work() as session:
        assert await session.scalar(select(Check.status)) == "summarised"  # closed, then summarised


async def test_an_admin_of_the_clients_workspace_cannot_steer_our_check(
    harness: Harness,
) -> None:
    h = harness
    h.fake.add_user(EXTERNAL, team_id=CLIENT_TEAM, is_admin=True)
    await start_check(h)
    await press(h, button(h, ids.CLOSE_CHECK), user=EXTERNAL, user_team_id=CLIENT_TEAM)
    assert "workspace admin or owner can close" in h.fake.last("chat.postEphemeral").args["text"]
    async with h.db().unit_of_work() as session:
        assert await session.scalar(select(Check.status)) == "open"


async def test_others_cannot_move_or_close_and_nothing_changes(harness: Harness) -> None:
    h = harness
    await start_check(h, client=["U0CLIENT1"])
    for action, doing in ((ids.NEXT_QUESTION, "move"), (ids.CLOSE_CHECK, "close")):
        await press(h, button(h, action), user="U0CLIENT1")
        text = h.fake.last("chat.postEphemeral").args["text"]
        assert f"Only <@{LEAD}>" in text and "workspace admin" in text and doing in text
    async with h.db().unit_of_work() as session:
        state = (await session.execute(select(Check.status, Check.current_position))).one()
    assert tuple(state) == ("open", 0)


async def test_client_side_people_cannot_start_a_check(harness: Harness) -> None:
    h = harness
    h.fake.add_user(EXTERNAL, team_id=CLIENT_TEAM)
    h.fake.add_user("U0GUEST", is_restricted=True)
    for user in (EXTERNAL, "U0GUEST"):
        reply = await h.command("check", user_id=user, channel_id=CHANNEL)
        assert reply.status == 200
        assert "Only our side of the partnership" in json.dumps(reply.json())
    assert h.fake.calls_to("views.open") == []


async def test_someone_named_client_side_cannot_rename_the_partnership(
    harness: Harness,
) -> None:
    h = harness
    await start_check(h, client=["U0CLIENT1"])
    await press(h, button(h, ids.CLOSE_CHECK))
    reply = await h.command("check", user_id="U0CLIENT1", channel_id=CHANNEL)
    assert f"ask <@{LEAD}>" in reply.json()["text"]
    # a forged submission of the start form is refused on the server too
    reply = await h.submit(
        ids.START_CHECK_VIEW,
        start_values(name="Renamed by the client"),
        private_metadata=CHANNEL,
        user_id="U0CLIENT1",
        view_id="V0FORGED",
    )
    assert reply.status == 200
    assert "Only our side" in h.fake.last("chat.postEphemeral").args["text"]
    async with h.db().unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(Check)) == 1


async def test_free_text_limits_are_enforced_on_the_server(harness: Harness) -> None:
    h = harness
    await start_check(h)
    await press(h, answer_button(h, "4"))
    too_long = "x" * (COMMENT_MAX + 1)
    reply = await h.submit(
        ids.COMMENT_VIEW,
        {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(too_long)}},
        private_metadata="1:0",
    )
    assert reply.json()["response_action"] == "errors"
    assert "at most 2000 characters" in reply.json()["errors"][ids.COMMENT_BLOCK]
    assert await answers(h) == [(LEAD, "ours", "4")]


async def test_partnership_names_are_limited_and_escaped(harness: Harness) -> None:
    h = harness
    reply = await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    opened = h.fake.last("views.open").args["view"]
    name_input = next(b for b in opened["blocks"] if b.get("block_id") == ids.NAME_BLOCK)
    assert name_input["element"]["max_length"] == 80
    reply = await h.submit(
        ids.START_CHECK_VIEW, start_values(name="n" * 81), private_metadata=CHANNEL
    )
    assert "80 characters" in reply.json()["errors"][ids.NAME_BLOCK]
    await start_check(h, name="<!channel> & <@U0BOSS>", view_id="V0ESC")
    # plain_text (headers) is never parsed by Slack; mrkdwn and fallback texts must be escaped
    parsed = "\n".join(
        [c.args.get("text") or "" for c in h.fake.calls_to("chat.postMessage")]
        + mrkdwn_texts([c.args.get("blocks") for c in h.fake.calls_to("chat.postMessage")])
    )
    assert "<!channel>" not in parsed and "<@U0BOSS>" not in parsed
    assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in parsed


def mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in mrkdwn_texts(value)]
    return []
