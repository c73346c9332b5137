"""Summary messages as data: within Slack's limits at any size, user text always inert."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.blocks.summary import (
    HistoryEntry,
    details_message,
    headline_message,
    history_message,
    pack_lines,
    private_summary_message,
)
from bot.domain.summary import (
    HeadlineSpec,
    OptionFacts,
    QuestionFacts,
    StepLine,
    Summary,
)
from bot.domain.wording import one_decimal
from tests.support.answer_tallies import AnswerFacts, summary_of
from tests.support.blockkit import check_message

DIMENSIONS = ["goals", "vision", "along", "trust", "actions", "value"]
QUESTIONS = [
    QuestionFacts(i, i, DIMENSIONS[i % 6], DIMENSIONS[i % 6].title(), "scale", f"Question {i}?")
    for i in range(30)
]
PINGS = "<!channel> <@U123> <!here> & <https://evil.example|click>"


def big_summary(*, anonymous: bool = False, comment_length: int = 2000):
    answers = [
        AnswerFacts(
            q.version_id,
            f"U{person:03d}",
            "client" if person % 2 else "ours",
            str(1 + (person + q.position) % 5),
            (PINGS + " " + "long words " * 400)[:comment_length],
        )
        for person in range(200)
        for q in QUESTIONS
    ]
    steps = [
        StepLine(
            f"Step {i} {PINGS} " + "x" * 250, f"U{i:03d}", "2026-12-01", i % 3 == 0, i % 2 == 0
        )
        for i in range(120)
    ]
    return summary_of(
        QUESTIONS,
        answers,
        check_id=7,
        partnership_name=f"Acme {PINGS}",
        anonymous=anonymous,
        next_steps=steps,
    )


def assert_inert(blocks: list) -> None:
    text = json.dumps(blocks, ensure_ascii=False)
    for ping in ("<!channel>", "<@U123>", "<!here>", "<https://evil"):
        assert ping not in text
    assert "&lt;!channel&gt;" in text


def test_200_people_with_long_comments_stay_within_limits() -> None:
    for anonymous in (False, True):
        summary = big_summary(anonymous=anonymous)
        assert summary.comments_total == 6000 and len(summary.comments) == 80
        for text, blocks in (
            headline_message(summary),
            details_message(summary),
            private_summary_message(summary),
        ):
            check_message(blocks, text)
            assert len(blocks) <= 50
            assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
            assert_inert(blocks)
        _, details = details_message(summary)
        pointer = json.dumps(details[-2:])
        assert "more comments" in pointer
        assert "partnercheck export --channel C0SHARED" in pointer


def test_history_of_many_checks_is_cut_with_a_pointer() -> None:
    summary = big_summary(comment_length=10)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        HistoryEntry(i, "Partnership check", "summarised", started, summary) for i in range(2000)
    ]
    text, blocks = history_message(f"Acme {PINGS}", entries, "C0SHARED")
    check_message(blocks, text)
    assert_inert(blocks)
    assert "partnercheck export --channel C0SHARED" in json.dumps(blocks)


def test_pack_lines_keeps_whole_lines_and_counts_the_rest() -> None:
    blocks, left = pack_lines(["a" * 1000] * 10, max_blocks=2)
    assert len(blocks) == 2 and left == 6  # two 1000-character lines fit in a section
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)


def test_organisation_names_and_picked_options_are_inert_and_a_summary_survives_storage() -> None:
    role = QuestionFacts(
        99,
        30,
        "role",
        "Role",
        "choice",
        f"Which role {PINGS}?",
        question_id="pc.role",
        need=False,
        options=tuple(
            OptionFacts(value, f"{value.title()} {PINGS}", value.title(), warning=value == "b")
            for value in ("a", "b")
        ),
    )
    questions = [*QUESTIONS, role]
    answers = [
        AnswerFacts(99, f"U{person}", "client" if person % 2 else "ours", "ab"[person % 2], None)
        for person in range(6)
    ]
    summary = summary_of(
        questions,
        answers,
        check_id=8,
        our_name=f"Ours {PINGS}",
        client_name=f"Theirs {PINGS}",
        headline=(HeadlineSpec(label=f"Role {PINGS}", question_id="pc.role"),),
    )
    assert summary.warnings and summary.picks
    for text, blocks in (headline_message(summary), details_message(summary)):
        check_message(blocks, text)
        assert_inert(blocks)
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def trust_details(ours: dict[str, tuple[str, str]], client: dict[str, tuple[str, str]]) -> str:
    """The summary's thread, as JSON text, when these people rate the two trust questions."""
    trust = [q for q in QUESTIONS if q.dimension == "trust"][:2]
    answers = [
        AnswerFacts(q.version_id, person, side, values[i], None)
        for side, people in (("ours", ours), ("client", client))
        for person, values in people.items()
        for i, q in enumerate(trust)
    ]
    summary = summary_of(
        trust,
        answers,
        our_name="Acme",
        client_name="Northwind",
    )
    _, blocks = details_message(summary)
    return json.dumps(blocks, ensure_ascii=False)


def test_figures_read_as_people_round_them_and_the_gap_is_their_difference() -> None:
    """4.25 shows as 4.3 (Python's own rounding gives 4.2, yet 2.75 gives 2.8), and the gap
    flagged is the difference of the two figures shown."""
    text = trust_details(
        {"U1": ("5", "4"), "U2": ("4", "4")},  # 17 / 4 = 4.25
        {"C1": ("3", "2"), "C2": ("2", "2"), "C3": ("3", "2")},  # 14 / 6 = 2.33
    )
    assert "Acme *4.3* (2 answered) · Northwind *2.3* (3 answered)" in text
    # 4.3 − 2.3, as the reader checks it (the unrounded 4.25 − 2.33 would say 1.9)
    assert "The two sides are 2.0 points apart" in text


def test_a_figure_is_rounded_once_as_the_reader_rounds_it() -> None:
    """89 / 22 = 4.045…: a reader rounds it to 4.0. Rounded twice (first to 4.05) it read 4.1."""
    ours = {f"U{i}": ("4", "4") for i in range(10)} | {"U10": ("5", "4")}  # 89 / 22
    text = trust_details(ours, {"C1": ("4", "4"), "C2": ("4", "4")})
    assert "Acme *4.0* (11 answered) · Northwind *4.0* (2 answered)" in text
    assert one_decimal(85 / 21) == "4.0"
    assert one_decimal(4.25) == "4.3"
