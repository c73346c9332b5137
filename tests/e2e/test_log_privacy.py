"""No token, signing secret, answer or comment text in any log line, even at DEBUG."""

from __future__ import annotations

import logging

import pytest

from bot.blocks import ids
from tests.e2e.checkflow import CHANNEL, LEAD, button, press, start_check
from tests.support import signing
from tests.support.harness import Harness

COMMENT = "they never read our reports, zebra-quartz"
TEXT_ANSWER = "honestly the budget talk went badly, walrus-umber"


async def test_a_full_check_logs_no_secret_and_no_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: everything any library logs
    h = harness
    await start_check(h, client=["U0CLIENT1"])
    labels = []
    for position in range(3):
        for user in (LEAD, "U0OURS2", "U0CLIENT1"):
            element = button(h, ids.ANSWER)  # a button, or the menu of a long choice
            if element["type"] == "static_select":
                element = {**element, "picked": element["options"][0]["value"]}
                labels.append(element["options"][0]["text"]["text"])
            else:
                labels.append(element["text"]["text"])
            await press(h, element, user=user)
        reply = await h.submit(
            ids.COMMENT_VIEW,
            {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(COMMENT)}},
            private_metadata=f"1:{position}",
            user_id="U0OURS2",
        )
        assert reply.status == 200
        await press(h, button(h, ids.ADD_COMMENT), user="U0OURS2")  # modal prefilled
        await press(h, button(h, ids.NEXT_QUESTION))
    # a text answer sent to a question that is not a text question is refused, not logged
    await h.submit(
        ids.TEXT_ANSWER_VIEW,
        {ids.TEXT_ANSWER_BLOCK: {ids.TEXT_ANSWER_INPUT: signing.plain_input(TEXT_ANSWER)}},
        private_metadata="1:0",
    )
    # a forged request carrying a comment, and the database refusing, are both logged
    forged = signing.view_submission(
        callback_id=ids.COMMENT_VIEW,
        values={ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(COMMENT)}},
    )
    await h.post(forged, {**signing.signed_headers(forged), **signing.sign(forged, secret="x")})
    await press(h, button(h, ids.CLOSE_CHECK))
    assert "Refused a request" in caplog.text  # the capture works: it can fail
    assert any(r.name.startswith(("slack_bolt", "partnercheck")) for r in caplog.records)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert h.fake.calls_to("views.open")[-1].args["view"]  # comments went out to Slack ...
    for secret in (signing.SIGNING_SECRET, "xoxb-test-token", COMMENT, TEXT_ANSWER, CHANNEL * 0):
        if secret:
            assert secret not in logged  # ... but never into a log line
    assert "walrus" not in logged and "zebra" not in logged
    assert set(labels)
