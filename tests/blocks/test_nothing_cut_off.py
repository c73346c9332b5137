"""Every form and message the app builds is written to fit Slack's limits: rendered with the
real question bank and ordinary data (names and titles of a usual length), none of its texts
is cut short by bot.blocks.text.trim, and none ends in the "…" a cut leaves.

Person-written text longer than a limit (a 2000-character comment in a summary) may still be
shortened; that is tested with the summary (tests/blocks/test_summary_blocks.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import bot.blocks
from bot.blocks import checks, home, meetings, modals, next_steps, nudges, summary
from bot.blocks import text as text_module
from bot.domain.summary import QuestionFacts, StepLine, compute_summary
from questions.bank import DIMENSIONS, Bank, Question, load_bank
from tests.support.answer_tallies import AnswerFacts, tally
from tests.support.blockkit import check_message, check_view

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NAME = "Acme × Northwind"  # a partnership name of a usual length
LONGEST_NAME = "N" * modals.PARTNERSHIP_NAME_MAX
PEOPLE = ("U0LEAD", "U0OURS2", "U0CLIENT1", "U0CLIENT2")

Surface = tuple[str, str | None, Any]  # (what, notification text, blocks or a view)


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text trim() shortened while the test ran, wherever a builder called it."""
    found: list[str] = []
    original = text_module.trim

    def recording(text: str, limit: int, *, marker: str = "…") -> str:
        result = original(text, limit, marker=marker)
        if result != text:
            found.append(text)
        return result

    for info in pkgutil.iter_modules(bot.blocks.__path__):
        module = importlib.import_module(f"bot.blocks.{info.name}")
        if getattr(module, "trim", None) is original:
            monkeypatch.setattr(module, "trim", recording)
    return found


def strings(payload: Any) -> Iterator[str]:
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for value in payload.values():
            yield from strings(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from strings(value)


def question_info(question: Question, position: int) -> checks.QuestionInfo:
    return checks.QuestionInfo(
        position=position,
        text=question.text,
        help=question.help,
        kind=question.kind,
        dimension_label=DIMENSIONS.get(question.dimension, question.dimension),
        options=[{"value": o.value, "label": o.label} for o in question.options],
        sides=question.sides,
    )


def check_surfaces(bank: Bank, name: str) -> Iterator[Surface]:
    templates = [
        modals.TemplateChoice(id=t.id, name=t.name, description=t.description)
        for t in bank.templates.values()
    ]
    yield (
        "start form",
        None,
        modals.start_check_modal(
            channel_id="C0SHARED",
            partnership_name=name,
            templates=templates,
            proposed_client_users=["U0CLIENT1"],
            default_deadline=NOW,
        ),
    )
    for template in bank.templates.values():
        questions = bank.template_questions(template.id)
        for mode in ("live", "async"):
            info = checks.CheckInfo(
                id=1,
                partnership_name=name,
                template_name=template.name,
                lead_user_id="U0LEAD",
                mode=mode,
                anonymous=mode == "async",
                total=len(questions),
                deadline_at=NOW if mode == "async" else None,
                client_user_ids=("U0CLIENT1",),
            )
            yield ("intro", *checks.intro_message(info))
            yield ("async message", *checks.async_message(info, checks.Counts(2, 1)))
            yield ("closing", *checks.closing_message(info, checks.Counts(1, 2), "U0LEAD"))
            yield ("lead panel, async", *checks.lead_panel(info, None))
        for position, question in enumerate(questions):
            shown = question_info(question, position)
            yield ("lead panel", *checks.lead_panel(info, position))
            for state in ("open", "moved_on", "closed"):
                yield (
                    f"question {question.id} {state}",
                    *checks.question_message(info, shown, checks.Counts(1, 1), state=state),
                )
            for build in (modals.comment_modal, modals.text_answer_modal):
                yield (
                    f"{build.__name__} {question.id}",
                    None,
                    build(reference="1:0", question_text=question.text, current="ok"),
                )
        infos = [question_info(q, i) for i, q in enumerate(questions)]
        pages = -(-len(infos) // modals.QUESTIONS_PER_PAGE)
        for page in range(pages):
            yield (
                f"async answers form {template.id} page {page + 1}",
                None,
                modals.async_answers_modal(
                    check_id=1,
                    title="Partnership check",
                    questions=infos,
                    page=page,
                    total=len(infos),
                    existing={0: (None, "a comment")},
                ),
            )


def meeting_surfaces(bank: Bank, name: str) -> Iterator[Surface]:
    nudge = nudges.NudgeInfo(
        request_id=3,
        meeting_title="Quarterly review with the Northwind board",
        partnership_name=name,
        channel_id="C0SHARED",
        ended_at=NOW,
    )
    reflection = [question_info(q, i) for i, q in enumerate(bank.template_questions("reflection"))]
    yield (
        "reflection form",
        None,
        nudges.reflection_modal(request_id=3, info=nudge, questions=reflection, existing={}),
    )
    yield ("nudge", *nudges.nudge_message(nudge))
    for snoozed in (False, True):
        yield ("reminder", *nudges.reminder_message(nudge, snoozed=snoozed))
    for shared in (False, True):
        yield ("answered", *nudges.answered_message(nudge, shared=shared))
    yield ("skipped", *nudges.skipped_message(nudge))
    yield ("snoozed", *nudges.snoozed_message(nudge, NOW))
    for known in (None, name):
        yield (
            "meeting form",
            None,
            meetings.meeting_modal(
                channel_id="C0SHARED",
                partnership_name=known,
                proposed_attendees=["U0LEAD"],
                default_start=NOW,
            ),
        )
    rows = [
        meetings.MeetingRow(
            id=i,
            title=nudge.meeting_title,
            starts_at=NOW + timedelta(days=i - 1),
            ends_at=NOW + timedelta(days=i - 1, hours=1),
            status=status,
            source="slash",
            attendees=("U0LEAD", "U0OURS2"),
            states=(meetings.AttendeeState("U0LEAD", "failed", "channel_not_found"),),
        )
        for i, status in enumerate(("scheduled", "cancelled", "scheduled"))
    ]
    yield (
        "meetings list",
        *meetings.meetings_list(
            partnership_name=name,
            rows=rows,
            now=NOW,
            manageable=frozenset({0, 2}),
            feed_note="Following a calendar feed.",
        ),
    )
    yield ("next step form", None, next_steps.next_step_modal(check_id=1, partnership_name=name))
    steps = [
        next_steps.StepInfo(
            i, "Send the revised plan to Northwind", "U0LEAD", date(2026, 12, 4), i == 1
        )
        for i in range(3)
    ]
    yield ("step added", *next_steps.step_added_message(steps[0], "U0LEAD"))
    yield ("carried forward", *next_steps.carried_forward_message(name, steps))


def summary_surfaces(bank: Bank, name: str) -> Iterator[Surface]:
    questions = [
        QuestionFacts(
            version_id=i,
            position=i,
            dimension=q.dimension,
            dimension_label=DIMENSIONS.get(q.dimension, q.dimension),
            kind=q.kind,
            text=q.text,
            deal_breaker_values=frozenset(o.value for o in q.options if o.deal_breaker),
        )
        for i, q in enumerate(bank.template_questions("partnership_check"))
    ]
    answers = [
        AnswerFacts(
            q.version_id,
            person,
            "client" if "CLIENT" in person else "ours",
            {"scale": "4", "tick": "yes"}.get(
                q.kind, next(iter(q.deal_breaker_values), None) or "none"
            ),
            "We laughed a lot in the workshop" if q.position == 4 else None,
        )
        for person in PEOPLE
        for q in questions
    ]
    for anonymous in (False, True):
        result = compute_summary(
            check_id=1,
            channel_id="C0SHARED",
            partnership_name=name,
            template_id="partnership_check",
            template_name="Partnership check",
            anonymous=anonymous,
            closed_at=None,
            questions=questions,
            tallies=tally(questions, answers),
            next_steps=[StepLine("Book the joint workshop", "U0LEAD", "2026-12-15", False, False)],
        )
        yield ("summary headline", *summary.headline_message(result))
        yield ("summary details", *summary.details_message(result))
        yield ("private summary", *summary.private_summary_message(result))
        entry = summary.HistoryEntry(1, "Partnership check", "summarised", NOW, result)
        yield ("history", *summary.history_message(name, [entry], "C0SHARED"))
        card = home.PartnershipCard(
            name=name,
            channel_id="C0SHARED",
            latest=home.CheckLine("Partnership check", "summarised", "live", NOW, None, NOW),
            summary=result,
            summarised_at=NOW,
            open_steps=2,
        )
        yield (
            "home",
            None,
            home.home_view(
                home.HomeInfo(
                    whole_workspace=anonymous,
                    partnerships=[card],
                    more_partnerships=20,
                    reflections=[],
                    more_reflections=0,
                )
            ),
        )
    yield (
        "empty home",
        None,
        home.home_view(home.HomeInfo(False, [], 0, [], 0)),
    )


def every_surface(name: str) -> Iterator[Surface]:
    bank = load_bank()
    yield from check_surfaces(bank, name)
    yield from meeting_surfaces(bank, name)
    yield from summary_surfaces(bank, name)


@pytest.mark.parametrize("name", [NAME, LONGEST_NAME])
def test_no_form_or_message_is_cut_short(cuts: list[str], name: str) -> None:
    rendered = list(every_surface(name))
    assert len(rendered) > 100  # every template's questions, forms and messages
    ending_in_a_cut = []
    for what, text, payload in rendered:
        if isinstance(payload, dict):
            check_view(payload)
        else:
            check_message(payload, text)
        ending_in_a_cut += [f"{what}: {s}" for s in strings([text, payload]) if s.endswith("…")]
    assert cuts == []
    assert ending_in_a_cut == []


def test_the_recorder_sees_a_cut(cuts: list[str]) -> None:
    """The fixture above can fail: a text over its limit is recorded."""
    modals.start_check_modal(
        channel_id="C0SHARED",
        partnership_name=NAME,
        templates=[modals.TemplateChoice("t", "Template", "d" * 80)],
        proposed_client_users=[],
        default_deadline=NOW,
    )
    assert cuts == ["d" * 80]
