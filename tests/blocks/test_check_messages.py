"""What people see in a check, as data: the lead's controls apart, answers on one row, a
question before anything that can't be undone, and counts that read as English."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks import checks, digest, ids, meetings, nudges, our_side, summary
from bot.domain import summary as summary_facts
from bot.domain.digest import MeetingHeld, compile_digest
from bot.domain.wording import all_of, count_phrase, plural, side_name, side_tag, sides_name
from handlers.actions import answer_saved_note
from questions.bank import load_bank
from tests.blocks.test_nothing_cut_off import question_info
from tests.support.answer_tallies import summary_of

BANK = load_bank()
EVERY_QUESTION = [
    (template.id, position, question)
    for template in BANK.templates.values()
    for position, question in enumerate(BANK.template_questions(template.id))
]
LEAD_ONLY = {ids.NEXT_QUESTION, ids.CLOSE_CHECK}


def info(total: int, mode: str = "live") -> checks.CheckInfo:
    return checks.CheckInfo(
        id=1,
        partnership_name="Acme",
        template_name="Partnership check",
        lead_user_id="U0LEAD",
        mode=mode,
        anonymous=False,
        total=total,
    )


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(("template", "position", "question"), EVERY_QUESTION)
def test_a_question_message_holds_only_what_everyone_may_use(template, position, question):
    _, blocks = checks.question_message(
        info(12), question_info(question, position), checks.Counts()
    )
    action_ids = {e["action_id"] for e in elements(blocks)}
    assert not action_ids & LEAD_ONLY
    [answer] = [b for b in blocks if b.get("block_id") == "answer"]
    controls = answer["elements"]
    if question.kind == "scale":
        assert [c["text"]["text"] for c in controls] == ["1", "2", "3", "4", "5"]
        legend = " ".join(b["elements"][0]["text"] for b in blocks if b["type"] == "context")
        assert all(option.label in legend for option in question.options)
    elif len(controls) > 1:  # buttons only when they fit one row
        width = sum(len(c["text"]["text"]) + checks.BUTTON_PADDING for c in controls)
        assert width <= checks.ROW_WIDTH
    # question, notes, answers, comment/next step, counts: five blocks at most
    assert len(blocks) <= 5


def test_long_choices_become_a_menu() -> None:
    question = BANK.questions["pc.goals.deal_breakers"]
    _, blocks = checks.question_message(info(12), question_info(question, 1), checks.Counts())
    [menu] = next(b for b in blocks if b.get("block_id") == "answer")["elements"]
    assert menu["type"] == "static_select" and menu["action_id"] == ids.ANSWER_SELECT
    assert [o["value"] for o in menu["options"]] == [f"1:1:{o.value}" for o in question.options]


def test_the_lead_panel_moves_on_until_the_last_question_then_only_closes() -> None:
    _, first = checks.lead_panel(info(3), 0)
    assert [e["action_id"] for e in elements(first)] == [ids.NEXT_QUESTION, ids.CLOSE_CHECK]
    assert elements(first)[0]["value"] == "1:0"
    _, last = checks.lead_panel(info(3), 2)
    assert [e["action_id"] for e in elements(last)] == [ids.CLOSE_CHECK]
    _, waiting = checks.lead_panel(info(3, "async"), None)
    assert [e["action_id"] for e in elements(waiting)] == [ids.CLOSE_CHECK]
    _, async_blocks = checks.async_message(info(3, "async"), checks.Counts())
    assert not {e["action_id"] for e in elements(async_blocks)} & LEAD_ONLY


def test_what_cant_be_undone_asks_first_and_the_rest_does_not() -> None:
    _, panel = checks.lead_panel(info(3), 0)
    by_id = {e["action_id"]: e for e in elements(panel)}
    assert "confirm" in by_id[ids.CLOSE_CHECK]
    assert "confirm" not in by_id[ids.NEXT_QUESTION]
    _, invitation = our_side.self_check_invitation(
        check_id=1,
        partnership_name="Acme",
        template_name="Consultant self-check",
        total=8,
        deadline_at=datetime(2026, 11, 30, tzinfo=UTC),
        lead_user_id="U0LEAD",
        for_lead=True,
    )
    by_id = {e["action_id"]: e for e in elements(invitation)}
    assert "confirm" in by_id[ids.CLOSE_CHECK]  # the self-check's Close now
    assert "confirm" not in by_id[ids.ANSWER_NOW]
    nudge = nudges.NudgeInfo(1, "Review", "Acme", "C0SHARED", datetime(2026, 11, 30, tzinfo=UTC))
    _, blocks = nudges.nudge_message(nudge)
    by_id = {e["action_id"]: e for e in elements(blocks)}
    assert "confirm" in by_id[ids.SKIP_NUDGE]
    assert "confirm" not in by_id[ids.REFLECT_NOW]
    row = meetings.MeetingRow(
        1, "Review", nudge.ended_at, nudge.ended_at, "scheduled", "slash", ("U0LEAD",)
    )
    _, listed = meetings.meetings_list(
        partnership_name="Acme",
        rows=[row],
        now=nudge.ended_at,
        manageable=frozenset({1}),
        feed_note=None,
    )
    menus = [
        b["accessory"]
        for b in listed
        if b.get("accessory", {}).get("action_id") == ids.MEETING_MENU
    ]
    assert menus and all("confirm" in menu for menu in menus)


def test_the_answer_note_is_short() -> None:
    assert answer_saved_note("Agree", changed=False) == (
        "✓ Agree — change it any time before the check closes."
    )
    assert answer_saved_note("<b>", changed=True).startswith("✓ Changed to &lt;b&gt; —")
    for changed in (False, True):  # nine words besides the answer itself
        note = answer_saved_note("Agree", changed=changed)
        assert len([w for w in note.split() if w.strip(".").isalpha()]) == 9


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (count_phrase(1, "need"), "1 need"),
        (count_phrase(0, "need"), "0 needs"),
        (count_phrase(2, "person"), "2 people"),
        (count_phrase(3, "open next step"), "3 open next steps"),
        (plural("more reflection", 1), "more reflection"),
        (all_of(1, "need"), "the 1 need"),
        (all_of(2, "need"), "both needs"),
        (all_of(5, "need"), "all 5 needs"),
        (side_name("ours"), "our side"),
        (side_name("client"), "the client side"),
        (side_tag("client"), "client side"),
        (sides_name(["ours"]), "our side"),
        (sides_name(["client"]), "the client side"),
        (sides_name(["ours", "client"]), "both sides"),
    ],
)
def test_counts_and_sides_read_as_english(words: str, expected: str) -> None:
    assert words == expected


def test_a_question_for_one_side_names_that_organisation() -> None:
    question = next(q for _, _, q in EVERY_QUESTION if tuple(q.sides) == ("ours",))
    check = info(8)
    _, blocks = checks.question_message(check, question_info(question, 0), checks.Counts())
    shown = " ".join(b["elements"][0]["text"] for b in blocks if b["type"] == "context")
    assert f"For {check.our_name} only." in shown
    assert "the our" not in shown and "our side" not in shown


ONE_AND_PLURAL = re.compile(
    r"\b1 (?:[a-z]+ )?(?:people|persons|needs|minutes|hours|meetings|reflections|nudges|"
    r"questions|answers|problems)\b"
)


def test_a_count_of_one_reads_as_english_wherever_it_is_written() -> None:
    """Counts written outside the check messages: each takes its noun from wording.py."""
    now = datetime(2026, 11, 30, tzinfo=UTC)
    held = [MeetingHeld("Review", now, 1, 1)]
    one = compile_digest(partnership_name="Acme", since=now, until=now, meetings=held, answers=[])
    form = meetings.meeting_modal(
        channel_id="C0SHARED", partnership_name="Acme", proposed_attendees=[], default_start=now
    )
    lengths = [
        option["text"]["text"]
        for block in form["blocks"]
        for option in block.get("element", {}).get("options", [])
    ]
    facts = summary_facts.WarningLine("Goals", "A deal breaker?", "Yes", ours=1, client=0)
    written = [
        meetings.feed_followed_text(added=1, upcoming=1, poll_minutes=1),
        our_side.self_check_started_text(
            channel_id="C0SHARED",
            reached=["U0LEAD"],
            missed=[],
            deadline_at=now,
            summary_to="you",
        ),
        digest.headline_text(one),
        digest.home_lines(one),
        summary._warning_text(
            summary_of(
                [],
                [],
            ),
            facts,
        ),
        *lengths,
    ]
    assert "1 upcoming meeting so far" in written[0] and "every 1 minute;" in written[0]
    assert "privately to 1 person on our side" in written[1]
    assert "1 of 1 reflection answered" in written[2]
    assert "1 hour 30 minutes" in lengths or "1 hour" in lengths
    assert [text for text in written if ONE_AND_PLURAL.search(text)] == []
