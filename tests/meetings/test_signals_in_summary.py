"""Meetings moved or cancelled show up beside the answers in the next check's summary: when
the client cancelled or moved them (the meetings list, a reflection, the calendar), never when
our side cancelled them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from bot.db.models import ReflectionRequest
from tests.e2e.checkflow import answer_button, button, press, start_check
from tests.e2e.summaryflow import blocks_text, summary_calls
from tests.meetings.test_meetings import LEAD, choose, form, people, submit
from tests.support import signing
from tests.support.harness import Harness


async def close_a_short_check(h: Harness, view_id: str) -> tuple[str, str]:
    await start_check(h, view_id=view_id)
    await press(h, answer_button(h, "4"))
    await press(h, button(h, ids.CLOSE_CHECK))
    headline, details = summary_calls(h)
    return blocks_text(headline), blocks_text(details)


async def test_a_cancelled_meeting_is_a_warning_sign_in_the_next_summary_only(
    harness: Harness,
) -> None:
    h = harness
    people(h)
    await submit(h, form(title="Steering <!channel> group"), view_id="V1")
    await submit(h, form(title="Weekly sync", partnership=None), view_id="V2")
    await submit(h, form(title="Budget review", partnership=None), view_id="V3")
    steering_id, weekly_id, budget_id = 1, 2, 3
    await choose(h, f"cancel_client:{steering_id}")
    said = await choose(h, f"cancel_us:{weekly_id}")
    assert "the summary does not count it as a warning sign" in said
    await choose(h, f"cancel_both:{budget_id}")

    headline, details = await close_a_short_check(h, "V0CHECK1")
    assert "1 meeting moved or cancelled since the last check." in headline
    assert "Warning signs since the last check" in details
    assert "“Steering &lt;!channel&gt; group”" in details and "was cancelled" in details
    assert "Weekly sync" not in details  # we cancelled it: not the client's warning sign
    assert "Budget review" not in details  # cancelled by agreement: not a warning sign either

    headline, details = await close_a_short_check(h, "V0CHECK2")
    assert "moved or cancelled" not in headline
    assert "Warning signs" not in details
    h.assert_payloads_valid()


async def test_a_self_check_in_between_keeps_the_warning_signs_for_the_channel(
    harness: Harness,
) -> None:
    """Our side's self-check closing does not start the channel's next window of signs."""
    h = harness
    people(h)
    await close_a_short_check(h, "V0CHECK1")
    h.clock.advance(timedelta(hours=1))
    await submit(h, form(title="Budget review", partnership=None), view_id="V1")
    await choose(h, "cancel:1")
    h.clock.advance(timedelta(hours=1))
    await h.command("self-check", user_id="U0LEAD", channel_id="C0SHARED")
    invitation = [c for c in h.fake.calls_to("chat.postMessage") if c.args["channel"] == "DU0LEAD"][
        -1
    ]
    [close_now] = [
        e
        for b in invitation.args["blocks"]
        for e in b.get("elements") or []
        if e.get("action_id") == ids.CLOSE_CHECK
    ]
    await h.click(close_now["action_id"], close_now["value"], channel_id="DU0LEAD")
    h.clock.advance(timedelta(hours=1))
    headline, details = await close_a_short_check(h, "V0CHECK2")
    assert "1 meeting moved or cancelled since the last check." in headline
    assert "Budget review" in details


async def test_the_meetings_menu_asks_who_cancelled(harness: Harness) -> None:
    h = harness
    people(h)
    await submit(h, form(title="Weekly sync"), view_id="V1")
    reply = await h.command("meetings", user_id=LEAD, channel_id="C0SHARED")
    menus = [
        block["accessory"]
        for block in reply.json()["blocks"]
        if block.get("accessory", {}).get("action_id") == ids.MEETING_MENU
    ]
    labels = [option["text"]["text"] for option in menus[0]["options"]]
    assert labels == [
        "Cancelled by the client",
        "Cancelled by us",
        "Cancelled: both agreed",
        "Delete (logged by mistake)",
    ]


async def reflect(h: Harness, user: str, moved: str) -> None:
    """Answer the reflection's question on whether the meeting went ahead, from its DM."""
    async with h.db().unit_of_work() as session:
        request = await session.scalar(
            select(ReflectionRequest)
            .where(ReflectionRequest.user_id == user)
            .order_by(ReflectionRequest.meeting_id)
            .limit(1)
        )
    assert request is not None
    reply = await h.click(ids.REFLECT_NOW, str(request.id), user_id=user, channel_id="D" + user)
    assert reply.status == 200
    view = h.fake.last("views.open").args["view"]
    positions = {
        q.id: position
        for position, q in enumerate(h.services.bank.template_questions("reflection"))
    }
    block = f"q{positions['rf.signal.moved']}"
    reply = await h.submit(
        ids.REFLECTION_VIEW,
        {block: {ids.ASYNC_VALUE_INPUT: signing.radio(moved)}},
        private_metadata=view["private_metadata"],
        user_id=user,
    )
    assert reply.status == 200, reply.text


async def test_a_reflection_saying_the_client_cancelled_is_a_warning_sign(
    harness: Harness,
) -> None:
    h = harness
    people(h)
    h.fake.set_channel_members("C0SHARED", [LEAD, "U0ANN", "U0OURS2", "U0CLIENT1", "U0BOT"])
    await submit(h, form(title="Roadmap walk-through"), view_id="V1")
    await submit(h, form(title="Quarterly review", partnership=None), view_id="V2")
    h.clock.advance(timedelta(hours=2))
    await Dispatcher(h.services).run_once()
    await reflect(h, LEAD, "cancelled_by_client")
    await reflect(h, "U0ANN", "cancelled_by_client")  # said twice, counted once

    headline, details = await close_a_short_check(h, "V0CHECK1")
    assert "1 meeting moved or cancelled since the last check." in headline
    assert "“Roadmap walk-through”" in details and "was cancelled" in details
    assert "reflection" not in details.lower()  # our side's reflections stay ours
    assert "Quarterly review" not in details
    h.assert_payloads_valid()
