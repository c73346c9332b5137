"""Editing a question never rewrites the history of answers given to its old wording."""

from __future__ import annotations

from dataclasses import replace

from bot.blocks import ids
from bot.usecases.export import export_partnership
from questions.bank import load_bank
from tests.e2e.checkflow import CHANNEL, answer_button, button, press, start_check
from tests.support.fake_slack import FakeSlack
from tests.support.harness import make_harness


async def test_answers_keep_the_wording_that_was_asked(database, fake_slack: FakeSlack) -> None:
    url, schema = database
    bank = load_bank()
    first_id = bank.template_questions("partnership_check")[0].id
    old = bank.questions[first_id]

    h = await make_harness(url, fake_slack, schema=schema, bank=bank)
    try:
        await start_check(h)
        await press(h, answer_button(h, "4"))
        await press(h, button(h, ids.CLOSE_CHECK))
    finally:
        await h.stop()

    new = replace(old, text="How well do our goals line up today?", version=old.version + 1)
    edited = replace(bank, questions={**bank.questions, first_id: new})
    h = await make_harness(url, fake_slack, schema=schema, bank=edited)
    try:
        await start_check(h, view_id="V0NEXT")
        await press(h, answer_button(h, "2"))
        data = await export_partnership(h.db(), CHANNEL)
    finally:
        await h.stop()

    first, second = data["checks"]
    assert [(a["question_version"], a["question_text"], a["value"]) for a in first["answers"]] == [
        (old.version, old.text, "4")
    ]
    assert [(a["question_version"], a["question_text"], a["value"]) for a in second["answers"]] == [
        (old.version + 1, "How well do our goals line up today?", "2")
    ]
