"""Logging, listing, cancelling and deleting meetings through the front door."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.blocks import ids
from bot.db.models import Meeting, ScheduledMessage, Signal
from tests.support import signing
from tests.support.blockkit import check_message
from tests.support.harness import Harness

CHANNEL, LEAD, ANN, BEN, CLEO = "C0SHARED", "U0LEAD", "U0ANN", "U0BEN", "U0CLEO"


def people(h: Harness) -> None:
    h.fake.add_user(ANN)
    h.fake.add_user(BEN)
    h.fake.add_user(CLEO, team_id="T0CLIENT")
    h.fake.add_user("U0ADMIN", is_admin=True)
    h.fake.set_channel_members(CHANNEL, [LEAD, ANN, CLEO, "U0BOT"])


def form(
    *,
    title: str = "Steering meeting",
    just_ended: bool = True,
    start: int | None = None,
    minutes: str = "60",
    attendees: list[str] | None = None,
    partnership: str | None = "Acme",
) -> dict[str, Any]:
    values: dict[str, Any] = {
        ids.MEETING_TITLE_BLOCK: {ids.MEETING_TITLE_INPUT: signing.plain_input(title)},
        ids.MEETING_ENDED_BLOCK: {
            ids.MEETING_ENDED_INPUT: signing.checkboxes(["just_ended"] if just_ended else [])
        },
        ids.MEETING_START_BLOCK: {ids.MEETING_START_INPUT: signing.datetimepicker(start)},
        ids.MEETING_LENGTH_BLOCK: {ids.MEETING_LENGTH_INPUT: signing.static_select(minutes)},
        ids.MEETING_PEOPLE_BLOCK: {
            ids.MEETING_PEOPLE_INPUT: signing.multi_users(
                [LEAD, ANN] if attendees is None else attendees
            )
        },
    }
    if partnership is not None:
        values[ids.MEETING_PARTNERSHIP_BLOCK] = {
            ids.MEETING_PARTNERSHIP_INPUT: signing.plain_input(partnership)
        }
    return values


async def submit(h: Harness, values: dict[str, Any], view_id: str = "V0MEET") -> Any:
    reply = await h.submit(
        ids.MEETING_VIEW, values, private_metadata=CHANNEL, user_id=LEAD, view_id=view_id
    )
    assert reply.status == 200, reply.text
    return reply.json()


async def all_meetings(h: Harness) -> list[Meeting]:
    async with h.db().unit_of_work() as session:
        return list(await session.scalars(select(Meeting).order_by(Meeting.id)))


async def nudges(h: Harness) -> list[ScheduledMessage]:
    async with h.db().unit_of_work() as session:
        return list(await session.scalars(select(ScheduledMessage).order_by(ScheduledMessage.id)))


async def listing(h: Harness, user: str = LEAD) -> dict[str, Any]:
    reply = await h.command("meetings", user_id=user, channel_id=CHANNEL)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    if answer.get("blocks"):
        check_message(answer["blocks"], answer["text"])
    return answer


async def choose(h: Harness, value: str, user: str = LEAD) -> str:
    reply = await h.click(
        ids.MEETING_MENU,
        None,
        action_type="overflow",
        selected_option_value=value,
        user_id=user,
        channel_id=CHANNEL,
    )
    assert reply.status == 200
    return h.fake.last("chat.postEphemeral").args["text"]


async def test_the_form_proposes_our_people_in_the_channel(harness: Harness) -> None:
    h = harness
    people(h)
    reply = await h.command("meeting", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200
    opened = h.fake.last("views.open").args["view"]
    assert opened["callback_id"] == ids.MEETING_VIEW
    assert opened["private_metadata"] == CHANNEL
    block_ids = [block.get("block_id") for block in opened["blocks"]]
    assert ids.MEETING_PARTNERSHIP_BLOCK in block_ids  # no partnership here yet
    updated = h.fake.last("views.update").args["view"]
    [people_block] = [b for b in updated["blocks"] if b["block_id"] == ids.MEETING_PEOPLE_BLOCK]
    assert people_block["element"]["initial_users"] == [LEAD, ANN]  # not the client, not the bot
    h.assert_payloads_valid()


async def test_a_meeting_that_just_ended_is_logged_once_with_its_nudges(harness: Harness) -> None:
    h = harness
    people(h)
    assert await submit(h, form()) is None
    [meeting] = await all_meetings(h)
    now = h.clock.now()
    assert (meeting.starts_at, meeting.ends_at) == (now - timedelta(minutes=60), now)
    assert meeting.source == "manual" and meeting.created_by == LEAD
    rows = await nudges(h)
    assert sorted(r.user_id or "" for r in rows) == [ANN, LEAD]
    assert {r.due_at for r in rows} == {now + timedelta(minutes=30)}
    note = h.fake.last("chat.postEphemeral")
    assert note.args["channel"] == CHANNEL and note.args["user"] == LEAD
    assert "Logged *Steering meeting*" in note.args["text"]

    # Slack retries the same submission: still one meeting, still two nudges
    await submit(h, form())
    assert len(await all_meetings(h)) == 1
    assert len(await nudges(h)) == 2
    h.assert_payloads_valid()


async def test_a_planned_meeting_uses_its_start_and_length(harness: Harness) -> None:
    h = harness
    people(h)
    start = h.clock.now() + timedelta(days=2)
    await submit(h, form(just_ended=False, start=int(start.timestamp()), minutes="90"))
    [meeting] = await all_meetings(h)
    assert meeting.starts_at == start
    assert meeting.ends_at == start + timedelta(minutes=90)
    assert {r.due_at for r in await nudges(h)} == {start + timedelta(minutes=120)}


async def test_the_form_says_what_to_fix(harness: Harness) -> None:
    h = harness
    people(h)
    answer = await submit(h, form(attendees=[ANN, CLEO]))
    assert answer["response_action"] == "errors"
    assert "please leave out u0cleo." in answer["errors"][ids.MEETING_PEOPLE_BLOCK]
    answer = await submit(h, form(just_ended=False, start=None, title=" "))
    assert set(answer["errors"]) == {ids.MEETING_START_BLOCK, ids.MEETING_TITLE_BLOCK}
    far = h.clock.now() + timedelta(days=400)
    answer = await submit(h, form(just_ended=False, start=int(far.timestamp())))
    assert "within the next year" in answer["errors"][ids.MEETING_START_BLOCK]
    assert await all_meetings(h) == []


async def test_the_list_shows_each_attendees_state_and_failures_to_the_lead(
    harness: Harness,
) -> None:
    h = harness
    people(h)
    await submit(h, form())
    async with h.db().unit_of_work() as session:
        await session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.user_id == ANN)
            .values(status="failed", last_error="Slack answered 500 three times")
        )
    mine = await listing(h, LEAD)
    text = json.dumps(mine["blocks"], ensure_ascii=False)
    assert "Steering meeting" in text
    assert f"<@{LEAD}> waiting" in text
    assert f"<@{ANN}> failed (Slack answered 500 three times)" in text
    assert ids.MEETING_MENU in text
    theirs = json.dumps((await listing(h, BEN))["blocks"], ensure_ascii=False)
    assert f"<@{ANN}> failed" in theirs
    assert "three times" not in theirs and ids.MEETING_MENU not in theirs  # not BEN's meeting
    refused = await listing(h, CLEO)
    assert "can see the meetings and their reflections" in refused["text"]
    assert f"ask <@{LEAD}>" in refused["text"]


async def test_cancelling_stops_nudges_and_records_a_signal_deleting_leaves_no_trace(
    harness: Harness,
) -> None:
    h = harness
    people(h)
    await submit(h, form(title="First"), view_id="V1")
    await submit(h, form(title="Second", partnership=None), view_id="V2")
    first, second = await all_meetings(h)

    refusal = await choose(h, f"cancel:{first.id}", user=ANN)
    assert f"Only <@{LEAD}> or a workspace admin" in refusal
    h.fake.add_user("U0CLIENTADMIN", is_admin=True, team_id="T0CLIENT")  # admin over there
    refusal = await choose(h, f"cancel:{first.id}", user="U0CLIENTADMIN")
    assert f"Only <@{LEAD}> or a workspace admin" in refusal
    assert await choose(h, f"cancel_client:{first.id}") == (
        "Marked “First” as cancelled and stopped 2 reflection messages; "
        "it is noted for the partnership's summary as a warning sign."
    )
    assert await choose(h, f"cancel:{first.id}") == (
        "That meeting was already cancelled; nothing more to do."
    )
    assert await choose(h, f"delete:{second.id}", user="U0ADMIN") == (
        "Deleted “Second” and stopped 2 reflection messages."
    )
    statuses = {r.reference_id: r.status for r in await nudges(h)}
    assert set(statuses.values()) == {"cancelled"}
    async with h.db().unit_of_work() as session:
        kinds = [(s.kind, s.meeting_id) for s in await session.scalars(select(Signal))]
    assert kinds == [("meeting_cancelled", first.id)]
    text = json.dumps((await listing(h))["blocks"], ensure_ascii=False)
    assert "First" in text and "cancelled" in text
    assert "Second" not in text
    h.assert_payloads_valid()
