"""Summary of 1000 people (BENCH_PEOPLE) × 30 questions: time to compute and render, SQL count.

Compute = count the answers in the database, do the maths, store the summary (bot.usecases.
summary.summarise); render = the Block Kit messages and the radar PNG. Slack is not called.
Also shown: the radar PNG's own time and its share of the median (the rest: compute + Block
Kit), and whether 1000 people meet the goal: ≤ 100 ms, the chart's share under a third of
that. As `partnercheck serve` does, the chart's fixed texts are outlined once at start-up
(radar_chart.warm_up); each chart's title is new, as a new partnership's would be. The
statement count is taken at two sizes, and must be the same at both: it does not grow with
the answers.

Runs on SQLite, in attributed and in anonymous mode (anonymous comments are ordered by their
text); and on PostgreSQL too, in a fresh schema, when BENCH_DATABASE_URL or TEST_DATABASE_URL
is set.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import event, text, update

from bot.blocks.summary import details_message, headline_message
from bot.db.engine import Database
from bot.db.models import Check
from bot.plumbing.clock import ManualClock
from bot.plumbing.config import Settings
from bot.services import Services
from bot.serving.bolt_app import prepare_services
from bot.slack.chart import render_radar, warm_up
from bot.usecases.summary import summarise
from questions.bank import DIMENSIONS
from tests.benchmarks.targets import on_each_backend
from tests.support.seeding import closed_check, seed_answers

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
QUESTIONS = 30
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000"))
RUNS = 15
GOAL_MS = 100  # compute + render at 1000 people, on each backend (issue 15); the chart < 1/3


async def _reopen(services: Services, check_id: int) -> None:
    async with services.db.unit_of_work() as session:
        await session.execute(
            update(Check).where(Check.id == check_id).values(status="closed", summary=None)
        )


class Figures(NamedTuple):
    with_chart: list[float]  # ms: compute + Block Kit + radar PNG
    without_chart: list[float]  # ms: compute + Block Kit
    statements: int
    answers: int


async def _measure(services: Services, people: int, *, anonymous: bool) -> Figures:
    check_id = await closed_check(
        services.db,
        f"C{people:05d}{anonymous:d}",
        questions=QUESTIONS,
        anonymous=anonymous,
        now=NOW,
    )
    answers = await seed_answers(services.db, check_id, people=people, now=NOW)
    if services.db.is_postgres:
        # the statistics autovacuum gathers after a bulk insert (it is off on this machine's
        # server; without them the planner guesses, as no production database would)
        async with services.db.unit_of_work() as session:
            await session.execute(text("ANALYZE answers"))
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    engine = services.db.engine.sync_engine
    timings, without_chart = [], []
    for run in range(RUNS):
        await _reopen(services, check_id)
        statements = 0
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        summary = await summarise(services, check_id)
        assert summary is not None
        headline_message(summary)
        details_message(summary)
        before_chart = time.perf_counter()
        # a partnership's name no chart has drawn yet, as a new partnership's would be
        render_radar(replace(summary, partnership_name=f"Partnership {people}-{run}"))
        finished = time.perf_counter()
        timings.append((finished - started) * 1000)
        without_chart.append((before_chart - started) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        if run == 0:
            first_statements = statements
    assert statements == first_statements
    return Figures(timings, without_chart, statements, answers)


async def main() -> None:
    await on_each_backend(_run, "bench.db")


async def _run(backend: str, url: str, schema: str | None) -> None:
    settings = Settings.from_env({"DATABASE_URL": url})
    services = await prepare_services(
        settings,
        clock=ManualClock(NOW),
        client=AsyncWebClient(token="xoxb-bench", base_url="http://127.0.0.1:9/"),
        db=Database(settings.database_url, schema=schema),
    )
    warm_up(DIMENSIONS.values(), settings.tick_threshold)
    try:
        for anonymous in (False, True):
            counts = set()
            for people in (20, PEOPLE):
                figures = await _measure(services, people, anonymous=anonymous)
                print(_report(backend, people, anonymous, figures))
                counts.add(figures.statements)
            assert len(counts) == 1, f"the SQL statement count grows with the answers: {counts}"
    finally:
        await services.db.dispose()


def _report(backend: str, people: int, anonymous: bool, figures: Figures) -> str:
    total, without = figures.with_chart, figures.without_chart
    chart = [whole - part for whole, part in zip(total, without, strict=True)]
    share = statistics.median(chart) / statistics.median(total)
    verdict = ""
    if people >= 1000:
        met = statistics.median(total) <= GOAL_MS and statistics.median(chart) < GOAL_MS / 3
        verdict = (
            f"\n    goal (median ≤ {GOAL_MS} ms, the chart's under a third of that): "
            f"{'met' if met else 'NOT met'}"
        )
    return (
        f"{backend}, {'anonymous' if anonymous else 'attributed'}: "
        f"{people} people × {QUESTIONS} questions ({figures.answers} answers), "
        f"{figures.statements} SQL statements\n"
        f"    compute+render median {statistics.median(total):.1f} ms, "
        f"best {min(total):.1f} ms, first {total[0]:.1f} ms\n"
        f"    of which the radar chart: median {statistics.median(chart):.1f} ms, "
        f"best {min(chart):.1f} ms ({share:.0%} of the median)\n"
        f"    without the radar chart: median {statistics.median(without):.1f} ms, "
        f"best {min(without):.1f} ms"
    ) + verdict
