"""Comments, written answers, the start form's proposals, and what happens when things go wrong."""

from __future__ import annotations

from bot.blocks import ids
from bot.usecases.export import export_partnership
from tests.e2e.checkflow import CHANNEL, LEAD, button, press, start_check, start_values
from tests.support import signing
from tests.support.harness import Harness

OURS_2 = "U0OURS2"


async def test_comment_is_saved_prefilled_and_removable(harness: Harness) -> None:
    h = harness
    await start_check(h)
    await press(h, button(h, ids.ADD_COMMENT), user=OURS_2)
    view = h.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.COMMENT_VIEW
    values = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("We laughed a lot")}}
    reply = await h.submit(
        ids.COMMENT_VIEW, values, private_metadata=view["private_metadata"], user_id=OURS_2
    )
    assert reply.status == 200 and not reply.text
    assert h.fake.last("chat.postEphemeral").args["text"] == "Your comment is saved."

    await press(h, button(h, ids.ADD_COMMENT), user=OURS_2)
    again = h.fake.last("views.open").args["view"]
    comment_block = next(b for b in again["blocks"] if b.get("block_id") == ids.COMMENT_BLOCK)
    assert comment_block["element"]["initial_value"] == "We laughed a lot"

    too_long = {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("x" * 2001)}}
    reply = await h.submit(
        ids.COMMENT_VIEW, too_long, private_metadata=view["private_metadata"], user_id=OURS_2
    )
    assert reply.json()["response_action"] == "errors"
    assert "2000 characters" in reply.json()["errors"][ids.COMMENT_BLOCK]

    [check] = (await export_partnership(h.db(), CHANNEL))["checks"]
    [answer] = check["answers"]
    assert (answer["value"], answer["comment"]) == (None, "We laughed a lot")
    h.assert_payloads_valid()


async def test_written_answers_go_through_a_modal(harness: Harness) -> None:
    h = harness
    await start_check(h, template="ground_rules")
    bank = h.services.bank.template_questions("ground_rules")
    text_position = next(i for i, q in enumerate(bank) if q.kind == "text")
    for _ in range(text_position):
        await press(h, button(h, ids.NEXT_QUESTION))
    await press(h, button(h, ids.WRITE_ANSWER), user=OURS_2)
    view = h.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.TEXT_ANSWER_VIEW
    empty = {ids.TEXT_ANSWER_BLOCK: {ids.TEXT_ANSWER_INPUT: signing.plain_input("  ")}}
    reply = await h.submit(
        ids.TEXT_ANSWER_VIEW, empty, private_metadata=view["private_metadata"], user_id=OURS_2
    )
    assert reply.json()["errors"][ids.TEXT_ANSWER_BLOCK].startswith("Write something")
    written = {ids.TEXT_ANSWER_BLOCK: {ids.TEXT_ANSWER_INPUT: signing.plain_input("Call first")}}
    reply = await h.submit(
        ids.TEXT_ANSWER_VIEW, written, private_metadata=view["private_metadata"], user_id=OURS_2
    )
    assert reply.status == 200 and not reply.text
    [check] = (await export_partnership(h.db(), CHANNEL))["checks"]
    assert [a["value"] for a in check["answers"]] == ["Call first"]
    h.assert_payloads_valid()


async def test_start_form_proposes_people_from_the_clients_workspace(harness: Harness) -> None:
    h = harness
    h.fake.add_user("U0GUEST", team_id="T0CLIENT", tz="America/New_York")
    h.fake.add_user("U0MINE", team_id="T0OURS")
    h.fake.set_channel_members(CHANNEL, [LEAD, "U0MINE", "U0GUEST", "U0BOT"])
    await h.command("check")
    opened = h.fake.last("views.open").args["view"]
    assert opened["blocks"][0]["element"].get("initial_value") is None  # no partnership yet
    updated = h.fake.last("views.update").args["view"]
    client_block = next(b for b in updated["blocks"] if b["block_id"] == ids.CLIENT_BLOCK)
    assert client_block["element"]["initial_users"] == ["U0GUEST"]
    h.assert_payloads_valid()


async def test_check_command_while_one_runs_gives_the_lead_their_controls_back(
    harness: Harness,
) -> None:
    h = harness
    await start_check(h, name="Acme & us", client=["U0CLIENT1"])
    opened = len(h.fake.calls_to("views.open"))
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    assert len(h.fake.calls_to("views.open")) == opened
    panel = h.fake.last("chat.postEphemeral")
    assert panel.args["user"] == LEAD
    controls = [e.get("action_id") for b in panel.args["blocks"] for e in b.get("elements") or []]
    assert ids.NEXT_QUESTION in controls and ids.CLOSE_CHECK in controls
    # anyone else is told who leads it, and gets no controls
    shown = len(h.fake.calls_to("chat.postEphemeral"))
    reply = await h.command("check", user_id=OURS_2, channel_id=CHANNEL)
    assert "led by <@U0LEAD>" in reply.text
    assert len(h.fake.calls_to("chat.postEphemeral")) == shown
    # a form opened before the check started, submitted now, starts nothing
    posted = len(h.fake.calls_to("chat.postMessage"))
    reply = await h.submit(
        ids.START_CHECK_VIEW, start_values(), private_metadata=CHANNEL, view_id="V0SECOND"
    )
    assert reply.status == 200
    assert "already running here" in h.fake.last("chat.postEphemeral").args["text"]
    assert len(h.fake.calls_to("chat.postMessage")) == posted
    h.assert_payloads_valid()


async def test_the_next_check_is_prefilled_from_the_last(harness: Harness) -> None:
    h = harness
    await start_check(h, name="Acme & us", client=["U0CLIENT1"])
    await press(h, button(h, ids.CLOSE_CHECK))
    await h.command("check", user_id=LEAD, channel_id=CHANNEL)
    view = h.fake.last("views.open").args["view"]
    assert view["blocks"][0]["element"]["initial_value"] == "Acme & us"
    client_block = next(b for b in view["blocks"] if b["block_id"] == ids.CLIENT_BLOCK)
    assert client_block["element"]["initial_users"] == ["U0CLIENT1"]


async def test_a_retried_submission_starts_one_check(harness: Harness) -> None:
    h = harness
    await start_check(h, view_id="V0SAME")
    posted = len(h.fake.calls_to("chat.postMessage"))
    body = signing.view_submission(
        callback_id=ids.START_CHECK_VIEW,
        values=start_values(),
        private_metadata=CHANNEL,
        view_id="V0SAME",
    )
    headers = {**signing.signed_headers(body), "X-Slack-Retry-Num": "1"}
    reply = await h.post(body, headers)
    assert reply.status == 200
    assert len(h.fake.calls_to("chat.postMessage")) == posted
    assert len((await export_partnership(h.db(), CHANNEL))["checks"]) == 1


async def test_a_bot_outside_the_channel_says_how_to_invite_it(harness: Harness) -> None:
    h = harness
    h.fake.error_next("chat.postMessage", "not_in_channel")
    await start_check(h)
    note = h.fake.last("chat.postEphemeral")
    assert note.args["user"] == LEAD and "/invite @Partnership Check" in note.args["text"]
    # when even the ephemeral note is refused, the person hears it by direct message
    h.fake.error_next("chat.postMessage", "not_in_channel")
    h.fake.error_next("chat.postEphemeral", "not_in_channel")
    await start_check(h, view_id="V1")
    dm = h.fake.last("chat.postMessage")
    assert dm.args["channel"] == h.fake.last("conversations.open").response["channel"]["id"]
    assert "/invite @Partnership Check" in dm.args["text"]
    reply_text = (await h.command("check")).text
    assert reply_text == ""
    # nothing half-made was kept: a new check can start straight away
    await h.submit(ids.START_CHECK_VIEW, start_values(), private_metadata=CHANNEL, view_id="V2")
    assert "Question 1 of" in h.fake.last("chat.postMessage").args["text"]


async def test_check_in_a_direct_message_is_explained(harness: Harness) -> None:
    reply = await harness.command("check", channel_id="D0DIRECT")
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "channel you share with the client" in reply.json()["text"]
    assert harness.fake.calls_to("views.open") == []


async def test_stale_or_forged_button_values_get_a_sentence(harness: Harness) -> None:
    h = harness
    await start_check(h)
    reply = await h.click(f"{ids.ANSWER}:4", "not-a-ref", user_id=OURS_2)
    assert reply.status == 200
    assert "out of date" in h.fake.last("chat.postEphemeral").args["text"]
    reply = await h.click(f"{ids.ANSWER}:9", "999:0:9", user_id=OURS_2)
    assert "no longer exists" in h.fake.last("chat.postEphemeral").args["text"]
    ref = button(h, ids.NEXT_QUESTION)["value"]
    reply = await h.click(f"{ids.ANSWER}:9", f"{ref}:9", user_id=OURS_2)
    assert "not one of this question's answers" in h.fake.last("chat.postEphemeral").args["text"]
    [check] = (await export_partnership(h.db(), CHANNEL))["checks"]
    assert check["answers"] == []
