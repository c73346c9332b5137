"""Property: whatever a correctly signed request carries, /slack/events never answers 5xx and
never logs a traceback. Hypothesis mutates every real payload shape (tests/support/mutations.py):
wrong types, missing and extra keys, deep nesting, huge arrays. A bounded number of examples
runs here; `make bench ONLY=fuzz` sends 10,000 and more."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.checkflow import start_check
from tests.support import signing
from tests.support.harness import Harness
from tests.support.mutations import mutate, real_requests

T = TypeVar("T")
SHAPES = real_requests()


class HypothesisChooser:
    def __init__(self, data: st.DataObject) -> None:
        self._data = data

    def choice(self, options: Sequence[T]) -> T:
        return self._data.draw(st.sampled_from(list(options)))

    def integer(self, low: int, high: int) -> int:
        return self._data.draw(st.integers(low, high))


def problems_in(records: list[logging.LogRecord]) -> list[str]:
    """Log lines that show our code met something it did not expect."""
    return [
        record.getMessage()[:200]
        for record in records
        if record.exc_info or record.levelno >= logging.ERROR or "Traceback" in record.getMessage()
    ]


@pytest.fixture
async def live(harness: Harness) -> Harness:
    await start_check(harness)
    return harness


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_mutated_signed_requests_never_get_5xx_or_a_traceback(
    live: Harness, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    shape = data.draw(st.sampled_from(SHAPES))
    body = mutate(shape, HypothesisChooser(data))
    caplog.clear()
    caplog.set_level(logging.INFO)
    reply = await live.post(body, signing.signed_headers(body))
    assert reply.status < 500, (shape.name, reply.status, reply.text[:200])
    assert "Traceback" not in reply.text
    assert problems_in(caplog.records) == [], shape.name
