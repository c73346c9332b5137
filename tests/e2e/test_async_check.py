"""An async check: one message, a paged modal with earlier answers, closing at the deadline."""

from __future__ import annotations

from datetime import timedelta

from bot.blocks import ids
from bot.usecases.checks import close_due_checks
from bot.usecases.export import export_partnership
from tests.e2e.checkflow import CHANNEL, LEAD, button, press, start_check
from tests.support import signing
from tests.support.harness import START, Harness

CLIENT = "U0CLIENT1"
DEADLINE = int((START + timedelta(days=2)).timestamp())


def page_values(view: dict, pick: str, comment: str | None = None) -> dict:
    """Answer every question on a page with the first/last option; comments as prefilled
    unless `comment` is given (as a person would leave them)."""
    values: dict = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if block["block_id"].endswith("_comment"):
            kept = comment if comment is not None else element.get("initial_value")
            values[block["block_id"]] = {ids.ASYNC_COMMENT_INPUT: signing.plain_input(kept)}
        elif element["type"] == "radio_buttons":
            option = element["options"][0 if pick == "first" else -1]
            values[block["block_id"]] = {ids.ASYNC_VALUE_INPUT: signing.radio(option["value"])}
        else:
            values[block["block_id"]] = {ids.ASYNC_VALUE_INPUT: signing.plain_input("Notes")}
    return values


async def answer_all(h: Harness, user: str, pick: str, comment: str | None = None) -> list:
    await press(h, button(h, ids.ANSWER_NOW, call_index=0), user=user)
    view = h.fake.last("views.open").args["view"]
    seen = [view]
    while True:
        reply = await h.submit(
            ids.ASYNC_ANSWERS_VIEW,
            page_values(view, pick, comment),
            private_metadata=view["private_metadata"],
            user_id=user,
        )
        assert reply.status == 200, reply.text
        body = reply.json()
        if not body:
            return seen
        assert body["response_action"] == "update"
        view = body["view"]
        seen.append(view)


async def test_async_check_pages_prefills_and_closes_at_the_deadline(harness: Harness) -> None:
    h = harness
    await start_check(h, mode="async", deadline=DEADLINE, client=[CLIENT])
    [message] = h.fake.calls_to("chat.postMessage")
    assert "Answer now" in str(message.args["blocks"])
    total = len(h.services.bank.template_questions("partnership_check"))

    pages = await answer_all(h, LEAD, "first", comment="Good start")
    assert len(pages) == -(-total // 10)  # split across views of at most ten questions
    assert h.fake.last("chat.postEphemeral").args["text"].startswith("Thank you")
    await answer_all(h, CLIENT, "last")
    await answer_all(h, LEAD, "last")  # a change of mind replaces, never adds

    # opening the modal again shows the latest answers
    await press(h, button(h, ids.ANSWER_NOW, call_index=0), user=LEAD)
    reopened = h.fake.last("views.open").args["view"]
    first_input = next(b for b in reopened["blocks"] if b["type"] == "input")
    assert (
        first_input["element"]["initial_option"]["value"]
        == (first_input["element"]["options"][-1]["value"])
    )

    h.clock.advance(timedelta(days=1))
    assert await close_due_checks(h.services) == 0
    h.clock.advance(timedelta(days=1, minutes=1))
    assert await close_due_checks(h.services) == 1
    assert await close_due_checks(h.services) == 0
    posted = [str(call.args["blocks"]) for call in h.fake.calls_to("chat.postMessage")]
    assert sum("The deadline closed" in blocks for blocks in posted) == 1

    data = await export_partnership(h.db(), CHANNEL)
    [check] = data["checks"]
    assert check["status"] == "summarised" and check["closed_by"] is None
    assert len(check["answers"]) == 2 * total
    lead = [a for a in check["answers"] if a["user_id"] == LEAD]
    assert all(a["comment"] == "Good start" for a in lead)
    assert {a["side"] for a in check["answers"] if a["user_id"] == CLIENT} == {"client"}
    h.assert_payloads_valid()


async def test_async_check_needs_a_future_deadline(harness: Harness) -> None:
    h = harness
    await h.command("check")
    metadata = h.fake.last("views.open").args["view"]["private_metadata"]
    from tests.e2e.checkflow import start_values

    reply = await h.submit(
        ids.START_CHECK_VIEW, start_values(mode="async", deadline=None), private_metadata=metadata
    )
    assert reply.json() == {
        "response_action": "errors",
        "errors": {ids.DEADLINE_BLOCK: "An async check needs a deadline."},
    }
    past = int((START - timedelta(hours=1)).timestamp())
    reply = await h.submit(
        ids.START_CHECK_VIEW, start_values(mode="async", deadline=past), private_metadata=metadata
    )
    assert ids.DEADLINE_BLOCK in reply.json()["errors"]
    reply = await h.submit(
        ids.START_CHECK_VIEW, start_values(name="   "), private_metadata=metadata
    )
    assert ids.NAME_BLOCK in reply.json()["errors"]
    assert h.fake.calls_to("chat.postMessage") == []


async def test_closed_check_refuses_answers(harness: Harness) -> None:
    h = harness
    await start_check(h, mode="async", deadline=DEADLINE)
    await press(h, button(h, ids.CLOSE_CHECK, call_index=0))
    await press(h, button(h, ids.ANSWER_NOW, call_index=0), user=CLIENT)
    assert "closed" in h.fake.last("chat.postEphemeral").args["text"]
    assert h.fake.calls_to("views.open")[-1].args["view"]["callback_id"] == ids.START_CHECK_VIEW
