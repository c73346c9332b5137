"""Malformed envelopes over Socket Mode get what the HTTP front door gives them (a refusal, one
log line, never a traceback) and are still acknowledged, or Slack would send them again. A NUL
character, which PostgreSQL cannot store and Slack never sends, is refused before anything is
stored, on both backends alike."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.db.models import Answer
from bot.plumbing.budget import Budget
from tests.e2e.checkflow import LEAD, start_check
from tests.service.test_socket_mode_budget import click, linked
from tests.support import signing
from tests.support.fake_slack import FakeSlack


def comment(text: str) -> dict[str, Any]:
    body = signing.view_submission(
        callback_id=ids.COMMENT_VIEW,
        values={ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input(text)}},
        private_metadata="1:0",
        user_id=LEAD,
    )
    return json.loads(dict(parse_qsl(body))["payload"])


def nested(depth: int) -> dict[str, Any]:
    payload = click(ids.ADD_COMMENT, "1:0")
    inner: list[Any] = []
    payload["x"] = inner
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return payload


def with_field(field: str, value: Any) -> dict[str, Any]:
    payload = click(ids.ADD_COMMENT, "1:0")
    payload[field] = value
    return payload


MALFORMED: list[tuple[str, Any]] = [
    ("interactive", comment("before\x00after")),
    ("slash_commands", dict(parse_qsl(signing.slash_command("schedule weekly\x00")))),
    ("interactive", {"type": []}),
    ("interactive", {"type": {}}),
    ("interactive", with_field("team", "x")),
    ("interactive", with_field("channel", 5)),
    ("interactive", with_field("enterprise", True)),
    ("interactive", with_field("actions", [])),
    ("interactive", with_field("user", None)),
    ("interactive", nested(200)),
    ("events_api", {"type": "event_callback", "event": "x", "event_id": "Ev1"}),
    ("slash_commands", {"command": ["/partnership"], "user_id": LEAD}),
]


async def test_malformed_envelopes_are_acknowledged_and_refused_without_a_traceback(
    database: tuple[str, str | None],
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    h, handler = await linked(database, fake_slack, Budget())
    try:
        await start_check(h)
        caplog.clear()
        caplog.set_level(logging.INFO)
        for n, (envelope_type, payload) in enumerate(MALFORMED):
            ack = await fake_slack.socket_request(envelope_type, payload)
            assert not ack.get("payload"), (n, ack)
        await h.settle()
        problems = [
            r.getMessage()[:200] for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
        ]
        assert problems == []
        refusals = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
        assert len(refusals) == len(MALFORMED), refusals
        async with h.db().unit_of_work() as session:
            assert await session.scalar(select(func.count()).select_from(Answer)) == 0
        # the link still works for a real request after them
        ack = await fake_slack.socket_request("interactive", comment("after all that"))
        await h.settle()
        async with h.db().unit_of_work() as session:
            assert list(await session.scalars(select(Answer.comment))) == ["after all that"]
    finally:
        await handler.client.close()
        await h.stop()
