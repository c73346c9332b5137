"""Each template's own headline, and trends that compare like with like when a question's
wording changed: through the front door, read from what the app posted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.blocks import ids
from bot.db.models import Check
from bot.usecases.export import export_partnership
from questions.bank import load_bank
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.e2e.summaryflow import (
    answer_every_question,
    close,
    readable,
    section_about,
    summary_calls,
)
from tests.e2e.test_our_side_never_shared import click, dm_button, dms_to
from tests.support import signing
from tests.support.fake_slack import Call, FakeSlack
from tests.support.harness import Harness, make_harness

OURS_2, CLIENT_1, CLIENT_2 = "U0OURS2", "U0CLIENT1", "U0CLIENT2"
EVERYONE = [LEAD, OURS_2, CLIENT_1, CLIENT_2]
NAMES = {"our_org": "Acme", "client_org": "Northwind"}  # typed in the start form


def ground_rules(question_id: str, user: str) -> str | None:
    client = user.startswith("U0CLIENT")
    picks = {
        "gr.rules.stated": {CLIENT_1: "spoken", CLIENT_2: "assumed"}.get(user, "written"),
        "gr.conflict.route": "no" if user == CLIENT_2 else "yes",
        "gr.rules.last_checked": "this_year" if client else "recent",
        "gr.rules.to_discuss": None,  # free text, left blank
    }
    return picks.get(question_id, "4")


async def test_the_ground_rules_headline_says_how_rules_are_set_and_checked(
    harness: Harness,
) -> None:
    h = harness
    await start_check(h, template="ground_rules", client=[CLIENT_1, CLIENT_2], **NAMES)
    await answer_every_question(h, EVERYONE, ground_rules, template="ground_rules")
    await close(h)
    headline, details = summary_calls(h)
    head = readable(headline)
    # Acme's answers average 4.25, Northwind's 3.75: the sixth need is not ticked
    assert "Ground rules not ticked yet" in head
    assert "*Ground rules*: Acme: 2 × Written · Northwind: 1 × Talked through, 1 × Assumed" in head
    assert "*Route for disagreements agreed*: Acme: 2 × Yes · Northwind: 1 × Yes, 1 × Not yet" in (
        head
    )
    assert (
        "*Last checked together*: Acme: 2 × Within the last three months · "
        "Northwind: 2 × Within the last year"
    ) in head
    thread = readable(details)
    assert "1 at Northwind answered “Assumed: each side takes them for granted”" in thread
    assert "of 5 needs" not in head
    # 4.25 and 3.75 read as people round them by hand, not Python's half-to-even 4.2
    assert "Acme *4.3* (2 answered) · Northwind *3.8* (2 answered)" in section_about(
        details, "Ground rules"
    )
    # one need is no radar: the headline does not promise a chart
    assert "The details are in the thread." in head  # no chart named
    assert not h.fake.calls_to("files.getUploadURLExternal")
    h.assert_payloads_valid()


def self_check(role: list[str], standing: str):  # type: ignore[no-untyped-def]
    def picks(question_id: str, user: str) -> str | None:
        index = [LEAD, OURS_2].index(user)
        return {
            "sc.work.main_kind": ["strategic", "tactical"][index],
            "sc.work.strategic_share": "quarter_to_half",
            "sc.role.played": role[index],
            "sc.client.type": "sustained",
            "sc.signal.moved_meetings": "none",
        }.get(question_id, standing)

    return picks


async def self_check_by_dm(h: Harness, picks) -> Call:  # type: ignore[no-untyped-def]
    """`/partnership self-check`, both of our people answer its form by DM, the lead closes it;
    the headline of its summary, sent to the lead by DM (our side only)."""
    h.fake.set_channel_members(CHANNEL, [LEAD, OURS_2, CLIENT_1])
    reply = await h.command("self-check", user_id=LEAD, channel_id=CHANNEL)
    assert reply.status == 200, reply.text
    questions = h.services.bank.template_questions("self_check")
    for user in (LEAD, OURS_2):
        await click(h, dm_button(h, user, ids.ANSWER_NOW), user, channel="D" + user)
        view = h.fake.last("views.open").args["view"]
        while True:
            values: dict[str, Any] = {}
            for block in view["blocks"]:
                if block["type"] != "input" or not block["block_id"][1:].isdigit():
                    continue
                element = block["element"]
                value = picks(questions[int(block["block_id"][1:])].id, user)
                if value is not None and element["type"] == "radio_buttons":
                    values[block["block_id"]] = {element["action_id"]: signing.radio(value)}
            reply = await h.submit(
                ids.ASYNC_ANSWERS_VIEW,
                values,
                private_metadata=view["private_metadata"],
                user_id=user,
            )
            assert reply.status == 200, reply.text
            if not reply.json():
                break
            view = reply.json()["view"]
    await click(h, dm_button(h, LEAD, ids.CLOSE_CHECK), LEAD, channel="D" + LEAD)
    [*_, headline] = [
        c
        for c in dms_to(h, LEAD)
        if c.args["text"].startswith("Summary for") and "thread_ts" not in c.args
    ]
    return headline


def thread_of(h: Harness, headline: Call) -> Call:
    """The details posted in the thread of a summary's headline."""
    ts = headline.response["ts"] if headline.response else None
    [details] = [c for c in h.fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts]
    return details


async def test_the_self_check_headline_reports_the_work_role_standing_and_change(
    harness: Harness,
) -> None:
    h = harness
    await start_check(h, **NAMES)  # the partnership, with both organisations named
    await close(h)
    headline = await self_check_by_dm(h, self_check(["expert", "collaborator"], "4"))
    head = readable(headline)
    assert "*Most of our time*: Acme: 1 × Tactical, 1 × Strategic" in head
    # asked of our side only: the client is neither counted nor named, no tick rule, no chart
    # promised (one scored dimension is no radar)
    thread = readable(thread_of(h, headline))
    assert "2 answered at Acme. The details are in the thread." in head
    assert "at Northwind" not in head and "Northwind _no answers_" not in thread
    assert "each side" not in head + thread
    assert "Acme *4.0* (2 answered)\n" in thread + "\n"
    assert "A need is ticked" not in thread and "*What we picked*" in thread
    assert "*Strategic share of the work*: Acme: 2 × A quarter to a half" in head
    assert "*Role we played*: Acme: 1 × Expert, 1 × Collaborator" in head
    assert "*Access, credibility &amp; trust*: Acme *4.0*" in head
    assert "*Sustained or project client*: Acme: 2 × Sustained" in head
    assert "needs ticked" not in head

    h.clock.advance(timedelta(days=60))
    head = readable(await self_check_by_dm(h, self_check(["collaborator", "collaborator"], "5")))
    assert (
        "*Role we played*: Acme: 2 × Collaborator _(last time: Acme: 1 × Expert, 1 × Collaborator)_"
    ) in head
    assert "*Access, credibility &amp; trust*: Acme *5.0* ↗ (was 4.0)" in head
    assert "*Sustained or project client*: Acme: 2 × Sustained\n" in head + "\n"  # unchanged
    h.assert_payloads_valid()


async def _as_first_stored(h: Harness) -> None:
    async with h.db().unit_of_work() as session:
        check = await session.get(Check, 1)
        assert check is not None and check.summary is not None
        legacy = {**check.summary, "format": 1}
        legacy["dimensions"] = [
            {k: v for k, v in d.items() if k not in ("asked", "per_question")}
            for d in legacy["dimensions"]
        ]
        await session.execute(update(Check).where(Check.id == 1).values(summary=legacy))


def trust(level: dict[str, str], openness: dict[str, str]):  # type: ignore[no-untyped-def]
    def picks(question_id: str, user: str) -> str | None:
        side = "client" if user.startswith("U0CLIENT") else "ours"
        if question_id == "pc.trust.level":
            return level[side]
        if question_id == "pc.trust.openness":
            return openness[side]
        if question_id == "pc.goals.deal_breakers":
            return "none"
        if question_id == "pc.consultants.role":
            return "collaborator"
        return "yes" if question_id in ("pc.along.common_history", "pc.actions.next_steps") else "4"

    return picks


@pytest.mark.parametrize("stored_before_versions", [False, True])
async def test_a_reworded_question_is_left_out_of_the_trend_and_the_summary_says_so(
    database: tuple[str, str | None], fake_slack: FakeSlack, stored_before_versions: bool
) -> None:
    url, schema = database
    bank = load_bank()
    h = await make_harness(url, fake_slack, schema=schema, bank=bank)
    try:
        await start_check(h, client=[CLIENT_1, CLIENT_2], **NAMES)
        before = trust({"ours": "4", "client": "3"}, {"ours": "2", "client": "2"})
        await answer_every_question(h, EVERYONE, before)
        await close(h)
        if stored_before_versions:  # as summaries were stored before they kept versions
            await _as_first_stored(h)
    finally:
        await h.stop()

    old = bank.questions["pc.trust.openness"]
    reworded = replace(old, text="Bad news reaches the other side early.", version=old.version + 1)
    edited = replace(bank, questions={**bank.questions, old.id: reworded})
    h = await make_harness(url, fake_slack, schema=schema, bank=edited)
    try:
        h.clock.advance(timedelta(days=30))
        await start_check(h, client=[CLIENT_1, CLIENT_2], view_id="V0NEXT", **NAMES)
        after = trust({"ours": "5", "client": "2"}, {"ours": "5", "client": "5"})
        await answer_every_question(h, EVERYONE, after)
        await close(h)
        section = section_about(summary_calls(h)[1], "Trust")
    finally:
        await h.stop()
    # Over both questions Northwind went from 2.5 to 3.5, which would read as better; on the
    # one question asked the same way both times it went from 3 to 2.
    assert "Acme *5.0* (2 answered) ↗ (was 4.0) · Northwind *3.5* (2 answered) ↘ (was 3.0)" in (
        section
    )
    assert "reworded since last time" in section


# The four questions that asked two things at once, as version 1 worded them before the split.
BEFORE_THE_SPLIT = {
    "pc.goals.shared": "Our two organisations want the same things from this work, and we "
    "share the values behind how it gets done.",
    "pc.vision.stated": "Each side has said where it wants its own organisation to be in a "
    "few years, and what it hopes this relationship will become.",
    "pc.value.priorities": "Each side knows the other's priorities right now, and how they "
    "have changed recently.",
    "pc.value.delivery": "Since the last check, how often has each side done what it said it "
    "would, by the time it said it would?",
}
ASKED_BEFORE_THE_SPLIT = [
    "pc.goals.shared",
    "pc.goals.deal_breakers",
    "pc.vision.stated",
    "pc.vision.aligned",
    "pc.along.common_history",
    "pc.along.humour",
    "pc.trust.level",
    "pc.trust.openness",
    "pc.actions.next_steps",
    "pc.actions.progress",
    "pc.value.priorities",
    "pc.value.delivery",
]


def before_the_split(bank):  # type: ignore[no-untyped-def]
    """The bank as it was before the four questions were split (their version 1)."""
    questions = dict(bank.questions)
    for question_id, text in BEFORE_THE_SPLIT.items():
        questions[question_id] = replace(questions[question_id], version=1, text=text)
    template = replace(
        bank.templates["partnership_check"], question_ids=tuple(ASKED_BEFORE_THE_SPLIT)
    )
    return replace(bank, questions=questions, templates={**bank.templates, template.id: template})


async def test_answers_to_a_split_question_keep_its_old_wording_and_trends_compare_like_with_like(
    database: tuple[str, str | None], fake_slack: FakeSlack
) -> None:
    url, schema = database
    bank = load_bank()
    h = await make_harness(url, fake_slack, schema=schema, bank=before_the_split(bank))
    try:
        await start_check(h, client=[CLIENT_1, CLIENT_2], **NAMES)
        before = trust({"ours": "4", "client": "3"}, {"ours": "4", "client": "3"})
        await answer_every_question(
            h, EVERYONE, lambda q, u: "1" if q == "pc.vision.stated" else before(q, u)
        )
        await close(h)
    finally:
        await h.stop()

    h = await make_harness(url, fake_slack, schema=schema, bank=bank)  # the bank of today
    try:
        h.clock.advance(timedelta(days=30))
        await start_check(h, client=[CLIENT_1, CLIENT_2], view_id="V0NEXT", **NAMES)
        after = trust({"ours": "5", "client": "2"}, {"ours": "5", "client": "2"})
        await answer_every_question(
            h,
            EVERYONE,
            lambda q, u: (
                "5" if q in ("pc.vision.stated", "pc.vision.relationship") else after(q, u)
            ),
        )
        await close(h)
        _, details = summary_calls(h)
        data = await export_partnership(h.db(), CHANNEL)
    finally:
        await h.stop()
    # the goals and value questions were all reworded: no trend rather than a false one
    for label in ("Shared goals & values", "Value & predictability"):
        section = section_about(details, label)
        assert "no like-for-like trend" in section, label
        assert "↗" not in section and "↘" not in section and "(was" not in section
    # vision: only pc.vision.aligned was asked the same way both times, and it stayed at 4;
    # over every question it would read as a rise from 2.5 to 4.7
    vision = section_about(details, "Vision & alignment")
    assert "Acme *4.7* (2 answered) → (was 4.0) · Northwind *4.7* (2 answered) → (was 4.0)" in (
        vision
    )
    assert "compares only the questions asked the same way both times" in vision
    trust_section = section_about(details, "Trust")  # unchanged questions: a plain trend
    assert "↗ (was 4.0)" in trust_section and "reworded" not in trust_section
    # each answer keeps the wording it was given to
    first, second = data["checks"]
    asked_first = {
        (a["question_id"], a["question_version"], a["question_text"]) for a in first["answers"]
    }
    for question_id, text in BEFORE_THE_SPLIT.items():
        assert (question_id, 1, text) in asked_first
        new = bank.questions[question_id]
        assert any(
            (a["question_id"], a["question_version"], a["question_text"])
            == (question_id, 2, new.text)
            for a in second["answers"]
        )
