"""Person-written text never reaches Slack as markup: not in blocks, not in the notification
`text` (what push notifications and screen readers show). A planted string of mentions, a
channel ping, an ampersand and a link goes into every field a person writes, the flows run,
and every text the app sent (or answered with) is searched for it unescaped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.background.delivery import Dispatcher
from bot.blocks import ids
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, press, start_check
from tests.e2e.summaryflow import add_next_step, close, comment
from tests.meetings.test_meetings import form
from tests.support import signing
from tests.support.harness import Harness

PLANT = "<!channel> <!here> <@U123> & <http://x|y>"
RAW = ("<!channel>", "<!here>", "<@U123>", "<http://x|y>", "> & <")


def slack_texts(node: Any) -> list[str]:
    """Every text Slack parses as mrkdwn in a payload: `text` fields and mrkdwn objects."""
    if isinstance(node, dict):
        found = []
        if isinstance(node.get("text"), str) and node.get("type") != "plain_text":
            found.append(node["text"])
        return found + [t for value in node.values() for t in slack_texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in slack_texts(value)]
    return []


async def test_planted_markup_is_escaped_in_every_text_the_app_sends(harness: Harness) -> None:
    h = harness
    replies: list[Any] = []

    async def command(text: str) -> None:
        reply = await h.command(text, user_id=LEAD, channel_id=CHANNEL)
        replies.append(reply.json())

    await start_check(h, name=PLANT)
    await press(h, answer_button(h, "4"))
    await comment(h, LEAD, PLANT)
    await add_next_step(h, user=LEAD, text=PLANT, owner=LEAD, due=None)
    await close(h)
    for text in (
        "summary",
        "history",
        PLANT,
        f"schedule {PLANT}",
        f"settings {PLANT}",
        f"settings hours {PLANT}",
        f"settings days {PLANT}",
        "help",
    ):
        await command(text)

    reply = await h.submit(
        ids.MEETING_VIEW,
        form(title=PLANT, partnership=None, attendees=[LEAD]),
        private_metadata=CHANNEL,
        user_id=LEAD,
        view_id="V0MEETING",
    )
    assert reply.status == 200, reply.text
    h.clock.advance(timedelta(hours=1))
    await Dispatcher(h.services).run_once()  # the reflection message after the meeting
    await command("meetings")
    menu = next(
        element
        for r in replies[-1:]
        for block in r.get("blocks") or []
        for element in [block.get("accessory") or {}]
        if element.get("action_id") == ids.MEETING_MENU
    )
    cancel = menu["options"][0]["value"]
    await h.click(
        ids.MEETING_MENU,
        "",
        selected_option_value=cancel,
        action_type="overflow",
        user_id=LEAD,
        channel_id=CHANNEL,
    )
    await h.post(
        signing.event_callback(
            {"type": "app_home_opened", "user": LEAD, "tab": "home", "channel": "D0LEAD"},
            event_id="Ev0HOME",
        )
    )

    texts = [t for call in h.fake.calls for t in slack_texts(call.args)]
    texts += [t for r in replies for t in slack_texts(r)]
    kinds = {call.method for call in h.fake.calls}
    assert {"chat.postMessage", "chat.postEphemeral", "views.publish"} <= kinds
    planted = [t for t in texts if "U123" in t]
    assert len(planted) >= 10, planted  # the plant really went everywhere
    leaks = [t[:160] for t in texts if any(raw in t for raw in RAW)]
    assert leaks == []
    # the help text's placeholders would be links too
    assert not [t for t in texts if "<ics-url>" in t or "<weekly|" in t or "<template>" in t]
    assert any("`/partnership calendar [ICS-URL | off]`" in t for t in texts)  # no link
