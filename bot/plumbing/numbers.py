"""Reading numbers that came from outside (button values, form metadata) without surprises.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as another number, and
a number past 2**31 - 1 overflows the INTEGER columns the app stores ids in on PostgreSQL (the
database then refuses the query, which would read as the database failing).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DIGITS = re.compile(r"[0-9]{1,19}")
LARGEST_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id and position column


def row_id(text: object) -> int | None:
    """`text` as a database id (ASCII digits, at most 2**31 - 1), or None if it is not one."""
    number = whole_number(text)
    return number if number is not None and number <= LARGEST_ID else None


def whole_number(text: object) -> int | None:
    """`text` as a whole number of at most 19 ASCII digits (a count, not an id), or None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    return int(text)


def moment(seconds: object) -> datetime | None:
    """A Unix time from a date/time picker as an aware datetime, or None if it is not one."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | str):
        return None
    number = whole_number(seconds) if isinstance(seconds, str) else seconds
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
