"""Every form and message the app builds is written to fit Slack's limits: rendered with the
real question bank and ordinary data (names and titles of a usual length), and again with the
longest partnership name, meeting title and next step the forms accept, none of its texts is
cut short by bot.blocks.text.trim, and none ends in the "…" a cut leaves.

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
from bot.blocks import (
    bank as bank_blocks,
)
from bot.blocks import (
    checks,
    digest,
    home,
    meetings,
    modals,
    next_steps,
    nudges,
    our_side,
    person_data,
    summary,
)
from bot.blocks import text as text_module
from bot.domain.digest import MeetingHeld, Note, Notes, compile_digest
from bot.domain.next_steps import STEP_TEXT_MAX
from bot.domain.summary import QuestionFacts, SignalLine, StepLine
from questions.bank import DIMENSIONS, Bank, Question, load_bank
from tests.support.answer_tallies import AnswerFacts, summary_of
from tests.support.blockkit import check_message, check_view

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
NOW_ISO = NOW.isoformat()
NAME = "Acme × Northwind"  # a partnership name of a usual length
LONGEST_NAME = "N" * modals.PARTNERSHIP_NAME_MAX
TITLE = "Quarterly review with the Northwind board"
STEP = "Send the revised plan to Northwind"


def title_for(name: str) -> str:
    """A usual meeting title, or with the longest name the longest the meeting form takes."""
    return TITLE if name == NAME else "T" * meetings.TITLE_MAX


def step_for(name: str) -> str:
    return STEP if name == NAME else "S" * STEP_TEXT_MAX


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
        meeting_title=title_for(name),
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
        next_steps.StepInfo(i, step_for(name), "U0LEAD", date(2026, 12, 4), i == 1)
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
        result = summary_of(
            questions,
            answers,
            partnership_name=name,
            anonymous=anonymous,
            next_steps=[StepLine("Book the joint workshop", "U0LEAD", "2026-12-15", False, False)],
            signals=[
                SignalLine("meeting_moved", title_for(name), NOW_ISO, NOW_ISO, "calendar"),
                SignalLine("meeting_cancelled", title_for(name), NOW_ISO, None, "manual"),
            ],
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


def our_side_surfaces(bank: Bank, name: str) -> Iterator[Surface]:
    """The self-check, the lead's digest, the internal channel, a person's own data, the
    lead's and the admin's Home tab, the texts of meetings, calendars and schedules (help is
    tested with every subcommand registered: tests/e2e/test_live_check.py)."""
    for for_lead in (False, True):
        yield (
            "self-check invitation",
            *our_side.self_check_invitation(
                check_id=1,
                partnership_name=name,
                template_name="Consultant self-check",
                total=8,
                deadline_at=NOW,
                lead_user_id="U0LEAD",
                for_lead=for_lead,
            ),
        )
    for missed in ((), ("U0OURS3",)):
        yield (
            "self-check started",
            our_side.self_check_started_text(
                channel_id="C0SHARED",
                reached=["U0LEAD", "U0OURS2"],
                missed=missed,
                deadline_at=NOW,
                summary_to="<#C0INTERNAL>",
            ),
            [],
        )
    yield ("our side summary intro", None, [our_side.our_side_summary_intro(name, "Self-check")])
    for channel in (None, "C0INTERNAL"):
        yield ("internal channel", our_side.internal_channel_text(channel, name), [])
    yield ("internal channel welcome", *our_side.internal_channel_welcome(name, "U0LEAD"))
    held = [MeetingHeld(title_for(name), NOW, 3, 2)]
    full = compile_digest(partnership_name=name, since=NOW, until=NOW, meetings=held, answers=[])
    full = type(full)(
        **{
            **full.__dict__,
            "reflections": 2,
            "judged": 1,
            "no_value": 1,
            "concerns": {"shifting": 1, "same": 1},
            "differently": Notes((Note("U0OURS2", "Send the agenda a day ahead"),), 1),
            "share_back": Notes((Note("U0LEAD", "Our notes on their hiring plan"),), 0),
        }
    )
    empty = compile_digest(partnership_name=name, since=NOW, until=NOW, meetings=[], answers=[])
    for shown in (full, empty):
        for weekly in (True, False):
            yield ("digest", *digest.digest_message(shown, weekly=weekly))
    yield ("forget me form", None, person_data.forget_me_modal())
    yield (
        "forgotten",
        person_data.forgotten_text(answers=1, comments=2, reflections=0, meetings=3, messages=1),
        [],
    )
    yield ("self-check how-to", None, home.self_check_modal())
    result = next(iter(summary_surfaces(bank, name)))  # a summary's blocks, in the window
    yield ("summary window", None, home.summary_modal(result[2]))
    questions = [
        bank_blocks.QuestionLine(q.id, q.text, custom=False, retired=i % 5 == 0)
        for i, q in enumerate(bank.questions.values())
    ]
    view = bank_blocks.BankView(
        templates=[
            bank_blocks.TemplateLine(
                t.id,
                t.name,
                custom=False,
                questions=[
                    q for q in questions if q.id in {x.id for x in bank.template_questions(t.id)}
                ],
            )
            for t in bank.templates.values()
        ]
    )
    reflection = nudges.NudgeInfo(3, title_for(name), name, "C0SHARED", NOW)
    card = home.PartnershipCard(
        name=name,
        channel_id="C0SHARED",
        latest=home.CheckLine("Partnership check", "open", "async", NOW, NOW),
        open_steps=1,
        led=True,
    )
    lead_card = home.LeadCard(name=name, channel_id="C0SHARED", digest=full)
    yield (
        "home of a lead and admin",
        None,
        home.home_view(
            home.HomeInfo(
                whole_workspace=True,
                partnerships=[card],
                more_partnerships=0,
                reflections=[reflection] * 12,
                more_reflections=3,
                bank=view,
                led=[lead_card],
                our_side=True,
            )
        ),
    )
    yield (
        "meeting logged",
        meetings.meeting_logged_text(
            title="Quarterly review", starts_at=NOW, ends_at=NOW, attendees=["U0LEAD"], now=NOW
        ),
        [],
    )
    row = meetings.ScheduleRow("Partnership check", "monthly", NOW, "U0LEAD")
    for text in (
        meetings.feed_failed_text("C0SHARED", "the address answered 404"),
        meetings.feed_recovered_text("C0SHARED"),
        meetings.feed_followed_text(added=3, upcoming=2, poll_minutes=30),
        meetings.feed_status_text(url_host=None, added_by=None, last_ok_at=None, error=None),
        meetings.feed_status_text(
            url_host="calendar.example.com", added_by="U0LEAD", last_ok_at=NOW, error="timeout"
        ),
        meetings.schedules_text([]),
        meetings.schedules_text([row]),
        meetings.schedule_set_text(row),
        meetings.scheduled_check_started_text(
            channel_id="C0SHARED", template_name="Partnership check", deadline=NOW, next_due_at=NOW
        ),
        meetings.next_run_text(NOW),
        meetings.scheduled_check_failed_text(
            channel_id="C0SHARED",
            template_name="Partnership check",
            reason="the channel is archived.",
            next_due_at=NOW,
        ),
    ):
        yield ("meetings and schedules text", text, [])


def every_surface(name: str) -> Iterator[Surface]:
    bank = load_bank()
    yield from check_surfaces(bank, name)
    yield from meeting_surfaces(bank, name)
    yield from summary_surfaces(bank, name)
    yield from our_side_surfaces(bank, name)


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
