"""Raw answers in memory, tallied the way bot.db.summaries counts them in SQL.

Lets the pure summary maths be fed from a readable list of answers, and is the reference
the SQL tallies are compared with (tests/db/test_summary_tallies.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from bot.domain.summary import (
    AnswerTallies,
    Note,
    QuestionFacts,
    Raiser,
    Summary,
    ValueCount,
    compute_summary,
    score_of,
    tally_plan,
)


class AnswerFacts(NamedTuple):
    """One answer, as stored."""

    version_id: int
    user_id: str
    side: str
    value: str | None
    comment: str | None


def tally(questions: Sequence[QuestionFacts], answers: Iterable[AnswerFacts]) -> AnswerTallies:
    """Every count the summary needs; every note (the maths keeps the first few)."""
    plan = tally_plan(questions)
    by_version = {q.version_id: q for q in questions}
    values: Counter[tuple[int, str, str]] = Counter()
    respondents: dict[str, set[str]] = defaultdict(set)
    scorers: dict[tuple[str, str], set[str]] = defaultdict(set)
    raisers: list[Raiser] = []
    notes: list[Note] = []
    for answer in answers:
        question = by_version.get(answer.version_id)
        if question is None:
            continue
        if answer.value is not None:
            respondents[answer.side].add(answer.user_id)
            if answer.version_id in plan.tallied:
                values[(answer.version_id, answer.side, answer.value)] += 1
            if score_of(question.kind, answer.value) is not None:
                scorers[(question.dimension, answer.side)].add(answer.user_id)
            if (answer.version_id, answer.value) in plan.deal_breakers:
                raisers.append(Raiser(answer.version_id, answer.user_id, answer.side))
        if answer.version_id in plan.texts and answer.value:
            notes.append(Note(answer.version_id, answer.side, answer.user_id, answer.value, False))
        if answer.comment:
            notes.append(Note(answer.version_id, answer.side, answer.user_id, answer.comment, True))
    return AnswerTallies(
        values=[ValueCount(*key, count) for key, count in values.items()],
        respondents={side: len(people) for side, people in sorted(respondents.items())},
        scorers={key: len(people) for key, people in scorers.items()},
        raisers=raisers,
        notes=notes,
        notes_total=len(notes),
    )


def summary_of(
    questions: Sequence[QuestionFacts], answers: Iterable[AnswerFacts], **facts: Any
) -> Summary:
    """The summary of these answers to these questions: a partnership check of Acme in
    C0SHARED unless `facts` say otherwise (any other compute_summary argument too)."""
    given: dict[str, Any] = {
        "check_id": 1,
        "channel_id": "C0SHARED",
        "partnership_name": "Acme",
        "template_id": "partnership_check",
        "template_name": "Partnership check",
        "anonymous": False,
        "closed_at": None,
    }
    return compute_summary(
        **(given | facts), questions=questions, tallies=tally(questions, answers)
    )
