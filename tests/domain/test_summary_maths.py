"""The summary maths, as plain data: means, ticks, gaps, trend, withholding."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.domain.next_steps import InvalidStep, clean_step
from bot.domain.summary import (
    COMMENTS_KEPT,
    QuestionFacts,
    Rules,
    SideFigure,
    Summary,
    Trend,
    ValueCount,
    comment_quotas,
    score_of,
    tally_plan,
    trend_between,
    unscored_values,
)
from tests.support.answer_tallies import AnswerFacts, summary_of

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
    return summary_of(
        QUESTIONS,
        rows,
        channel_id="C1",
        anonymous=anonymous,
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


def test_what_the_storage_is_asked_to_count() -> None:
    plan = tally_plan([*QUESTIONS, QuestionFacts(5, 4, "vision", "Vision", "text", "Why?")])
    assert plan.tallied == (1, 2, 3, 4)  # scored, or with a deal-breaker option
    assert plan.scored == {1: "trust", 2: "along", 4: "goals"}
    assert plan.texts == (5,)
    assert plan.deal_breakers == ((3, "deal_breaker"),)


def test_a_scale_value_that_is_no_number_counts_nobody_as_answering() -> None:
    values = [
        ValueCount(1, "ours", "n/a", 1),
        ValueCount(1, "ours", "4", 2),
        ValueCount(2, "ours", "maybe", 1),  # a tick that is not "yes" scores 1
        ValueCount(3, "ours", "n/a", 1),  # not a scored question
    ]
    assert unscored_values(QUESTIONS, values) == [(1, "n/a")]
    rows = [*answers(TRUST, "ours", ["n/a", "4"]), *answers(TRUST, "client", ["n/a"])]
    trust = dimension(summarise(rows), "trust")
    assert trust.ours == SideFigure(answered=1, mean=4.0)
    assert trust.client.answered == 0 and trust.client.mean is None
    assert summarise(rows).respondents == {"ours": 2, "client": 1}


def _kept_round_robin(counts: dict[int, int]) -> dict[int, int]:
    """The rule spelt out: rank every note within its question, keep the first
    COMMENTS_KEPT by (rank, question position)."""
    ranked = sorted((rank, position) for position, n in counts.items() for rank in range(n))
    kept = dict.fromkeys(counts, 0)
    for _, position in ranked[:COMMENTS_KEPT]:
        kept[position] += 1
    return kept


@pytest.mark.parametrize("seed", range(30))
def test_comment_quotas_take_a_few_from_every_question_in_turn(seed: int) -> None:
    rng = random.Random(seed)
    questions = [
        QuestionFacts(100 + i, position, "d", "D", "scale", "Q")
        for i, position in enumerate(rng.sample(range(60), rng.randint(1, 30)))
    ]
    counts = {q.version_id: rng.choice([0, 1, 2, 5, 40, 300]) for q in questions}
    quotas = comment_quotas(questions, counts)
    by_position = {q.position: counts[q.version_id] for q in questions}
    expected = _kept_round_robin(by_position)
    assert {q.position: quotas[q.version_id] for q in questions} == expected
    assert sum(quotas.values()) == min(COMMENTS_KEPT, sum(counts.values()))


def test_comments_keep_question_order_and_rank_by_side_then_person() -> None:
    rows = [
        AnswerFacts(GOALS.version_id, "Ub", "ours", "5", "goals by b"),
        AnswerFacts(GOALS.version_id, "Ua", "ours", "5", "goals by a"),
        AnswerFacts(TRUST.version_id, "Uz", "ours", "5", "a trust note"),
        AnswerFacts(TRUST.version_id, "Uy", "client", "5", "z trust note"),
    ]
    attributed = [(c.question, c.user_id) for c in summarise(rows).comments]
    assert attributed == [
        (TRUST.text, "Uy"),  # client before ours
        (TRUST.text, "Uz"),
        (GOALS.text, "Ua"),
        (GOALS.text, "Ub"),
    ]
    anonymous = [c.text for c in summarise(rows, anonymous=True).comments]
    assert anonymous == ["z trust note", "a trust note", "goals by a", "goals by b"]


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
