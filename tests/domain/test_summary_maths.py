"""The summary maths, as plain data: means, ticks, gaps, trend, withholding."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.next_steps import InvalidStep, clean_step
from bot.domain.summary import (
    QuestionFacts,
    Rules,
    Summary,
    Trend,
    compute_summary,
    score_of,
    trend_between,
)
from tests.support.answer_tallies import AnswerFacts, tally

TRUST = QuestionFacts(1, 0, "trust", "Trust", "scale", "How much do you trust them?")
HISTORY = QuestionFacts(2, 1, "along", "Getting along", "tick", "Worked together?")
BREAKER = QuestionFacts(
    3, 2, "goals", "Goals", "choice", "Any deal breaker?", frozenset({"deal_breaker"})
)
GOALS = QuestionFacts(4, 3, "goals", "Goals", "scale", "Same goals?")
QUESTIONS = [TRUST, HISTORY, BREAKER, GOALS]


def answers(question: QuestionFacts, side: str, values: list[str], comment: str | None = None):
    return [
        AnswerFacts(question.version_id, f"U{side}{i}", side, value, comment)
        for i, value in enumerate(values)
    ]


def summarise(rows, *, anonymous: bool = False, previous=None, rules: Rules | None = None):
    return compute_summary(
        check_id=1,
        channel_id="C1",
        partnership_name="Acme",
        template_id="partnership_check",
        template_name="Partnership check",
        anonymous=anonymous,
        closed_at=None,
        questions=QUESTIONS,
        tallies=tally(QUESTIONS, rows),
        previous=previous,
        rules=rules,
    )


def dimension(summary: Summary, key: str):
    return next(d for d in summary.dimensions if d.key == key)


def test_scores_of_scale_and_tick_answers() -> None:
    assert score_of("scale", "4") == 4.0
    assert score_of("tick", "yes") == 5.0
    assert score_of("tick", "no") == 1.0
    assert score_of("choice", "deal_breaker") is None
    assert score_of("scale", None) is None


def test_tick_needs_both_sides_at_the_threshold_and_flags_the_gap() -> None:
    rows = [
        *answers(TRUST, "ours", ["5", "5"]),
        *answers(TRUST, "client", ["2", "2"]),
        *answers(HISTORY, "ours", ["yes", "yes"]),
        *answers(HISTORY, "client", ["yes", "no", "yes", "yes", "yes"]),
    ]
    summary = summarise(rows)
    trust = dimension(summary, "trust")
    assert (trust.ours.mean, trust.client.mean) == (5.0, 2.0)
    assert trust.divergent and trust.gap == 3.0 and trust.ticked is False
    along = dimension(summary, "along")
    assert along.client.mean == 4.2 and along.ticked is True and not along.divergent
    assert summary.respondents == {"ours": 2, "client": 5}
    assert [d.key for d in summary.dimensions] == ["trust", "along", "goals"]


def test_divergence_threshold_is_inclusive_and_configurable() -> None:
    rows = [*answers(TRUST, "ours", ["5", "4"]), *answers(TRUST, "client", ["3", "3"])]
    assert dimension(summarise(rows), "trust").divergent  # 4.5 vs 3.0: exactly 1.5
    relaxed = summarise(rows, rules=Rules(tick_threshold=3, divergence=2))
    trust = dimension(relaxed, "trust")
    assert not trust.divergent and trust.ticked is True


def test_a_deal_breaker_stops_the_tick_and_is_listed_with_names() -> None:
    rows = [
        *answers(GOALS, "ours", ["5", "5"]),
        *answers(GOALS, "client", ["5", "5"]),
        *answers(BREAKER, "client", ["none", "deal_breaker"]),
    ]
    summary = summarise(rows)
    goals = dimension(summary, "goals")
    assert goals.deal_breaker and goals.ticked is False
    [raised] = summary.deal_breakers
    assert raised.count == 1 and raised.people == (("Uclient1", "client"),)
    anonymous = summarise(rows, anonymous=True)
    assert anonymous.deal_breakers[0].people == ()


@pytest.mark.parametrize(("count", "withheld"), [(1, True), (2, False), (3, False)])
def test_anonymous_side_needs_two_people(count: int, withheld: bool) -> None:
    rows = [
        *answers(TRUST, "ours", ["4", "5"]),
        *answers(TRUST, "client", ["5", "4", "4"][:count], comment="my view"),
    ]
    summary = summarise(rows, anonymous=True)
    trust = dimension(summary, "trust")
    assert trust.client.withheld is withheld
    assert (trust.client.mean is None) is withheld
    assert trust.client.answered == count
    assert (trust.ticked is None) is withheld
    assert not trust.divergent
    assert all(c.user_id is None for c in summary.comments)
    assert {c.side for c in summary.comments} == ({None} if withheld else {"client"})
    # the stored summary carries nothing more than what is shown
    client_means = [d["client"]["mean"] for d in summary.to_json()["dimensions"]]
    assert (client_means[0] is None) is withheld
    attributed = summarise(rows)
    assert dimension(attributed, "trust").client.mean is not None


def test_trend_against_the_previous_summary() -> None:
    first = summarise([*answers(TRUST, "ours", ["3", "3"]), *answers(TRUST, "client", ["3"])])
    assert dimension(first, "trust").trend == Trend.FIRST
    better = summarise(
        [*answers(TRUST, "ours", ["5", "5"]), *answers(TRUST, "client", ["4"])],
        previous=first.to_json(),
    )
    assert dimension(better, "trust").trend == Trend.UP
    assert trend_between(4.0, 3.5, had_previous=True) == Trend.DOWN
    assert trend_between(4.0, 4.1, had_previous=True) == Trend.SAME
    assert trend_between(None, 4.1, had_previous=True) == Trend.UNKNOWN


def test_summary_survives_a_json_round_trip() -> None:
    rows = [
        *answers(TRUST, "ours", ["5", "5"]),
        *answers(TRUST, "client", ["2", "3"], comment="<!channel>"),
        *answers(BREAKER, "ours", ["deal_breaker"]),
    ]
    summary = summarise(rows)
    assert Summary.from_json(summary.to_json()) == summary


def test_next_step_validation() -> None:
    today = date(2026, 11, 24)
    assert clean_step(text=" Call  Anna ", owner="U1", due="2026-11-24", today=today) == (
        "Call Anna",
        "U1",
        today,
    )
    with pytest.raises(InvalidStep) as problem:
        clean_step(text="x" * 301, owner=None, due="2026-11-23", today=today)
    assert set(problem.value.problems) == {"text", "owner", "due"}
