"""Reading numbers that came from outside (button values, form metadata) without surprises.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as another number, and
a number past 2**63 - 1 overflows every database column the app stores ids in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DIGITS = re.compile(r"[0-9]{1,19}")
LARGEST_ID = 2**63 - 1


def row_id(text: object) -> int | None:
    """`text` as a database id (ASCII digits, at most 2**63 - 1), or None if it is not one."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= LARGEST_ID else None


def moment(seconds: object) -> datetime | None:
    """A Unix time from a date/time picker as an aware datetime, or None if it is not one."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | str):
        return None
    number = row_id(seconds) if isinstance(seconds, str) else seconds
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
