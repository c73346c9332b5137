"""The independent comparison: a hand-written Bolt + SQLAlchemy ORM app doing the same job.

What a competent engineer would write first for an answer click, with no group commit and no
front door of its own: a default Bolt AsyncApp (signature check, default runner), a default
SQLAlchemy async engine and pool, and one ORM unit of work per click. The listener stores the
answer (load the check and the question, then update the person's Answer or add one), only
then acknowledges (so a 200 still means "stored"), confirms with chat.postEphemeral and
refreshes the question's counts (a COUNT DISTINCT per side, then chat.update). It uses the
app's own tables, in a database where the app has started a live check.

`settle()` waits for the listeners still running after their acknowledgement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.blocks import ids
from bot.db.models import Answer, Check, CheckQuestion
from bot.plumbing.config import normalise_database_url
from tests.support import signing


class InFlight:
    """How many listeners are running; `idle()` returns when none is."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __enter__(self) -> None:
        self.count += 1
        self._idle.clear()

    def __exit__(self, *_: object) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def idle(self) -> None:
        await self._idle.wait()


def build_orm_bolt_app(
    database_url: str, slack_url: str, *, schema: str | None
) -> tuple[AsyncApp, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """The Bolt app, how to wait for its listeners, and how to close its engine."""
    url = normalise_database_url(database_url)
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    engine = create_async_engine(url, connect_args=connect_args)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    quiet = logging.getLogger("bench.orm_app")  # its failures show as non-200 in the table
    quiet.setLevel(logging.CRITICAL)
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench-orm", base_url=slack_url),
        signing_secret=signing.SIGNING_SECRET,
        logger=quiet,
    )
    running = InFlight()

    @app.action(ids.ANSWER_PATTERN)
    async def on_answer(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        with running:
            await answer(ack, body)

    async def answer(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        check_id, position, value = body["actions"][0]["value"].split(":")
        user_id = body["user"]["id"]
        channel_id = body["channel"]["id"]
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            check = await session.get(Check, int(check_id))
            question = await session.scalar(
                select(CheckQuestion).where(
                    CheckQuestion.check_id == int(check_id),
                    CheckQuestion.position == int(position),
                )
            )
            if check is None or question is None or check.status != "open":
                await ack()
                await app.client.chat_postEphemeral(
                    channel=channel_id, user=user_id, text="This check is closed."
                )
                return
            existing = await session.scalar(
                select(Answer).where(
                    Answer.check_id == check.id,
                    Answer.question_version_id == question.question_version_id,
                    Answer.user_id == user_id,
                )
            )
            if existing is None:
                session.add(
                    Answer(
                        check_id=check.id,
                        question_version_id=question.question_version_id,
                        user_id=user_id,
                        side="ours",
                        value=value,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                existing.value = value
                existing.updated_at = now
        await ack()
        await app.client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=f"Saved your answer: *{value}*"
        )
        async with sessions() as session:
            counts = (
                await session.execute(
                    select(Answer.side, func.count(func.distinct(Answer.user_id)))
                    .where(
                        Answer.check_id == check.id,
                        Answer.question_version_id == question.question_version_id,
                        Answer.value.is_not(None),
                    )
                    .group_by(Answer.side)
                )
            ).all()
        summary = ", ".join(f"{side}: {count}" for side, count in counts) or "no answers yet"
        await app.client.chat_update(
            channel=check.channel_id,
            ts=question.message_ts or "",
            text=f"Answers so far: {summary}",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": summary}}],
        )

    return app, running.idle, engine.dispose
