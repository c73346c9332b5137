"""Use cases of the summary: compute and post it on close, show it again, share it, history."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blocks import ids
from bot.blocks import our_side as our_cards
from bot.blocks import summary as render
from bot.db import checks as store
from bot.db import next_steps as steps_store
from bot.db import our_side as our_store
from bot.db import summaries
from bot.db.models import NextStep
from bot.domain.check_flow import CheckState, Event, Mode, Status, TransitionRefused, apply
from bot.domain.next_steps import DONE
from bot.domain.summary import (
    CLIENT_DEFAULT_NAME,
    OUR_DEFAULT_NAME,
    SCORED_KINDS,
    AnswerTallies,
    HeadlineSpec,
    OptionFacts,
    QuestionFacts,
    Rules,
    StepLine,
    Summary,
    comment_quotas,
    compute_summary,
    predates_versions,
    tally_plan,
    unscored_values,
    with_questions_asked,
)
from bot.plumbing.errors import NotFound, UserError
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from bot.usecases import permissions
from bot.usecases.our_side import post_to_our_side
from questions.bank import DIMENSIONS, NEEDS, Bank, short_label

log = logging.getLogger(__name__)

SIGNALS_SHOWN = 10
NO_PARTNERSHIP = (
    "There is no partnership in this channel yet. Start one with `/partnership check`; "
    "its summary appears here when the check closes."
)


async def publish_summary(services: Services, check_id: int) -> Summary | None:
    """Summarise a closed check, store it, and post it; None when it was summarised already."""
    summary = await summarise(services, check_id)
    if summary is not None:
        await post_summary(services, summary)
    return summary


async def publish_our_side_summary(services: Services, check_id: int) -> Summary | None:
    """Summarise a check asked of our side only and send it to our side only: the internal
    channel, else the lead's DM (details and chart in its thread). Never the shared channel."""
    summary = await summarise(services, check_id)
    if summary is None:
        return None
    async with services.db.reading() as session:
        found = await our_store.partnership_and_lead(session=session, check_id=check_id)
    if found is None:
        return summary
    partnership, lead = found
    text, blocks = render.headline_message(summary)
    intro = our_cards.our_side_summary_intro(partnership.name, summary.template_name)
    try:
        headline = await post_to_our_side(
            services,
            partnership=partnership,
            lead_user_id=lead,
            text=text,
            blocks=[intro, *blocks],
        )
        text, blocks = render.details_message(summary)
        await services.gateway.post_message(headline.channel, text, blocks, thread_ts=headline.ts)
    except SlackCallFailed as failure:
        log.warning("Our side's summary of check %s not delivered: %s", check_id, failure.error)
        return summary  # stored: the lead still finds it on the App Home
    await _post_chart(services, summary, headline.ts, channel=headline.channel)
    return summary


async def summarise(services: Services, check_id: int) -> Summary | None:
    """Compute the summary and store it with the check (closed → summarised), in one go.

    The database counts the answers: the statements issued do not depend on the number of
    answers (see count_answers), and neither do the rows they return, except a row per
    deal breaker raised and one per distinct set of scored questions people answered.
    """
    async with services.db.unit_of_work() as session:
        check = await summaries.check_for_summary(session=session, check_id=check_id)
        if check is None:
            raise NotFound("That check no longer exists.")
        questions = question_facts(
            await summaries.questions_for_summary(session=session, check_id=check_id),
            services.bank,
        )
        try:
            apply(_state(check, len(questions)), Event.SUMMARISE)
        except TransitionRefused:
            return None
        tallies = await count_answers(session, check_id, questions, anonymous=check.anonymous)
        previous = check.previous_summary
        if predates_versions(previous):
            previous = await _completed(session, previous, services.bank)
        steps = await steps_store.steps_for_summary(
            session=session,
            partnership_id=check.partnership_id,
            check_id=check_id,
            started_at=check.created_at,
        )
        signals, signals_total = await summaries.signals_for_summary(
            session=session,
            partnership_id=check.partnership_id,
            check_id=check_id,
            started_at=check.created_at,
            until=check.closed_at or services.clock.now(),
            limit=SIGNALS_SHOWN,
        )
        summary = compute_summary(
            check_id=check.id,
            channel_id=check.channel_id,
            partnership_name=check.partnership_name,
            template_id=check.template_id,
            template_name=check.template_name,
            anonymous=check.anonymous,
            closed_at=check.closed_at.isoformat() if check.closed_at else None,
            questions=questions,
            tallies=tallies,
            previous=previous,
            next_steps=[step_line(step, check_id) for step in steps],
            signals=signals,
            signals_total=signals_total,
            rules=Rules(
                tick_threshold=services.settings.tick_threshold,
                divergence=services.settings.divergence,
            ),
            our_name=check.our_org_name or OUR_DEFAULT_NAME,
            client_name=check.client_org_name or CLIENT_DEFAULT_NAME,
            headline=headline_specs(services.bank, check.template_id),
            ours_only=bool(check.ours_only),
        )
        stored = await summaries.store_summary(
            session=session, check_id=check_id, summary=summary.to_json()
        )
    return summary if stored else None


async def count_answers(
    session: AsyncSession, check_id: int, questions: list[QuestionFacts], *, anonymous: bool
) -> AnswerTallies:
    """Counts of the answers, made by the database: value histograms, people per side and
    dimension, who raised deal breakers (not needed when anonymous), and only the notes kept.
    """
    plan = tally_plan(questions)
    values, counts = await summaries.answer_counts(
        session=session, check_id=check_id, tallied=plan.tallied, texts=plan.texts
    )
    respondents, scorers = await summaries.people_counts(
        session=session,
        check_id=check_id,
        scored=plan.scored,
        unscored=unscored_values(questions, values),
    )
    raisers = (
        []
        if anonymous
        else await summaries.deal_breaker_raisers(
            session=session, check_id=check_id, deal_breakers=plan.deal_breakers
        )
    )
    notes = await summaries.first_notes(
        session=session,
        check_id=check_id,
        texts=plan.texts,
        quotas=comment_quotas(questions, counts),
        by_text=anonymous,
    )
    return AnswerTallies(
        values=values,
        respondents=respondents,
        scorers=scorers,
        raisers=raisers,
        notes=notes,
        notes_total=sum(counts.values()),
    )


async def post_summary(
    services: Services, summary: Summary, *, shared_by: str | None = None
) -> None:
    """Headline in the channel, details in its thread, then the chart (best effort)."""
    text, blocks = render.headline_message(summary, shared_by=shared_by)
    headline = await services.gateway.post_message(summary.channel_id, text, blocks)
    text, blocks = render.details_message(summary)
    await services.gateway.post_message(summary.channel_id, text, blocks, thread_ts=headline.ts)
    await _post_chart(services, summary, headline.ts)


async def show_latest(services: Services, *, channel_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The latest summary of the channel's partnership, for the person who asked."""
    async with services.db.unit_of_work() as session:
        partnership = await store.partnership_for_channel(session=session, channel_id=channel_id)
        if partnership is None:
            raise UserError(NO_PARTNERSHIP)
        latest = await summaries.latest_summary(session=session, partnership_id=partnership.id)
    if latest is None:
        raise UserError(
            "No check of this partnership has a summary yet. A summary is posted when a check "
            "closes: close the running one with its *Close check* button, or start one with "
            "`/partnership check`."
        )
    return render.private_summary_message(Summary.from_json(latest))


async def share(services: Services, *, check_id: int, user_id: str) -> None:
    """Post a stored summary in its channel, on behalf of the person who pressed Share."""
    async with services.db.unit_of_work() as session:
        stored = await summaries.summary_of(session=session, check_id=check_id)
    if stored is None:
        raise NotFound("That summary no longer exists. Run `/partnership summary` again.")
    found = Summary.from_json(stored)
    actor = permissions.Actor(user_id=user_id, team_id="", channel_id=found.channel_id)
    await permissions.require(services, ids.SHARE_SUMMARY, actor)
    await post_summary(services, found, shared_by=user_id)


async def history(services: Services, *, channel_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Every check of the channel's partnership with its ticks over time."""
    async with services.db.unit_of_work() as session:
        partnership = await store.partnership_for_channel(session=session, channel_id=channel_id)
        if partnership is None:
            raise UserError(NO_PARTNERSHIP)
        rows = await summaries.history(session=session, partnership_id=partnership.id)
    entries = [
        render.HistoryEntry(
            check_id=row.id,
            template_name=row.template_name,
            status=row.status,
            started_at=row.created_at,
            summary=Summary.from_json(row.summary) if row.summary else None,
        )
        for row in rows
    ]
    return render.history_message(partnership.name, entries, channel_id)


async def _completed(session: AsyncSession, previous: dict[str, Any], bank: Bank) -> dict[str, Any]:
    """A previous summary stored before it kept its questions' versions, completed from that
    check's questions and answers (two more statements, only for such a summary)."""
    earlier = int(previous["check_id"])
    questions = question_facts(
        await summaries.questions_for_summary(session=session, check_id=earlier), bank
    )
    values = await summaries.value_counts(
        session=session,
        check_id=earlier,
        version_ids=[q.version_id for q in questions if q.kind in SCORED_KINDS],
    )
    return with_questions_asked(previous, questions, values)


def question_facts(rows: Iterable[Row[Any]], bank: Bank) -> list[QuestionFacts]:
    """From summaries.questions_for_summary rows: the wording as asked; which options are
    warnings comes from the bank (it is not part of the wording)."""
    facts = []
    for row in rows:
        in_bank = bank.questions.get(row.question_id)
        warnings = {o.value for o in in_bank.options if o.warning} if in_bank else set()
        facts.append(
            QuestionFacts(
                version_id=row.version_id,
                position=row.position,
                dimension=row.dimension,
                dimension_label=DIMENSIONS.get(row.dimension, row.dimension),
                kind=row.kind,
                text=row.text,
                deal_breaker_values=frozenset(
                    str(option["value"]) for option in row.options if option.get("deal_breaker")
                ),
                question_id=row.question_id,
                version=row.version,
                need=row.dimension in NEEDS,
                options=tuple(
                    OptionFacts(
                        value=str(option["value"]),
                        label=str(option.get("label") or option["value"]),
                        short=short_label(str(option.get("label") or option["value"])),
                        warning=str(option["value"]) in warnings,
                    )
                    for option in row.options
                ),
            )
        )
    return facts


def headline_specs(bank: Bank, template_id: str) -> tuple[HeadlineSpec, ...]:
    template = bank.templates.get(template_id)
    if template is None:
        return ()
    return tuple(
        HeadlineSpec(label=item.label, question_id=item.question, dimension=item.dimension)
        for item in template.headline
    )


def step_line(step: NextStep, check_id: int) -> StepLine:
    return StepLine(
        text=step.text,
        owner_user_id=step.owner_user_id,
        due=step.due_date.isoformat() if step.due_date else None,
        done=step.status == DONE,
        carried=step.check_id != check_id,
    )


async def _post_chart(
    services: Services, summary: Summary, thread_ts: str, *, channel: str | None = None
) -> None:
    # matplotlib and numpy (about 50 MB) load with the first chart, not with the app, and in a
    # worker thread like the drawing, so the event loop never waits for them
    chart = await asyncio.to_thread(importlib.import_module, "bot.slack.chart")
    try:
        png = await asyncio.to_thread(chart.render_radar, summary)
    except chart.NoChart as reason:
        log.info("No chart for check %s: %s", summary.check_id, reason)
        return
    except Exception as error:  # the text summary stands whatever the drawing does
        log.warning(
            "Drawing the chart of check %s failed: %s", summary.check_id, type(error).__name__
        )
        return
    try:
        await services.gateway.upload_file(
            channel=channel or summary.channel_id,
            thread_ts=thread_ts,
            content=png,
            filename=f"partnership-check-{summary.check_id}.png",
            title=f"{summary.template_name}: both sides compared",
            alt_txt=chart.chart_alt_text(summary),
        )
    except SlackCallFailed as failure:
        log.warning("Uploading the chart of check %s failed: %s", summary.check_id, failure.error)


def _state(check: Row[Any], total: int) -> CheckState:
    return CheckState(
        status=Status(check.status),
        mode=Mode(check.mode),
        position=check.current_position,
        total=total,
    )
