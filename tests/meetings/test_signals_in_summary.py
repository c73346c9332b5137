"""Meetings moved or cancelled show up beside the answers in the next check's summary."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks import ids
from tests.e2e.checkflow import answer_button, button, press, start_check
from tests.e2e.summaryflow import blocks_text, summary_calls
from tests.meetings.test_meetings import choose, form, people, submit
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
    steering_id = 1
    await choose(h, f"cancel:{steering_id}")

    headline, details = await close_a_short_check(h, "V0CHECK1")
    assert "1 meeting moved or cancelled since the last check." in headline
    assert "Warning signs since the last check" in details
    assert "“Steering &lt;!channel&gt; group”" in details and "was cancelled" in details
    assert "Weekly sync" not in details

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
