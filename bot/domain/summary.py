"""The summary of a closed check: both sides per dimension, ticks, gaps, trend. Pure.

Scoring: a 1–5 scale answer counts as its number; a tick answer counts as 5 for "yes" and
1 otherwise; choice and free-text answers are not scored (a choice option may be a deal
breaker). A side's figure for a dimension is the mean of its scored answers there.

A dimension is *ticked* when both sides' means reach the tick threshold and nobody raised a
deal breaker in it. In anonymous mode a side with fewer than MIN_ANONYMOUS_RESPONDENTS people
answering a dimension has its figure withheld, and the tick cannot be told from the figures
(it is shown as withheld, never as a hint about one person's answer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from bot.domain.answers import CLIENT_SIDE, OUR_SIDE

SUMMARY_FORMAT = 1
MIN_ANONYMOUS_RESPONDENTS = 2
COMMENTS_KEPT = 80  # more than a message can show; every comment is in the export
TREND_STEP = 0.25
YES = "yes"
SCORED_KINDS = ("scale", "tick")


class Trend:
    UP = "up"
    DOWN = "down"
    SAME = "same"
    FIRST = "first"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Rules:
    tick_threshold: float = 4.0
    divergence: float = 1.5


@dataclass(frozen=True)
class QuestionFacts:
    """What the maths needs to know about one question of the check."""

    version_id: int
    position: int
    dimension: str
    dimension_label: str
    kind: str
    text: str
    deal_breaker_values: frozenset[str] = frozenset()


class AnswerFacts(NamedTuple):
    """One answer; a tuple because a check may have thousands of them."""

    version_id: int
    user_id: str
    side: str
    value: str | None
    comment: str | None


@dataclass(frozen=True)
class SideFigure:
    answered: int
    mean: float | None = None
    withheld: bool = False


@dataclass(frozen=True)
class DimensionResult:
    key: str
    label: str
    ours: SideFigure
    client: SideFigure
    ticked: bool | None
    divergent: bool
    deal_breaker: bool
    trend: str
    score: float | None

    @property
    def gap(self) -> float | None:
        if self.ours.mean is None or self.client.mean is None:
            return None
        return abs(self.ours.mean - self.client.mean)


@dataclass(frozen=True)
class DealBreaker:
    dimension_label: str
    question: str
    count: int
    people: tuple[tuple[str, str], ...] = ()  # (user_id, side); empty in anonymous mode


@dataclass(frozen=True)
class Comment:
    dimension_label: str
    question: str
    text: str
    side: str | None = None  # None when naming the side could reveal a person
    user_id: str | None = None  # None in anonymous mode


@dataclass(frozen=True)
class StepLine:
    text: str
    owner_user_id: str | None
    due: str | None  # ISO date
    done: bool
    carried: bool  # agreed in an earlier check


@dataclass(frozen=True)
class Summary:
    check_id: int
    channel_id: str
    partnership_name: str
    template_id: str
    template_name: str
    anonymous: bool
    closed_at: str | None
    respondents: dict[str, int]
    dimensions: tuple[DimensionResult, ...]
    deal_breakers: tuple[DealBreaker, ...] = ()
    comments: tuple[Comment, ...] = ()
    next_steps: tuple[StepLine, ...] = ()
    rules: Rules = field(default_factory=Rules)
    comments_total: int = 0

    @property
    def ticked(self) -> int:
        return sum(1 for d in self.dimensions if d.ticked)

    @property
    def needs(self) -> int:
        return len(self.dimensions)

    @property
    def every_need_ticked(self) -> bool:
        return self.needs > 0 and self.ticked == self.needs

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = SUMMARY_FORMAT
        data["ticked"] = self.ticked
        data["needs"] = self.needs
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        def dimension(raw: Mapping[str, Any]) -> DimensionResult:
            return DimensionResult(
                **{
                    **raw,
                    "ours": SideFigure(**raw["ours"]),
                    "client": SideFigure(**raw["client"]),
                }
            )

        return cls(
            check_id=int(data["check_id"]),
            channel_id=str(data["channel_id"]),
            partnership_name=str(data["partnership_name"]),
            template_id=str(data["template_id"]),
            template_name=str(data["template_name"]),
            anonymous=bool(data["anonymous"]),
            closed_at=data.get("closed_at"),
            respondents=dict(data["respondents"]),
            dimensions=tuple(dimension(d) for d in data["dimensions"]),
            deal_breakers=tuple(
                DealBreaker(**{**d, "people": tuple(tuple(p) for p in d["people"])})
                for d in data.get("deal_breakers", ())
            ),
            comments=tuple(Comment(**c) for c in data.get("comments", ())),
            next_steps=tuple(StepLine(**s) for s in data.get("next_steps", ())),
            rules=Rules(**data.get("rules", {})),
            comments_total=int(data.get("comments_total", 0)),
        )


def score_of(kind: str, value: str | None) -> float | None:
    """The number an answer counts as, or None when the answer is not scored."""
    if value is None or kind not in SCORED_KINDS:
        return None
    if kind == "tick":
        return 5.0 if value == YES else 1.0
    try:
        return float(value)
    except ValueError:
        return None


def compute_summary(
    *,
    check_id: int,
    channel_id: str,
    partnership_name: str,
    template_id: str,
    template_name: str,
    anonymous: bool,
    closed_at: str | None,
    questions: Sequence[QuestionFacts],
    answers: Iterable[AnswerFacts],
    previous: Mapping[str, Any] | None = None,
    next_steps: Sequence[StepLine] = (),
    rules: Rules | None = None,
) -> Summary:
    """Everything the channel summary says, from the answers of one check. Linear in answers."""
    rules = rules or Rules()
    by_version = {q.version_id: q for q in questions}
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    respondents: dict[str, set[str]] = {OUR_SIDE: set(), CLIENT_SIDE: set()}
    raised: dict[int, list[tuple[str, str]]] = defaultdict(list)
    notes: list[tuple[int, str, str, str]] = []
    for answer in answers:
        question = by_version.get(answer.version_id)
        if question is None:
            continue
        if answer.value is not None:
            respondents.setdefault(answer.side, set()).add(answer.user_id)
        score = score_of(question.kind, answer.value)
        if score is not None:
            key = (question.dimension, answer.side)
            total = sums[key]
            total[0] += score
            total[1] += 1
            people[key].add(answer.user_id)
        if answer.value is not None and answer.value in question.deal_breaker_values:
            raised[question.version_id].append((answer.user_id, answer.side))
        if question.kind == "text" and answer.value:
            notes.append((question.position, answer.side, answer.user_id, answer.value))
        if answer.comment:
            notes.append((question.position, answer.side, answer.user_id, answer.comment))

    deal_dimensions = {by_version[v].dimension for v in raised}
    scored_dimensions = list(
        dict.fromkeys(q.dimension for q in questions if q.kind in SCORED_KINDS)
    )
    labels = {q.dimension: q.dimension_label for q in questions}
    before = _previous_scores(previous)
    dimensions = []
    for key in scored_dimensions:
        ours = _figure(sums.get((key, OUR_SIDE)), people.get((key, OUR_SIDE)), anonymous)
        client = _figure(sums.get((key, CLIENT_SIDE)), people.get((key, CLIENT_SIDE)), anonymous)
        dimensions.append(
            _dimension(key, labels[key], ours, client, key in deal_dimensions, before, rules)
        )

    deal_breakers = tuple(
        DealBreaker(
            dimension_label=by_version[version].dimension_label,
            question=by_version[version].text,
            count=len(who),
            people=() if anonymous else tuple(sorted(who)),
        )
        for version, who in sorted(raised.items(), key=lambda item: by_version[item[0]].position)
    )
    counts = {side: len(users) for side, users in respondents.items()}
    comments = _comments(notes, {q.position: q for q in questions}, counts, anonymous)
    return Summary(
        check_id=check_id,
        channel_id=channel_id,
        partnership_name=partnership_name,
        template_id=template_id,
        template_name=template_name,
        anonymous=anonymous,
        closed_at=closed_at,
        respondents=counts,
        dimensions=tuple(dimensions),
        deal_breakers=deal_breakers,
        comments=comments,
        next_steps=tuple(next_steps),
        rules=rules,
        comments_total=len(notes),
    )


def trend_between(previous: float | None, current: float | None, *, had_previous: bool) -> str:
    if not had_previous:
        return Trend.FIRST
    if previous is None or current is None:
        return Trend.UNKNOWN
    if current - previous >= TREND_STEP:
        return Trend.UP
    if previous - current >= TREND_STEP:
        return Trend.DOWN
    return Trend.SAME


def _figure(total: list[float] | None, who: set[str] | None, anonymous: bool) -> SideFigure:
    answered = len(who or ())
    if not total or not total[1]:
        return SideFigure(answered=answered)
    if anonymous and answered < MIN_ANONYMOUS_RESPONDENTS:
        return SideFigure(answered=answered, withheld=True)
    return SideFigure(answered=answered, mean=round(total[0] / total[1], 2))


def _dimension(
    key: str,
    label: str,
    ours: SideFigure,
    client: SideFigure,
    deal_breaker: bool,
    before: dict[str, float | None] | None,
    rules: Rules,
) -> DimensionResult:
    ticked: bool | None
    if deal_breaker:
        ticked = False
    elif ours.withheld or client.withheld:
        ticked = None
    else:
        ticked = all(
            side.mean is not None and side.mean >= rules.tick_threshold for side in (ours, client)
        )
    shown = [side.mean for side in (ours, client) if side.mean is not None]
    score = round(sum(shown) / len(shown), 2) if shown else None
    gap_reached = (
        ours.mean is not None
        and client.mean is not None
        and round(abs(ours.mean - client.mean), 6) >= rules.divergence
    )
    trend = trend_between(
        (before or {}).get(key), score, had_previous=before is not None and key in before
    )
    return DimensionResult(
        key=key,
        label=label,
        ours=ours,
        client=client,
        ticked=ticked,
        divergent=gap_reached,
        deal_breaker=deal_breaker,
        trend=trend,
        score=score,
    )


def _previous_scores(previous: Mapping[str, Any] | None) -> dict[str, float | None] | None:
    if not previous:
        return None
    return {d["key"]: d.get("score") for d in previous.get("dimensions", ())}


def _comments(
    notes: list[tuple[int, str, str, str]],
    by_position: Mapping[int, QuestionFacts],
    respondents: Mapping[str, int],
    anonymous: bool,
) -> tuple[Comment, ...]:
    """Up to COMMENTS_KEPT comments, a few from every question, in question order.

    Anonymous ones carry no name, and no side when that side is too small to hide in.
    """
    notes.sort(key=lambda note: (note[0], note[1], note[3] if anonymous else note[2]))
    rank: dict[int, int] = defaultdict(int)
    ranked = []
    for note in notes:
        ranked.append((rank[note[0]], note))
        rank[note[0]] += 1
    kept = sorted(ranked, key=lambda item: (item[0], item[1][0]))[:COMMENTS_KEPT]
    comments = []
    for _, (position, side, user_id, text) in sorted(kept, key=lambda item: item[1][0]):
        question = by_position[position]
        side_shown = (
            side if not anonymous or respondents.get(side, 0) >= MIN_ANONYMOUS_RESPONDENTS else None
        )
        comments.append(
            Comment(
                dimension_label=question.dimension_label,
                question=question.text,
                text=text,
                side=side_shown,
                user_id=None if anonymous else user_id,
            )
        )
    return tuple(comments)
