"""The summary of a closed check: both sides per dimension, ticks, gaps, trend. Pure.

Scoring: a 1–5 scale answer counts as its number; a tick answer counts as 5 for "yes" and
1 otherwise; choice and free-text answers are not scored (a choice option may be a deal
breaker). A side's figure for a dimension is the mean of its scored answers there.

A dimension is *ticked* when both sides' means reach the tick threshold and nobody raised a
deal breaker in it. Only needs are ticked (the five of a partnership, and ground rules); other
scored dimensions (value & predictability, responsiveness…) are reported beside them.

Trends are per side, against the latest earlier summary of the same template. Like is compared
with like: each dimension keeps its per-question means (by question id and version), and when
the questions asked changed (a new wording is a new version), only the questions asked the same
way both times are compared, and the summary says so.

Choice and tick answers are counted per side and option; an option marked as a warning in the
bank (e.g. "a difference we have not talked about") becomes its own warning line.

In anonymous mode a side with fewer than MIN_ANONYMOUS_RESPONDENTS people answering a
dimension (or a choice question) has its figures withheld, and the tick cannot be told from the
figures (it is shown as withheld, never as a hint about one person's answer).

The maths works on tallies of the answers (how many gave each value, how many people
answered), never on the answers themselves, so the storage can count and the work here does
not grow with the answers. `tally_plan` says what to count; `comment_quotas` how many notes
of each question can be kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from bot.domain.answers import CLIENT_SIDE, OUR_SIDE

SIDE_KEYS = (OUR_SIDE, CLIENT_SIDE)

SUMMARY_FORMAT = 2
MIN_ANONYMOUS_RESPONDENTS = 2
# Means are kept to 6 places: rounded for display only when shown (one_decimal), so a figure
# is never rounded twice (4.048 stored as 4.05 would read 4.1, not 4.0).
MEAN_PLACES = 6
COMMENTS_KEPT = 80  # more than a message can show; every comment is in the export
TREND_STEP = 0.25
YES = "yes"
SCORED_KINDS = ("scale", "tick")
PICKED_KINDS = ("choice", "tick")  # answers counted per option and side
TEXT_KIND = "text"
OUR_DEFAULT_NAME = "Consultants"  # only when no workspace name is known
CLIENT_DEFAULT_NAME = "Client"


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
    question_id: str = ""
    version: int = 1
    need: bool = True  # ticked: one of the needs
    options: tuple[OptionFacts, ...] = ()  # choice and tick questions

    @property
    def key(self) -> str:
        """The question as worded: its id and version, e.g. "pc.trust.level@1"."""
        return f"{self.question_id or self.version_id}@{self.version}"


class OptionFacts(NamedTuple):
    value: str
    label: str
    short: str  # the label up to its first colon, for the headline
    warning: bool = False


@dataclass(frozen=True)
class HeadlineSpec:
    """One line of a template's headline: a question's picks or a dimension's figures."""

    label: str
    question_id: str | None = None
    dimension: str | None = None


class ValueCount(NamedTuple):
    """How many people on one side gave one value to one question."""

    version_id: int
    side: str
    value: str
    count: int


class Raiser(NamedTuple):
    """Someone who picked a deal-breaker option."""

    version_id: int
    user_id: str
    side: str


class Note(NamedTuple):
    """A free-text answer (is_comment False) or a comment on an answer."""

    version_id: int
    side: str
    user_id: str
    text: str
    is_comment: bool


@dataclass(frozen=True)
class TallyPlan:
    """What to count among a check's answers, by question version."""

    tallied: tuple[int, ...]  # values counted: scored questions and those with deal breakers
    scored: Mapping[int, str]  # scored question → its dimension
    texts: tuple[int, ...]  # free-text questions: a non-empty answer is a note
    deal_breakers: tuple[tuple[int, str], ...]  # (version_id, value)


@dataclass(frozen=True)
class AnswerTallies:
    """Everything the summary needs from the answers, in sizes independent of their number.

    `notes` may hold more than are kept (every one, in tests); at least each question's
    `comment_quotas` first ones in `note_order`.
    """

    values: Sequence[ValueCount] = ()  # for TallyPlan.tallied questions
    respondents: Mapping[str, int] = field(default_factory=dict)  # side → people with a value
    scorers: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (dimension, side)
    raisers: Sequence[Raiser] = ()  # may be empty in anonymous mode: names are not shown
    notes: Sequence[Note] = ()
    notes_total: int = 0


@dataclass(frozen=True)
class SideFigure:
    answered: int
    mean: float | None = None
    withheld: bool = False


@dataclass(frozen=True)
class SideTrend:
    """One side's move on a dimension since the previous summary of the template."""

    trend: str = Trend.UNKNOWN
    was: float | None = None


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
    need: bool = True  # summaries stored before needs were told apart ticked every dimension
    ours_trend: SideTrend = field(default_factory=SideTrend)
    client_trend: SideTrend = field(default_factory=SideTrend)
    wording_changed: bool = False  # the questions differ from last time: like compared with like
    asked: tuple[str, ...] = ()  # question keys (id@version) asked in this dimension
    per_question: dict[str, dict[str, float]] = field(default_factory=dict)  # key → side → mean

    def side(self, side: str) -> SideFigure:
        return self.ours if side == OUR_SIDE else self.client

    def side_trend(self, side: str) -> SideTrend:
        return self.ours_trend if side == OUR_SIDE else self.client_trend

    @property
    def gap(self) -> float | None:
        if self.ours.mean is None or self.client.mean is None:
            return None
        return abs(self.ours.mean - self.client.mean)


@dataclass(frozen=True)
class Picks:
    """How many on each side picked each option of a choice (or tick) question."""

    question_id: str
    key: str  # id@version
    dimension_label: str
    question: str
    kind: str
    ours: tuple[tuple[str, int], ...] = ()  # (option value, people), most picked first
    client: tuple[tuple[str, int], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # value → label
    short: dict[str, str] = field(default_factory=dict)  # value → short label
    withheld: tuple[str, ...] = ()  # sides too small to show in an anonymous check
    before: dict[str, list[list[Any]]] | None = None  # the previous summary's, by side
    wording_changed: bool = False  # the previous summary asked it in other words

    def side(self, side: str) -> tuple[tuple[str, int], ...]:
        return self.ours if side == OUR_SIDE else self.client


@dataclass(frozen=True)
class WarningLine:
    """Someone picked an option the bank marks as a warning, e.g. an unspoken difference."""

    dimension_label: str
    question: str
    option: str
    ours: int
    client: int
    sides_shown: bool = True  # False when naming the side could reveal a person


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


# Signal kinds: the first two are warning signs the summary shows; a meeting our side cancelled
# (alone or by agreement) is recorded, but it is not the client's warning sign.
MEETING_MOVED = "meeting_moved"
MEETING_CANCELLED = "meeting_cancelled"
CANCELLED_BY_US = "meeting_cancelled_by_us"
CANCELLED_JOINTLY = "meeting_cancelled_jointly"
WARNING_SIGNALS = (MEETING_MOVED, MEETING_CANCELLED)
CHART_MIN_AXES = 3  # a radar needs at least three axes


@dataclass(frozen=True)
class SignalLine:
    """A warning sign recorded since the previous check, e.g. a meeting the client moved."""

    kind: str  # meeting_moved | meeting_cancelled
    title: str
    starts_at: str | None  # ISO: the meeting's (original) start
    moved_to: str | None  # ISO: the new start, for a move
    source: str  # calendar | manual | reflection


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
    signals: tuple[SignalLine, ...] = ()
    signals_total: int = 0
    our_name: str = OUR_DEFAULT_NAME
    client_name: str = CLIENT_DEFAULT_NAME
    picks: tuple[Picks, ...] = ()
    warnings: tuple[WarningLine, ...] = ()
    headline: tuple[HeadlineSpec, ...] = ()
    first_time: bool = False  # no earlier summary of this template to compare with
    ours_only: bool = False  # a check asked of our side only (the self-check): no client figures

    @property
    def ticked(self) -> int:
        return sum(1 for d in self.dimensions if d.need and d.ticked)

    @property
    def needs(self) -> int:
        return sum(1 for d in self.dimensions if d.need)

    def name_of(self, side: str) -> str:
        return self.our_name if side == OUR_SIDE else self.client_name

    def dimension(self, key: str) -> DimensionResult | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def picks_of(self, question_id: str) -> Picks | None:
        return next((p for p in self.picks if p.question_id == question_id), None)

    @property
    def has_chart(self) -> bool:
        """Whether a radar chart can be drawn: enough dimensions, and a figure to show."""
        return len(self.dimensions) >= CHART_MIN_AXES and any(
            figure.mean is not None for d in self.dimensions for figure in (d.ours, d.client)
        )

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
                    "ours_trend": SideTrend(**raw.get("ours_trend", {})),
                    "client_trend": SideTrend(**raw.get("client_trend", {})),
                    "asked": tuple(raw.get("asked", ())),
                }
            )

        def picks(raw: Mapping[str, Any]) -> Picks:
            return Picks(
                **{
                    **raw,
                    "ours": tuple((str(a), int(b)) for a, b in raw.get("ours", ())),
                    "client": tuple((str(a), int(b)) for a, b in raw.get("client", ())),
                    "withheld": tuple(raw.get("withheld", ())),
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
            signals=tuple(SignalLine(**line) for line in data.get("signals", ())),
            signals_total=int(data.get("signals_total", 0)),
            our_name=str(data.get("our_name") or OUR_DEFAULT_NAME),
            client_name=str(data.get("client_name") or CLIENT_DEFAULT_NAME),
            picks=tuple(picks(p) for p in data.get("picks", ())),
            warnings=tuple(WarningLine(**w) for w in data.get("warnings", ())),
            headline=tuple(HeadlineSpec(**h) for h in data.get("headline", ())),
            first_time=bool(data.get("first_time", False)),
            ours_only=bool(data.get("ours_only", False)),
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


def tally_plan(questions: Sequence[QuestionFacts]) -> TallyPlan:
    """What the storage must count for these questions."""
    return TallyPlan(
        tallied=tuple(
            q.version_id
            for q in questions
            if q.kind in SCORED_KINDS or q.kind in PICKED_KINDS or q.deal_breaker_values
        ),
        scored={q.version_id: q.dimension for q in questions if q.kind in SCORED_KINDS},
        texts=tuple(q.version_id for q in questions if q.kind == TEXT_KIND),
        deal_breakers=tuple(
            (q.version_id, value) for q in questions for value in sorted(q.deal_breaker_values)
        ),
    )


def unscored_values(
    questions: Sequence[QuestionFacts], values: Iterable[ValueCount]
) -> list[tuple[int, str]]:
    """(version_id, value) given to a scored question that still scores nothing (not a number).

    Whoever gave only such values does not count as having answered the dimension.
    """
    kinds = {q.version_id: q.kind for q in questions}
    return sorted(
        {
            (tally.version_id, tally.value)
            for tally in values
            if kinds.get(tally.version_id) in SCORED_KINDS
            and score_of(kinds[tally.version_id], tally.value) is None
        }
    )


def comment_quotas(
    questions: Sequence[QuestionFacts], notes_per_question: Mapping[int, int]
) -> dict[int, int]:
    """How many notes of each question (the first ones in `note_key` order) the summary keeps.

    Round-robin in question order, COMMENTS_KEPT at most: a few from every question.
    """
    left = {
        q.version_id: notes_per_question.get(q.version_id, 0)
        for q in sorted(questions, key=lambda q: q.position)
    }
    quotas = dict.fromkeys(left, 0)
    budget = min(COMMENTS_KEPT, sum(left.values()))
    while budget:
        for version, count in left.items():
            if count > quotas[version] and budget:
                quotas[version] += 1
                budget -= 1
    return quotas


def note_key(note: Note, anonymous: bool) -> tuple[str, str, bool]:
    """The order of one question's notes: by side, then by person (by text when anonymous)."""
    return (note.side, note.text if anonymous else note.user_id, note.is_comment)


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
    tallies: AnswerTallies,
    previous: Mapping[str, Any] | None = None,
    next_steps: Sequence[StepLine] = (),
    rules: Rules | None = None,
    signals: Sequence[SignalLine] = (),
    signals_total: int | None = None,
    our_name: str = OUR_DEFAULT_NAME,
    client_name: str = CLIENT_DEFAULT_NAME,
    headline: Sequence[HeadlineSpec] = (),
    ours_only: bool = False,
) -> Summary:
    """Everything the channel summary says, from the tallied answers of one check."""
    rules = rules or Rules()
    by_version = {q.version_id: q for q in questions}
    sums, raised = _sums_and_raised(by_version, tallies.values)
    counted = _value_counts(tallies.values)
    deal_dimensions = {by_version[v].dimension for v in raised}
    scored_dimensions = list(
        dict.fromkeys(q.dimension for q in questions if q.kind in SCORED_KINDS)
    )
    labels = {q.dimension: q.dimension_label for q in questions}
    before = _previous_dimensions(previous)
    dimensions = []
    for key in scored_dimensions:
        ours, client = (
            _figure(sums.get((key, side)), tallies.scorers.get((key, side), 0), anonymous)
            for side in (OUR_SIDE, CLIENT_SIDE)
        )
        asked = [q for q in questions if q.dimension == key and q.kind in SCORED_KINDS]
        dimensions.append(
            _dimension(
                key,
                labels[key],
                ours,
                client,
                key in deal_dimensions,
                before,
                rules,
                need=asked[0].need,
                asked=asked,
                per_question=_per_question(asked, counted, (ours, client), anonymous),
            )
        )
    respondents = {OUR_SIDE: 0, CLIENT_SIDE: 0, **tallies.respondents}
    picks = _picks(questions, counted, anonymous, _previous_picks(previous))
    return Summary(
        check_id=check_id,
        channel_id=channel_id,
        partnership_name=partnership_name,
        template_id=template_id,
        template_name=template_name,
        anonymous=anonymous,
        closed_at=closed_at,
        respondents=respondents,
        dimensions=tuple(dimensions),
        deal_breakers=_deal_breakers(by_version, raised, tallies.raisers, anonymous),
        comments=_comments(tallies.notes, by_version, respondents, anonymous),
        next_steps=tuple(next_steps),
        signals=tuple(signals),
        signals_total=len(signals) if signals_total is None else signals_total,
        rules=rules,
        comments_total=tallies.notes_total,
        our_name=our_name,
        client_name=client_name,
        picks=picks,
        warnings=_warnings(questions, counted, anonymous),
        headline=tuple(headline),
        first_time=not previous,
        ours_only=ours_only,
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


def _sums_and_raised(
    by_version: Mapping[int, QuestionFacts], values: Iterable[ValueCount]
) -> tuple[dict[tuple[str, str], list[float]], dict[int, int]]:
    """[score total, scored answers] per (dimension, side); deal breakers raised per question."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    raised: dict[int, int] = defaultdict(int)
    for tally in values:
        question = by_version.get(tally.version_id)
        if question is None or not tally.count:
            continue
        score = score_of(question.kind, tally.value)
        if score is not None:
            total = sums[(question.dimension, tally.side)]
            total[0] += score * tally.count
            total[1] += tally.count
        if tally.value in question.deal_breaker_values:
            raised[question.version_id] += tally.count
    return sums, raised


def _figure(total: list[float] | None, answered: int, anonymous: bool) -> SideFigure:
    if not total or not total[1]:
        return SideFigure(answered=answered)
    if anonymous and answered < MIN_ANONYMOUS_RESPONDENTS:
        return SideFigure(answered=answered, withheld=True)
    return SideFigure(answered=answered, mean=round(total[0] / total[1], MEAN_PLACES))


def _dimension(
    key: str,
    label: str,
    ours: SideFigure,
    client: SideFigure,
    deal_breaker: bool,
    before: dict[str, Mapping[str, Any]] | None,
    rules: Rules,
    *,
    need: bool,
    asked: Sequence[QuestionFacts],
    per_question: dict[str, dict[str, float]],
) -> DimensionResult:
    ticked: bool | None
    if not need:
        ticked = None
    elif deal_breaker:
        ticked = False
    elif ours.withheld or client.withheld:
        ticked = None
    else:
        ticked = all(
            side.mean is not None and side.mean >= rules.tick_threshold for side in (ours, client)
        )
    shown = [side.mean for side in (ours, client) if side.mean is not None]
    score = round(sum(shown) / len(shown), MEAN_PLACES) if shown else None
    gap_reached = (
        ours.mean is not None
        and client.mean is not None
        and round(abs(ours.mean - client.mean), 6) >= rules.divergence
    )
    earlier = (before or {}).get(key)
    earlier_score = earlier.get("score") if earlier else None
    trend = trend_between(earlier_score, score, had_previous=earlier is not None)
    keys = tuple(q.key for q in asked)
    wording_changed = bool(earlier and earlier.get("asked") and set(earlier["asked"]) != set(keys))
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
        need=need,
        ours_trend=_side_trend(OUR_SIDE, ours, per_question, earlier, wording_changed),
        client_trend=_side_trend(CLIENT_SIDE, client, per_question, earlier, wording_changed),
        wording_changed=wording_changed,
        asked=keys,
        per_question=per_question,
    )


def _side_trend(
    side: str,
    figure: SideFigure,
    per_question: Mapping[str, Mapping[str, float]],
    earlier: Mapping[str, Any] | None,
    wording_changed: bool,
) -> SideTrend:
    """One side's move: its mean against last time's, or, when the questions changed, the
    mean of the questions asked the same way both times against theirs last time."""
    if earlier is None:
        return SideTrend(Trend.FIRST)
    if not wording_changed:
        was = (earlier.get(side) or {}).get("mean")
        return SideTrend(trend_between(was, figure.mean, had_previous=True), was)
    now_means = {k: v[side] for k, v in per_question.items() if side in v}
    then_means = {k: v[side] for k, v in (earlier.get("per_question") or {}).items() if side in v}
    common = sorted(now_means.keys() & then_means.keys())
    if not common:
        return SideTrend(Trend.UNKNOWN)
    now = sum(now_means[k] for k in common) / len(common)
    was = round(sum(then_means[k] for k in common) / len(common), MEAN_PLACES)
    return SideTrend(trend_between(was, now, had_previous=True), was)


def _value_counts(values: Iterable[ValueCount]) -> dict[tuple[int, str], dict[str, int]]:
    """(version_id, side) → value → people."""
    counted: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for tally in values:
        if tally.count:
            counted[(tally.version_id, tally.side)][tally.value] = tally.count
    return counted


def _per_question(
    asked: Sequence[QuestionFacts],
    counted: Mapping[tuple[int, str], Mapping[str, int]],
    figures: tuple[SideFigure, SideFigure],
    anonymous: bool,
) -> dict[str, dict[str, float]]:
    """Each scored question's mean per side, for comparing like with like next time.

    Never for a side whose figures are withheld, nor (anonymous) one too few answered."""
    means: dict[str, dict[str, float]] = {}
    for question in asked:
        for side, figure in zip((OUR_SIDE, CLIENT_SIDE), figures, strict=True):
            scores = [
                (score, count)
                for value, count in counted.get((question.version_id, side), {}).items()
                if (score := score_of(question.kind, value)) is not None
            ]
            people = sum(count for _, count in scores)
            if not people or figure.withheld:
                continue
            if anonymous and people < MIN_ANONYMOUS_RESPONDENTS:
                continue
            mean = sum(score * count for score, count in scores) / people
            means.setdefault(question.key, {})[side] = round(mean, MEAN_PLACES)
    return means


def _picks(
    questions: Sequence[QuestionFacts],
    counted: Mapping[tuple[int, str], Mapping[str, int]],
    anonymous: bool,
    before: Mapping[str, Mapping[str, Any]],
) -> tuple[Picks, ...]:
    """Per side, how many picked each option of every choice and tick question."""
    result = []
    for question in sorted(questions, key=lambda q: q.position):
        if question.kind not in PICKED_KINDS:
            continue
        order = {option.value: i for i, option in enumerate(question.options)}
        per_side: dict[str, tuple[tuple[str, int], ...]] = {}
        withheld = []
        for side in (OUR_SIDE, CLIENT_SIDE):
            counts = counted.get((question.version_id, side), {})
            if anonymous and 0 < sum(counts.values()) < MIN_ANONYMOUS_RESPONDENTS:
                withheld.append(side)
                counts = {}
            ranked = sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], 99)))
            per_side[side] = tuple(ranked)
        earlier = before.get(question.question_id)
        result.append(
            Picks(
                question_id=question.question_id,
                key=question.key,
                dimension_label=question.dimension_label,
                question=question.text,
                kind=question.kind,
                ours=per_side[OUR_SIDE],
                client=per_side[CLIENT_SIDE],
                labels={option.value: option.label for option in question.options},
                short={option.value: option.short for option in question.options},
                withheld=tuple(withheld),
                before=(
                    {side: [list(p) for p in earlier.get(side, ())] for side in SIDE_KEYS}
                    if earlier
                    else None
                ),
                wording_changed=bool(earlier and earlier.get("key") != question.key),
            )
        )
    return tuple(result)


def _warnings(
    questions: Sequence[QuestionFacts],
    counted: Mapping[tuple[int, str], Mapping[str, int]],
    anonymous: bool,
) -> tuple[WarningLine, ...]:
    """A line per warning option someone picked, with how many on each side picked it."""
    lines = []
    for question in sorted(questions, key=lambda q: q.position):
        for option in question.options:
            if not option.warning:
                continue
            ours, client = (
                counted.get((question.version_id, side), {}).get(option.value, 0)
                for side in (OUR_SIDE, CLIENT_SIDE)
            )
            if not ours and not client:
                continue
            small = any(
                0
                < sum(counted.get((question.version_id, side), {}).values())
                < MIN_ANONYMOUS_RESPONDENTS
                for side in (OUR_SIDE, CLIENT_SIDE)
            )
            lines.append(
                WarningLine(
                    dimension_label=question.dimension_label,
                    question=question.text,
                    option=option.label,
                    ours=ours,
                    client=client,
                    sides_shown=not (anonymous and small),
                )
            )
    return tuple(lines)


def predates_versions(previous: Mapping[str, Any] | None) -> bool:
    """A summary stored before summaries kept which question versions they compared."""
    return bool(previous) and int((previous or {}).get("format", 1)) < SUMMARY_FORMAT


def with_questions_asked(
    previous: Mapping[str, Any], questions: Sequence[QuestionFacts], values: Iterable[ValueCount]
) -> dict[str, Any]:
    """An older stored summary, completed from its check's questions and answer tallies with
    what each dimension asked and each question's means, so trends compare like with like."""
    counted = _value_counts(values)
    anonymous = bool(previous.get("anonymous"))
    dimensions = []
    for raw in previous.get("dimensions", ()):
        asked = [q for q in questions if q.dimension == raw["key"] and q.kind in SCORED_KINDS]
        figures = (SideFigure(**raw["ours"]), SideFigure(**raw["client"]))
        dimensions.append(
            {
                **raw,
                "asked": [q.key for q in asked],
                "per_question": _per_question(asked, counted, figures, anonymous),
            }
        )
    return {**previous, "dimensions": dimensions}


def _previous_dimensions(previous: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]] | None:
    if not previous:
        return None
    return {d["key"]: d for d in previous.get("dimensions", ())}


def _previous_picks(previous: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {p["question_id"]: p for p in (previous or {}).get("picks", ()) if p.get("question_id")}


def _deal_breakers(
    by_version: Mapping[int, QuestionFacts],
    raised: Mapping[int, int],
    raisers: Iterable[Raiser],
    anonymous: bool,
) -> tuple[DealBreaker, ...]:
    """Each question where someone picked a deal breaker, in question order; names if allowed."""
    who: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for raiser in raisers:
        who[raiser.version_id].append((raiser.user_id, raiser.side))
    return tuple(
        DealBreaker(
            dimension_label=by_version[version].dimension_label,
            question=by_version[version].text,
            count=count,
            people=() if anonymous else tuple(sorted(who[version])),
        )
        for version, count in sorted(raised.items(), key=lambda item: by_version[item[0]].position)
    )


def _comments(
    notes: Iterable[Note],
    by_version: Mapping[int, QuestionFacts],
    respondents: Mapping[str, int],
    anonymous: bool,
) -> tuple[Comment, ...]:
    """The comment_quotas first notes of every question, in question order.

    Anonymous ones carry no name, and no side when that side is too small to hide in.
    """
    grouped: dict[int, list[Note]] = defaultdict(list)
    for note in notes:
        if note.version_id in by_version:
            grouped[note.version_id].append(note)
    questions = list(by_version.values())
    quotas = comment_quotas(questions, {v: len(group) for v, group in grouped.items()})
    comments = []
    for question in sorted(questions, key=lambda q: q.position):
        kept = sorted(grouped[question.version_id], key=lambda n: note_key(n, anonymous))
        for note in kept[: quotas[question.version_id]]:
            side_shown = (
                note.side
                if not anonymous or respondents.get(note.side, 0) >= MIN_ANONYMOUS_RESPONDENTS
                else None
            )
            comments.append(
                Comment(
                    dimension_label=question.dimension_label,
                    question=question.text,
                    text=note.text,
                    side=side_shown,
                    user_id=None if anonymous else note.user_id,
                )
            )
    return tuple(comments)
