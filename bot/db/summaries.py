"""Storage reads and writes behind a check's summary. The caller owns the transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Answer, Check, CheckQuestion, Partnership, QuestionVersion, Signal
from bot.db.types import bytewise
from bot.domain.summary import WARNING_SIGNALS, Note, Raiser, SignalLine, ValueCount, note_key
from questions.bank import VALUE_LIMIT

# '' written inline, as in ix_answers_comments (bot.db.models.HAS_COMMENT): compared with a
# bound parameter instead, the planner could not tell that the index holds every comment.
EMPTY = literal_column("''")

# The statements a summary runs are built once, here, with parameters: building an ORM
# statement of this size each time costs about as much as SQLite takes to run it.
CHECK_ID = bindparam("check_id")


def _many(name: str) -> BindParameter[Any]:
    """A list parameter, for IN."""
    return bindparam(name, expanding=True)


def _one_of(column: ColumnElement[int], name: str, *, array: bool) -> ColumnElement[bool]:
    """`column` IN the list of ids `name`; with `array` (PostgreSQL), `= ANY` one array
    parameter. After five runs PostgreSQL may keep a plan made for any parameters, where
    `IN ($2, $3, …)` is an array made from the parameters again for every answer tested:
    about 6 ms more per pass over 1000 people's answers, measured; one array parameter costs
    the same in either plan.
    """
    if array:
        return column == func.any(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(_many(name))


_earlier = aliased(Check)

_PREVIOUS_SUMMARY = (
    select(_earlier.summary)
    .where(
        _earlier.partnership_id == Check.partnership_id,
        _earlier.template_id == Check.template_id,
        _earlier.id != Check.id,
        _earlier.summary.is_not(None),
        _earlier.created_at <= Check.created_at,
    )
    .order_by(_earlier.created_at.desc(), _earlier.id.desc())
    .limit(1)
    .correlate(Check)
    .scalar_subquery()
)

_CHECK = (
    select(
        Check.id,
        Check.channel_id,
        Check.partnership_id,
        Check.template_id,
        Check.template_name,
        Check.anonymous,
        Check.status,
        Check.mode,
        Check.current_position,
        Check.created_at,
        Check.closed_at,
        Check.ours_only,
        Partnership.name.label("partnership_name"),
        Partnership.our_org_name,
        Partnership.client_org_name,
        _PREVIOUS_SUMMARY.label("previous_summary"),
    )
    .join(Partnership, Partnership.id == Check.partnership_id)
    .where(Check.id == CHECK_ID)
)

_QUESTIONS = (
    select(
        CheckQuestion.position,
        QuestionVersion.id.label("version_id"),
        QuestionVersion.question_id,
        QuestionVersion.version,
        QuestionVersion.dimension,
        QuestionVersion.kind,
        QuestionVersion.text,
        QuestionVersion.options,
    )
    .join(QuestionVersion, QuestionVersion.id == CheckQuestion.question_version_id)
    .where(CheckQuestion.check_id == CHECK_ID)
    .order_by(CheckQuestion.position)
)

# The counts are made per backend in the way that reads least. SQLite reads the covering
# partial indexes below without visiting the answers: one statement for the values picked,
# one for the notes. PostgreSQL must visit the answers themselves (a check's answers are
# too recent for an index-only scan), so it makes the same counts in one pass.

# Tallied questions are all choices (scale, tick, choice), whose values are short: counted
# from ix_answers_choices alone.
_VALUE_COUNTS = (
    select(Answer.question_version_id, Answer.side, Answer.value, func.count())
    .where(
        Answer.check_id == CHECK_ID,
        Answer.question_version_id.in_(_many("versions")),
        func.length(Answer.value) <= literal_column(str(VALUE_LIMIT)),
    )
    .group_by(Answer.question_version_id, Answer.side, Answer.value)
)

# Comments (from ix_answers_comments), and non-empty answers to free-text questions.
_NOTE_COUNTS = union_all(
    select(Answer.question_version_id, func.count())
    .where(Answer.check_id == CHECK_ID, Answer.comment != EMPTY)
    .group_by(Answer.question_version_id),
    select(Answer.question_version_id, func.count())
    .where(
        Answer.check_id == CHECK_ID,
        Answer.question_version_id.in_(_many("texts")),
        Answer.value != EMPTY,
    )
    .group_by(Answer.question_version_id),
)

# Both in one pass, grouped by question, side and picked value: free-text answers, and values
# given to questions not tallied, fall in their (question, side) group with no value, so the
# rows returned do not grow with the answers.
_PICKED = case(
    (
        and_(
            _one_of(Answer.question_version_id, "versions", array=True),
            func.length(Answer.value) <= literal_column(str(VALUE_LIMIT)),
        ),
        Answer.value,
    )
).label("picked")
_ONE_PASS_COUNTS = (
    select(
        Answer.question_version_id,
        Answer.side,
        _PICKED,
        func.count(),
        func.count(case((Answer.comment != EMPTY, literal_column("1")))).label("comments"),
        func.count(case((Answer.value != EMPTY, literal_column("1")))).label("written"),
    )
    .where(Answer.check_id == CHECK_ID)
    .group_by(Answer.question_version_id, Answer.side, _PICKED)
)


def _people(excluding: bool, *, array: bool) -> Select[Any]:
    """(side, scored questions answered, people): how many people on a side gave a value and
    answered exactly those scored questions (comma-separated; minus the `unscored` (version,
    value) pairs when `excluding`). Most people answer alike, so there are few rows.

    Each person is read in the order of ix_answers_given. Every answer of a check is to one
    of its questions, so they are not filtered by question: that would steer the planner to an
    index in the wrong order.
    """
    scoring = _one_of(Answer.question_version_id, "scored", array=array)
    if excluding:
        scoring = and_(
            scoring, tuple_(Answer.question_version_id, Answer.value).not_in(_many("unscored"))
        )
    person = (
        select(
            Answer.side,
            func.aggregate_strings(
                case((scoring, cast(Answer.question_version_id, String))), ","
            ).label("scored"),
        )
        .where(Answer.check_id == CHECK_ID, Answer.value.is_not(None))
        .group_by(Answer.side, Answer.user_id)
        .subquery()
    )
    return select(person.c.side, person.c.scored, func.count()).group_by(
        person.c.side, person.c.scored
    )


_PEOPLE = {
    (excluding, postgres): _people(excluding, array=postgres)
    for excluding in (False, True)
    for postgres in (False, True)
}

_RAISERS = select(Answer.question_version_id, Answer.user_id, Answer.side).where(
    Answer.check_id == CHECK_ID,
    tuple_(Answer.question_version_id, Answer.value).in_(_many("pairs")),
)


def _first_of_each_question(*, comments: bool, by_text: bool, lateral: bool) -> Select[Any]:
    """(version_id, side, user_id, text, is_comment) of the `limit` first comments (or
    free-text answers) to each of the `commented` (or `written`) questions, by side then
    person (by text when `by_text`): a LIMIT per question.

    SQLite runs `id IN (… LIMIT)` once per question, reading an index in that order; the
    PostgreSQL planner would run it once per answer, so there it is a LATERAL join instead
    (which SQLite lacks).
    """
    candidate = aliased(Answer)
    candidate_text = candidate.comment if comments else candidate.value
    first = (
        select(candidate.id)
        .where(
            candidate.check_id == CheckQuestion.check_id,
            candidate.question_version_id == CheckQuestion.question_version_id,
            candidate_text != EMPTY,
        )
        .order_by(
            bytewise(candidate.side),
            bytewise(candidate_text if by_text else candidate.user_id),
        )
        .limit(bindparam("limit"))
    )
    notes = select(
        CheckQuestion.question_version_id,
        Answer.side,
        Answer.user_id,
        Answer.comment if comments else Answer.value,
        literal(comments),
    )
    if lateral:
        each = first.lateral()
        notes = (
            notes.select_from(CheckQuestion).join(each, true()).join(Answer, Answer.id == each.c.id)
        )
    else:
        notes = notes.join(Answer, Answer.id.in_(first.correlate(CheckQuestion)))
    return notes.where(
        CheckQuestion.check_id == CHECK_ID,
        CheckQuestion.question_version_id.in_(_many("commented" if comments else "written")),
    )


_FIRST_NOTES = {
    (by_text, lateral): union_all(
        _first_of_each_question(comments=True, by_text=by_text, lateral=lateral),
        _first_of_each_question(comments=False, by_text=by_text, lateral=lateral),
    )
    for by_text in (False, True)
    for lateral in (False, True)
}

_previous_close = (
    select(func.max(_earlier.closed_at))
    .where(
        _earlier.partnership_id == bindparam("partnership_id"),
        _earlier.id != CHECK_ID,
        _earlier.closed_at.is_not(None),
        # our side's own checks (the self-check) never shorten the channel's window
        _earlier.ours_only.is_(False),
        _earlier.created_at <= bindparam("started_at"),
    )
    .scalar_subquery()
)
_SIGNALS = (
    select(Signal.kind, Signal.detail, func.count().over())
    .where(
        Signal.partnership_id == bindparam("partnership_id"),
        Signal.kind.in_(WARNING_SIGNALS),
        Signal.occurred_at <= bindparam("until"),
        or_(_previous_close.is_(None), Signal.occurred_at > _previous_close),
    )
    .order_by(Signal.occurred_at, Signal.id)
    .limit(bindparam("limit"))
)


async def check_for_summary(*, session: AsyncSession, check_id: int) -> Row[Any] | None:
    """The check's own columns the summary needs, its partnership's name, and the summary of
    the latest earlier check of the same template in that partnership (previous_summary)."""
    return (await session.execute(_CHECK, {"check_id": check_id})).first()


async def questions_for_summary(*, session: AsyncSession, check_id: int) -> list[Row[Any]]:
    """(position, version_id, question_id, version, dimension, kind, text, options) of every
    question, in order."""
    return list((await session.execute(_QUESTIONS, {"check_id": check_id})).all())


async def value_counts(
    *, session: AsyncSession, check_id: int, version_ids: Collection[int]
) -> list[ValueCount]:
    """How many people on each side gave each value to each of these questions."""
    rows = await session.execute(
        _VALUE_COUNTS, {"check_id": check_id, "versions": list(version_ids)}
    )
    return [ValueCount._make(row) for row in rows]


async def answer_counts(
    *,
    session: AsyncSession,
    check_id: int,
    tallied: Collection[int],
    texts: Collection[int],
) -> tuple[list[ValueCount], dict[int, int]]:
    """value_counts of the `tallied` questions; and the notes per question: comments, and
    non-empty answers to the `texts` (free-text) questions."""
    parameters = {"check_id": check_id, "versions": list(tallied), "texts": list(texts)}
    notes: dict[int, int] = defaultdict(int)
    if not _is_postgres(session):
        values = [ValueCount._make(row) for row in await session.execute(_VALUE_COUNTS, parameters)]
        for version_id, count in await session.execute(_NOTE_COUNTS, parameters):
            notes[version_id] += count
        return values, dict(notes)
    values = []
    written = set(texts)
    for version_id, side, value, count, comments, answered in await session.execute(
        _ONE_PASS_COUNTS, parameters
    ):
        if value is not None:
            values.append(ValueCount(version_id, side, value, count))
        notes[version_id] += comments + (answered if version_id in written else 0)
    return values, {version_id: count for version_id, count in notes.items() if count}


async def people_counts(
    *,
    session: AsyncSession,
    check_id: int,
    scored: Mapping[int, str],
    unscored: Collection[tuple[int, str]],
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """People who gave a value, per side; and per (dimension, side) among scored answers.

    `scored` maps each scored question to its dimension; `unscored` are (version_id, value)
    pairs of scored questions that score nothing.
    """
    parameters: dict[str, Any] = {"check_id": check_id, "scored": list(scored)}
    if unscored:
        parameters["unscored"] = list(unscored)
    respondents: dict[str, int] = defaultdict(int)
    scorers: dict[tuple[str, str], int] = defaultdict(int)
    dimension_of = {str(version): dimension for version, dimension in scored.items()}
    for side, versions, people in await session.execute(
        _PEOPLE[(bool(unscored), _is_postgres(session))], parameters
    ):
        respondents[side] += people
        answered = set(versions.split(",")) if versions else set()
        for dimension in {dimension_of[version] for version in answered}:
            scorers[(dimension, side)] += people
    return dict(sorted(respondents.items())), dict(scorers)


async def deal_breaker_raisers(
    *, session: AsyncSession, check_id: int, deal_breakers: Collection[tuple[int, str]]
) -> list[Raiser]:
    """Who picked which deal-breaker (version_id, value)."""
    if not deal_breakers:
        return []
    rows = await session.execute(_RAISERS, {"check_id": check_id, "pairs": list(deal_breakers)})
    return [Raiser._make(row) for row in rows]


async def first_notes(
    *,
    session: AsyncSession,
    check_id: int,
    texts: Collection[int],
    quotas: Mapping[int, int],
    by_text: bool,
) -> list[Note]:
    """The quotas[question] first notes of each question, in bot.domain.summary.note_key order.

    Each question's first comments, and first free-text answers, are read in that order with
    a LIMIT per question, from indexes: the other notes are never visited. Strings are ordered
    by code point, as Python orders them.
    """
    wanted = {version_id: quota for version_id, quota in quotas.items() if quota}
    if not wanted:
        return []
    grouped: dict[int, list[Note]] = defaultdict(list)
    for version_id, side, user_id, text, is_comment in await session.execute(
        _FIRST_NOTES[(by_text, _is_postgres(session))],
        {
            "check_id": check_id,
            "commented": list(wanted),
            "written": [version_id for version_id in texts if version_id in wanted],
            "limit": max(wanted.values()),
        },
    ):
        grouped[version_id].append(Note(version_id, side, user_id, text, bool(is_comment)))
    return [
        note
        for version_id, notes in grouped.items()
        for note in sorted(notes, key=lambda n: note_key(n, by_text))[: wanted[version_id]]
    ]


async def signals_for_summary(
    *,
    session: AsyncSession,
    partnership_id: int,
    check_id: int,
    started_at: datetime,
    until: datetime,
    limit: int,
) -> tuple[list[SignalLine], int]:
    """Warning signs (meetings the client moved or cancelled, or that a calendar feed moved or
    cancelled) recorded after the partnership's previous check closed, up to `until`.

    At most `limit` of them (oldest first), and how many there were in all.
    """
    rows = (
        await session.execute(
            _SIGNALS,
            {
                "partnership_id": partnership_id,
                "check_id": check_id,
                "started_at": started_at,
                "until": until,
                "limit": limit,
            },
        )
    ).all()
    total = rows[0][2] if rows else 0
    return [_signal_line(kind, detail or {}) for kind, detail, _ in rows], int(total)


async def store_summary(*, session: AsyncSession, check_id: int, summary: dict[str, Any]) -> bool:
    """Compare-and-set closed → summarised with the summary; False if someone already did."""
    result = await session.execute(
        update(Check)
        .where(Check.id == check_id, Check.status == "closed")
        .values(status="summarised", summary=summary)
    )
    return result.rowcount == 1


async def summary_of(*, session: AsyncSession, check_id: int) -> dict[str, Any] | None:
    """The stored summary of a check asked of both sides (never of our side's own checks)."""
    return await session.scalar(
        select(Check.summary).where(Check.id == check_id, Check.ours_only.is_(False))
    )


async def latest_summary(*, session: AsyncSession, partnership_id: int) -> dict[str, Any] | None:
    return await session.scalar(
        select(Check.summary)
        .where(
            Check.partnership_id == partnership_id,
            Check.summary.is_not(None),
            Check.ours_only.is_(False),  # our side's own summaries go to our side only
        )
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )


async def history(*, session: AsyncSession, partnership_id: int) -> list[Any]:
    """(id, template name, status, started, closed, summary) of every check, oldest first."""
    rows = await session.execute(
        select(
            Check.id,
            Check.template_name,
            Check.status,
            Check.created_at,
            Check.closed_at,
            Check.summary,
        )
        .where(Check.partnership_id == partnership_id, Check.ours_only.is_(False))
        .order_by(Check.created_at, Check.id)
    )
    return list(rows.all())


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _signal_line(kind: str, detail: dict[str, Any]) -> SignalLine:
    return SignalLine(
        kind=kind,
        title=str(detail.get("title") or "A meeting"),
        starts_at=detail.get("starts_at") or detail.get("from"),
        moved_to=detail.get("to"),
        source=str(detail.get("source") or "manual"),
    )
