"""A live check from `/partnership check` to close, two people a side, through the front door."""

from __future__ import annotations

import json

from bot.blocks import ids
from bot.usecases.export import export_partnership, render_csv
from tests.e2e.checkflow import (
    CHANNEL,
    LEAD,
    answer_button,
    button,
    lead_button,
    press,
    start_check,
)
from tests.support.harness import Harness

OURS_2 = "U0OURS2"
CLIENT_1, CLIENT_2 = "U0CLIENT1", "U0CLIENT2"


async def test_scripted_live_check_records_exactly_the_last_answers(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1, CLIENT_2])
    questions = h.services.bank.template_questions("partnership_check")
    intro = h.fake.calls_to("chat.postMessage")[0]
    assert intro.args["channel"] == CHANNEL
    assert "<@U0CLIENT1>" in json.dumps(intro.args["blocks"], ensure_ascii=False)
    first = h.fake.last("chat.postMessage")
    assert f"Question 1 of {len(questions)}" in first.args["text"]

    expected: dict[tuple[int, str], str] = {}
    for position, question in enumerate(questions):
        values = [option.value for option in question.options]
        # everyone answers; one person on each side changes their mind
        picks = {LEAD: values[0], OURS_2: values[-1], CLIENT_1: values[1], CLIENT_2: values[-1]}
        for user, value in picks.items():
            await press(h, answer_button(h, value), user=user)
        await press(h, answer_button(h, values[-1]), user=LEAD)
        await press(h, answer_button(h, values[0]), user=CLIENT_2)
        picks[LEAD], picks[CLIENT_2] = values[-1], values[0]
        expected.update({(position, user): value for user, value in picks.items()})
        counts = json.dumps(h.fake.last("chat.update").args["blocks"], ensure_ascii=False)
        assert "2 at Acme · 2 at Client" in counts
        if position + 1 < len(questions):
            await press(h, button(h, ids.NEXT_QUESTION))
            assert f"Question {position + 2} of" in h.fake.last("chat.postMessage").args["text"]
    await press(h, button(h, ids.CLOSE_CHECK))
    [closing] = [
        c for c in h.fake.calls_to("chat.postMessage") if c.args["text"].startswith("Check closed")
    ]
    assert "2 people answered at Acme and 2 people at Client" in closing.args["text"]

    data = await export_partnership(h.db(), CHANNEL)
    [check] = data["checks"]
    assert check["status"] == "summarised"
    got = {}
    for answer in check["answers"]:
        position = next(
            q["position"] for q in check["questions"] if q["question_id"] == answer["question_id"]
        )
        got[(position, answer["user_id"])] = answer["value"]
        expected_side = "client" if answer["user_id"].startswith("U0CLIENT") else "ours"
        assert answer["side"] == expected_side
    assert got == expected
    assert len(check["answers"]) == 4 * len(questions)
    assert render_csv(data).count("\n") == 1 + 4 * len(questions)
    h.assert_payloads_valid()


async def test_only_the_lead_moves_the_check_on(harness: Harness) -> None:
    h = harness
    await start_check(h, client=[CLIENT_1])
    posted_before = len(h.fake.calls_to("chat.postMessage"))
    await press(h, button(h, ids.NEXT_QUESTION), user=CLIENT_1)
    refusal = h.fake.last("chat.postEphemeral")
    assert refusal.args["user"] == CLIENT_1
    assert "Only <@U0LEAD>" in refusal.args["text"]
    assert len(h.fake.calls_to("chat.postMessage")) == posted_before
    await press(h, button(h, ids.CLOSE_CHECK), user=OURS_2)
    assert "close this check" in h.fake.last("chat.postEphemeral").args["text"]


async def test_the_leads_controls_reach_the_lead_only(harness: Harness) -> None:
    """Next question and Close check never sit in a message the channel sees: they come in
    the lead's own panel, posted to the lead alone, anew for each question."""
    h = harness
    await start_check(h, client=[CLIENT_1])
    await press(h, answer_button(h, "4"), user=CLIENT_1)
    await press(h, button(h, ids.NEXT_QUESTION))
    await press(h, answer_button(h, "2"), user=OURS_2)
    await press(h, button(h, ids.CLOSE_CHECK))

    def controls(call) -> set[str]:
        return {
            element.get("action_id", "")
            for block in call.args.get("blocks") or []
            for element in block.get("elements") or []
        } & {ids.NEXT_QUESTION, ids.CLOSE_CHECK}

    shared = h.fake.calls_to("chat.postMessage") + h.fake.calls_to("chat.update")
    assert [c.args["text"] for c in shared if controls(c)] == []
    panels = [c for c in h.fake.calls_to("chat.postEphemeral") if controls(c)]
    assert [c.args["user"] for c in panels] == [LEAD, LEAD]  # one for each question shown
    assert all(c.args["channel"] == CHANNEL for c in panels)


async def test_a_spent_lead_panel_is_taken_away(harness: Harness) -> None:
    """Next question pressed in the lead's panel (an ephemeral message) deletes that panel
    through the click's response_url: the new question brings a panel of its own, so only one
    stays. A stale panel's button is taken away too; a refused click leaves the panel be."""
    h = harness
    await start_check(h, client=[CLIENT_1])

    async def from_panel(key: str, action_id: str, *, user: str = LEAD) -> None:
        element = lead_button(h, action_id)
        reply = await h.click(
            action_id,
            element["value"],
            user_id=user,
            channel_id=CHANNEL,
            message_ts=None,  # an ephemeral message
            response_url=h.fake.response_url(key),
        )
        assert reply.status == 200

    stale = lead_button(h, ids.NEXT_QUESTION)
    await from_panel("client", ids.NEXT_QUESTION, user=CLIENT_1)  # refused
    await from_panel("first", ids.NEXT_QUESTION)
    assert h.fake.responses_by_key == {"first": [{"delete_original": True}]}
    reply = await h.click(
        ids.NEXT_QUESTION,
        stale["value"],
        channel_id=CHANNEL,
        message_ts=None,
        response_url=h.fake.response_url("stale"),
    )
    assert reply.status == 200
    assert h.fake.responses_by_key["stale"] == [{"delete_original": True}]
    assert "already moved past" in h.fake.last("chat.postEphemeral").args["text"]
    await press(h, button(h, ids.CLOSE_CHECK))  # a click from a channel message: no response
    assert set(h.fake.responses_by_key) == {"first", "stale"}


async def test_answer_is_confirmed_to_the_person_only(harness: Harness) -> None:
    h = harness
    await start_check(h)
    await press(h, answer_button(h, "4"), user=OURS_2)
    note = h.fake.last("chat.postEphemeral")
    assert note.args["user"] == OURS_2
    assert note.args["text"].startswith("✓ ")
    await press(h, answer_button(h, "2"), user=OURS_2)
    assert h.fake.last("chat.postEphemeral").args["text"].startswith("✓ Changed to ")
    # only counts are visible in the channel, never the values
    update = h.fake.last("chat.update")
    visible = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert "1 at Acme · 0 at Client" in visible


async def test_a_confirmation_slack_could_not_take_is_sent_again(harness: Harness) -> None:
    h = harness
    await start_check(h)
    h.fake.fail_next("chat.postEphemeral", status=503)  # the lean first try meets a 503
    await press(h, answer_button(h, "4"), user=OURS_2)
    notes = h.fake.calls_to("chat.postEphemeral")
    assert [note.status for note in notes[-2:]] == [503, 200]
    assert notes[-1].args["user"] == OURS_2 and notes[-1].args["text"]


HELP_VERBS = {
    "Start",
    "See",
    "Repeat",
    "Send",
    "send",
    "Log",
    "Follow",
    "see",
    "Set",
    "choose",
    "Name",
    "Get",
    "Delete",
    "Show",
}


async def test_help_and_unknown_subcommands_answer_ephemerally(harness: Harness) -> None:
    reply = await harness.command("help")
    assert reply.json()["response_type"] == "ephemeral"
    text = reply.json()["text"]
    headings = ["*Run a check*", "*Meetings and reflections*", "*Settings*"]
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)
    assert text.index("*Run a check*") < text.index("`/partnership check`")
    assert text.index("*Meetings and reflections*") < text.index("`/partnership meeting`")
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    assert len(lines) >= 8
    for line in lines:
        assert "<" not in line, line  # Slack would read a <placeholder> as a link
        summary = line.split("`: ", 1)[1]
        assert summary.endswith(".") and ". " not in summary and len(summary) <= 90, line
        # a sentence that says what you do: it starts with its verb
        verb = summary.removeprefix("Our side only: ").split()[0]
        assert verb in HELP_VERBS, line
    reply = await harness.command("frobnicate now")
    assert reply.json()["response_type"] == "ephemeral"
    assert "I don't know `/partnership frobnicate`" in reply.json()["text"]
    reply = await harness.command("")
    assert "/partnership help" in reply.json()["text"]
    assert LEAD
