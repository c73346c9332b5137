"""What a person is told, and what is logged, when the database fails a request."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import DataError, OperationalError

from handlers.errors import DATABASE_TROUBLE, UNEXPECTED, message_for

WORDS = "a person's own words, too long for the column"


class StringDataRightTruncationError(Exception):
    """Stands for the driver's error beneath SQLAlchemy's (its message quotes the value)."""


def test_a_value_the_database_refuses_is_our_fault_and_never_quoted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    error = DataError("INSERT …", {}, StringDataRightTruncationError(f"value too long: {WORDS}"))
    assert message_for(error) == UNEXPECTED  # not "the database is busy": it isn't
    [line] = [r.getMessage() for r in caplog.records]
    assert "refused a statement" in line and "StringDataRightTruncationError" in line
    assert WORDS not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


def test_a_database_that_is_down_is_said_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    assert message_for(error) == DATABASE_TROUBLE
    assert "Database unavailable: OperationalError (ConnectionRefusedError)" in caplog.text
