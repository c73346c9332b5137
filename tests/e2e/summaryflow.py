"""Steps and look-ups for the summary tests: answer a whole live check, find the summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.blocks import ids
from tests.e2e.checkflow import CHANNEL, LEAD, answer_button, button, lead_button, press
from tests.support import signing
from tests.support.fake_slack import Call
from tests.support.harness import Harness

# (question id, user) -> value to press; None leaves the question unanswered
Picks = Callable[[str, str], str | None]


async def answer_every_question(
    h: Harness,
    people: list[str],
    picks: Picks,
    *,
    template: str = "partnership_check",
    teams: dict[str, str] | None = None,
) -> None:
    """Walk a live check from the first question to the last, everyone answering (each from
    the workspace `teams` names, else the channel's own)."""
    questions = h.services.bank.template_questions(template)
    for position, question in enumerate(questions):
        for user in people:
            value = picks(question.id, user)
            if value is not None:
                card = _last_with(h, ids.ANSWER)
                await press(
                    h,
                    answer_button(h, value, call_index=card),
                    user=user,
                    user_team_id=(teams or {}).get(user),
                )
        if position + 1 < len(questions):
            await press(h, lead_button(h, ids.NEXT_QUESTION))


async def comment(h: Harness, user: str, text: str) -> None:
    """Comment on the live question the check is at."""
    await press(h, button(h, ids.ADD_COMMENT, call_index=_last_with(h, ids.ADD_COMMENT)), user=user)
    opened = h.fake.last("views.open").args["view"]
    reply = await h.submit(
        ids.COMMENT_VIEW,
        {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(text)}},
        private_metadata=opened["private_metadata"],
        user_id=user,
    )
    assert reply.status == 200, reply.text


async def add_next_step(
    h: Harness, *, user: str, text: str, owner: str | None, due: str | None
) -> Any:
    """Press *Add next step* on the newest message that has it, and submit the modal."""
    element = button(h, ids.ADD_NEXT_STEP, call_index=_last_with(h, ids.ADD_NEXT_STEP))
    await press(h, element, user=user)
    opened = h.fake.last("views.open").args["view"]
    assert opened["callback_id"] == ids.NEXT_STEP_VIEW
    return await h.submit(
        ids.NEXT_STEP_VIEW,
        {
            ids.STEP_TEXT_BLOCK: {ids.STEP_TEXT_INPUT: signing.plain_input(text)},
            ids.STEP_OWNER_BLOCK: {ids.STEP_OWNER_INPUT: signing.users_select(owner)},
            ids.STEP_DUE_BLOCK: {ids.STEP_DUE_INPUT: signing.datepicker(due)},
        },
        private_metadata=opened["private_metadata"],
        user_id=user,
    )


async def close(h: Harness) -> None:
    await press(h, lead_button(h, ids.CLOSE_CHECK), user=LEAD)


def summary_calls(h: Harness) -> tuple[Call, Call]:
    """(headline, details) of the newest summary posted in the channel."""
    posted = h.fake.calls_to("chat.postMessage")
    [*_, headline] = [
        c for c in posted if c.args["text"].startswith("Summary for") and "thread_ts" not in c.args
    ]
    ts = headline.response["ts"] if headline.response else None
    [details] = [c for c in posted if c.args.get("thread_ts") == ts]
    assert headline.args["channel"] == CHANNEL
    return headline, details


def readable(call: Call) -> str:
    """The text a person reads in a posted message: its `text` and every section and context."""
    out = [call.args.get("text") or ""]
    for block in call.args.get("blocks") or []:
        if block["type"] == "section":
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out.append(" ".join(element.get("text", "") for element in block["elements"]))
    return "\n".join(out)


def blocks_text(call: Call) -> str:
    return json.dumps(call.args.get("blocks") or [], ensure_ascii=False)


def section_about(call: Call, label: str) -> str:
    """The text of the details section for one dimension label."""
    for block in call.args["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        title = text.split("\n", 1)[0]
        if block["type"] == "section" and f"*{label.replace('&', '&amp;')}*" in title:
            return text
    raise AssertionError(f"no section about {label}")


def _last_with(h: Harness, action_prefix: str) -> int:
    posted = h.fake.calls_to("chat.postMessage")
    for index in range(len(posted) - 1, -1, -1):
        for block in posted[index].args.get("blocks") or []:
            for element in block.get("elements") or []:
                if str(element.get("action_id", "")).startswith(action_prefix):
                    return index
    raise AssertionError(f"no message with a {action_prefix} control")
